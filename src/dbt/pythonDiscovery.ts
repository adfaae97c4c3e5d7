// Which Python runs dbt, looked for in this order: the
// dbtConductor.pythonPath setting; the interpreter picked with "dbt: Select
// Interpreter" (remembered per workspace); the Python extension's
// interpreter for the project's folder; virtual environments in the project
// folder and the workspace folder (.venv, venv, env) and the one named by
// VIRTUAL_ENV; the interpreter behind a `dbt` executable on PATH (its #!
// line); python3 (then python) on PATH. Every step says what it found or why
// not, so a failure can list what was tried. Pure: file checks and the probe
// of an interpreter are passed in.

export type PythonSource = 'setting' | 'selected' | 'python extension' | 'virtual environment' | 'VIRTUAL_ENV' | 'dbt on PATH' | 'PATH';

export interface PythonCandidate {
  python: string;
  source: PythonSource;
  /** Where it was found, for people: ".venv in the project folder". */
  where: string;
}

export interface DiscoveryInput {
  /** The pythonPath setting, expanded; '' when not set. An explicit setting is the only candidate. */
  setting: string;
  /** The interpreter the user picked with Select Interpreter, if any. */
  selected?: string;
  /** The Python extension's interpreter for the project, or why there is none. */
  pythonExtension: { python: string } | { missing: string };
  projectRoot: string;
  /** The workspace folder holding the project, when it is another folder. */
  workspaceFolder?: string;
  /** $VIRTUAL_ENV and $PATH of the extension host. */
  virtualEnv?: string;
  pathValue: string;
  platform: string;
}

export interface DiscoveryFs {
  /** True for an existing file that may be executed. */
  isExecutable(path: string): boolean;
  /** The first few hundred bytes of a file as text (for #! lines); undefined when unreadable. */
  head(path: string): string | undefined;
}

export interface Candidates {
  candidates: PythonCandidate[];
  /** Steps that gave no candidate, and why ("the Python extension: not installed"). */
  notes: string[];
}

const VENV_NAMES = ['.venv', 'venv', 'env'];

/** The interpreters to try, in order, without duplicates. */
export function pythonCandidates(input: DiscoveryInput, fs: DiscoveryFs): Candidates {
  const win = input.platform === 'win32';
  const sep = win ? '\\' : '/';
  const join = (...parts: string[]) => parts.map((p, i) => (i === 0 ? p.replace(/[\\/]+$/, '') : p)).join(sep);
  const pythonIn = (venv: string) => (win ? join(venv, 'Scripts', 'python.exe') : join(venv, 'bin', 'python'));
  const out: PythonCandidate[] = [];
  const notes: string[] = [];
  const add = (c: PythonCandidate) => {
    if (!out.some((o) => o.python === c.python)) out.push(c);
  };
  if (input.setting) {
    // An explicit setting is never second-guessed: its failure is the answer.
    return { candidates: [{ python: input.setting, source: 'setting', where: 'the setting dbtConductor.pythonPath' }], notes };
  }
  notes.push('the setting dbtConductor.pythonPath: not set');
  if (input.selected) add({ python: input.selected, source: 'selected', where: 'the interpreter chosen with "dbt: Select Interpreter"' });
  if ('python' in input.pythonExtension) add({ python: input.pythonExtension.python, source: 'python extension', where: "the Python extension's interpreter" });
  else notes.push(`the Python extension: ${input.pythonExtension.missing}`);

  const folders: [string, string][] = [[input.projectRoot, 'the project folder']];
  if (input.workspaceFolder && input.workspaceFolder !== input.projectRoot) folders.push([input.workspaceFolder, 'the workspace folder']);
  for (const [folder, what] of folders) {
    const found = VENV_NAMES.filter((name) => fs.isExecutable(pythonIn(join(folder, name))));
    for (const name of found) add({ python: pythonIn(join(folder, name)), source: 'virtual environment', where: `${name} in ${what}` });
    if (found.length === 0) notes.push(`virtual environments in ${what} (${folder}): no ${VENV_NAMES.join(', ')} with a Python`);
  }
  if (!input.virtualEnv) notes.push('VIRTUAL_ENV: not set');
  else if (fs.isExecutable(pythonIn(input.virtualEnv))) add({ python: pythonIn(input.virtualEnv), source: 'VIRTUAL_ENV', where: `VIRTUAL_ENV (${input.virtualEnv})` });
  else notes.push(`VIRTUAL_ENV (${input.virtualEnv}): no Python in it`);

  const dirs = input.pathValue.split(win ? ';' : ':').filter((d) => d !== '');
  const onPath = (names: string[]) => {
    for (const name of names) for (const dir of dirs) if (fs.isExecutable(join(dir, name))) return join(dir, name);
    return undefined;
  };
  const dbt = onPath(win ? ['dbt.exe', 'dbt'] : ['dbt']);
  if (!dbt) notes.push('dbt on PATH: not found');
  else {
    const behind = interpreterOfScript(fs.head(dbt), (name) => onPath([name]));
    if (behind) add({ python: behind, source: 'dbt on PATH', where: `the Python of ${dbt}` });
    else notes.push(`dbt on PATH (${dbt}): not a Python script (no #! line naming a Python), so it is not dbt-core`);
  }
  const python = onPath(win ? ['python3.exe', 'python.exe'] : ['python3', 'python']);
  if (python) add({ python, source: 'PATH', where: 'PATH' });
  else notes.push('python3 and python on PATH: not found');
  return { candidates: out, notes };
}

/**
 * The interpreter a script runs with, from its first lines: `#!/path/python`,
 * `#!/usr/bin/env python3` (looked up with `which`), or pip's launcher for
 * long paths (`#!/bin/sh` then `'''exec' "/path/python" "$0" "$@"`).
 */
export function interpreterOfScript(head: string | undefined, which: (name: string) => string | undefined): string | undefined {
  if (!head?.startsWith('#!')) return undefined;
  const lines = head.split(/\r?\n/);
  const words = lines[0].slice(2).trim().split(/\s+/);
  if (words[0] === '/bin/sh' || words[0] === '/usr/bin/sh') {
    const exec = /^'''exec' (?:"([^"]+)"|(\S+))/m.exec(lines.slice(1, 4).join('\n'));
    const python = exec?.[1] ?? exec?.[2];
    return python && isPythonName(python) ? python : undefined;
  }
  if (/(^|\/)env$/.test(words[0] ?? '')) {
    const name = words.slice(1).find((w) => !w.startsWith('-'));
    return name && isPythonName(name) ? which(name) : undefined;
  }
  return words[0] && isPythonName(words[0]) ? words[0] : undefined;
}

function isPythonName(path: string): boolean {
  return /(^|[\\/])python[\d.]*(\.exe)?$/i.test(path);
}

/** What a probe of an interpreter tells (src/runner/pythonEnv.ts checkPython). */
export interface ProbedPython {
  python: string;
  pythonVersion: string;
  dbtVersion: string;
  adapters: string[];
}

export interface Discovered extends ProbedPython {
  source: PythonSource;
  where: string;
}

export interface DiscoveryOutcome {
  found?: Discovered;
  /** Each step in order: what was found and what its probe said, or why nothing was found. */
  tried: string[];
  /** The probe error of the last candidate that failed (keeps its code for the message). */
  lastError?: unknown;
}

/** Probes the candidates in order; the first with dbt-core wins. */
export async function discoverPython(found: Candidates, probe: (python: string) => Promise<ProbedPython>): Promise<DiscoveryOutcome> {
  const tried = [...found.notes];
  let lastError: unknown;
  for (const c of found.candidates) {
    try {
      return { found: { ...(await probe(c.python)), source: c.source, where: c.where }, tried };
    } catch (e) {
      lastError = e;
      tried.push(`${c.where} (${c.python}): ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { tried, lastError };
}

/** Every candidate with its probe, for the Select Interpreter pick: one probe per distinct interpreter. */
export async function probeAll(found: Candidates, probe: (python: string) => Promise<ProbedPython>): Promise<{ candidate: PythonCandidate; probed?: ProbedPython; error?: string }[]> {
  const results = await Promise.all(
    found.candidates.map(async (candidate) => {
      try {
        return { candidate, probed: await probe(candidate.python) };
      } catch (e) {
        return { candidate, error: e instanceof Error ? e.message : String(e) };
      }
    }),
  );
  // Two paths to one interpreter (a venv named twice, a symlink) are listed once.
  const seen = new Set<string>();
  return results.filter((r) => {
    const key = r.probed?.python ?? r.candidate.python;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
