// Builds dbt argument lists from what the user is looking at. Every name and
// selector is one array element, handed to dbt without a shell. The flag
// table below was checked against `dbt <command> --help` of dbt-core 1.8.9
// and 1.12.6 (identical for these flags).
import { parse as parseYaml } from 'yaml';

/** A problem with what the user asked for; the message says what to change. */
export class InvocationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvocationError';
  }
}

export const COMMANDS = [
  'run', 'build', 'test', 'compile', 'seed', 'snapshot', 'show', 'parse', 'list', 'ls',
  'deps', 'debug', 'docs generate', 'source freshness', 'retry', 'clean',
] as const;
export type DbtCommand = (typeof COMMANDS)[number];

/** What to run dbt on. Graph operators: `parents` = `+x`, `children` = `x+`. */
export type Selection =
  | { kind: 'project' }
  /** A model, seed, snapshot (or any node) by name; `version` selects one version of a versioned model (`name.v2`). */
  | { kind: 'node'; name: string; version?: string | number; parents?: boolean; children?: boolean }
  /** A folder or file, relative to the project root (`path:models/staging`). */
  | { kind: 'path'; path: string; parents?: boolean; children?: boolean }
  | { kind: 'tag'; tag: string; parents?: boolean; children?: boolean }
  /** A named selector from selectors.yml (`--selector name`). */
  | { kind: 'selector'; name: string }
  /** Selection text as the user typed or selected it; space-separated selectors become separate arguments. */
  | { kind: 'text'; text: string }
  /** SQL text for `show --inline` / `compile --inline`. */
  | { kind: 'inline'; sql: string };

export interface InvocationSpec {
  command: DbtCommand;
  selection?: Selection;
  /** Selection text to leave out (`--exclude`). */
  exclude?: string;
  /** Added only for run, build and seed; ignored for other commands. */
  fullRefresh?: boolean;
  /** dbt target name (`--target`). */
  target?: string;
  profile?: string;
  profilesDir?: string;
  threads?: number;
  /** YAML or JSON text of a mapping, e.g. `{start_date: "2024-01-01"}`. */
  vars?: string;
  /** show: rows to preview (`--limit`; -1 = no limit). */
  limit?: number;
  /** ls: json|name|path|selector; show/compile: json|text. */
  output?: string;
  /** Extra arguments from the settings for this command, appended last. */
  extraArgs?: readonly string[];
}

const SELECTING = new Set<DbtCommand>([
  'run', 'build', 'test', 'compile', 'seed', 'snapshot', 'show', 'list', 'ls', 'docs generate', 'source freshness',
]);
const FULL_REFRESH = new Set<DbtCommand>(['run', 'build', 'seed']);
// dbt list has no --threads; deps, debug and clean do not run nodes.
const NO_THREADS = new Set<DbtCommand>(['list', 'ls', 'deps', 'debug', 'clean']);
const INLINE = new Set<DbtCommand>(['show', 'compile']);
const OUTPUTS: Partial<Record<DbtCommand, readonly string[]>> = {
  list: ['json', 'name', 'path', 'selector'],
  ls: ['json', 'name', 'path', 'selector'],
  show: ['json', 'text'],
  compile: ['json', 'text'],
};

export function isDbtCommand(value: string): value is DbtCommand {
  return (COMMANDS as readonly string[]).includes(value);
}

/** The dbt argument list for `spec`, without the `dbt` executable. Throws InvocationError. */
export function buildArgs(spec: InvocationSpec): string[] {
  const command = spec.command as string;
  if (!isDbtCommand(command)) {
    throw new InvocationError(`Unknown dbt command "${command}". Use one of: ${COMMANDS.join(', ')}.`);
  }
  const args = command.split(' ');
  const sel = spec.selection ?? { kind: 'project' };

  if (sel.kind === 'inline') {
    if (!INLINE.has(spec.command)) throw new InvocationError(`dbt ${command} cannot run selected SQL; use show or compile.`);
    if (sel.sql.trim() === '') throw new InvocationError('The selected SQL is empty. Select the SQL to run, then try again.');
    args.push('--inline', sel.sql.trim());
  } else if (sel.kind !== 'project') {
    if (!SELECTING.has(spec.command)) {
      throw new InvocationError(`dbt ${command} does not take a selection; run it on the whole project.`);
    }
    if (sel.kind === 'selector') args.push('--selector', checkWord(sel.name, 'Selector name'));
    else args.push('--select', ...selectorsOf(sel));
  }
  if (spec.exclude !== undefined && spec.exclude.trim() !== '') {
    if (!SELECTING.has(spec.command)) throw new InvocationError(`dbt ${command} does not take --exclude.`);
    args.push('--exclude', ...splitSelectionText(spec.exclude, 'Exclude text'));
  }

  if (spec.fullRefresh === true && FULL_REFRESH.has(spec.command)) args.push('--full-refresh');
  if (spec.target !== undefined && spec.target !== '') args.push('--target', checkWord(spec.target, 'Target name'));
  if (spec.profile !== undefined && spec.profile !== '') args.push('--profile', checkWord(spec.profile, 'Profile name'));
  if (spec.profilesDir !== undefined && spec.profilesDir !== '') {
    if (/[\r\n]/.test(spec.profilesDir)) throw new InvocationError('The profiles directory must not contain a line break.');
    args.push('--profiles-dir', spec.profilesDir);
  }
  if (spec.threads !== undefined && !NO_THREADS.has(spec.command)) {
    if (!Number.isInteger(spec.threads) || spec.threads < 1) {
      throw new InvocationError(`Threads must be a whole number of at least 1 (got ${String(spec.threads)}).`);
    }
    args.push('--threads', String(spec.threads));
  }
  if (spec.vars !== undefined && spec.vars.trim() !== '') args.push('--vars', validateVars(spec.vars));
  if (spec.limit !== undefined) {
    if (spec.command !== 'show') throw new InvocationError(`--limit applies to dbt show only, not dbt ${command}.`);
    if (!Number.isInteger(spec.limit) || spec.limit < -1 || spec.limit === 0) {
      throw new InvocationError(`The preview limit must be a whole number of at least 1, or -1 for no limit (got ${String(spec.limit)}).`);
    }
    args.push('--limit', String(spec.limit));
  }
  if (spec.output !== undefined && spec.output !== '') {
    const allowed = OUTPUTS[spec.command];
    if (allowed === undefined) throw new InvocationError(`dbt ${command} has no --output format option.`);
    if (!allowed.includes(spec.output)) {
      throw new InvocationError(`dbt ${command} --output must be one of ${allowed.join(', ')} (got "${spec.output}").`);
    }
    args.push('--output', spec.output);
  }
  if (spec.extraArgs !== undefined) args.push(...spec.extraArgs);
  return args;
}

/** The selector strings of a selection, e.g. `+orders`, `path:models/staging`. */
function selectorsOf(sel: Exclude<Selection, { kind: 'project' | 'inline' | 'selector' }>): string[] {
  switch (sel.kind) {
    case 'node': {
      let name = checkWord(sel.name, 'Node name');
      if (sel.version !== undefined && String(sel.version) !== '') {
        // dbt's selector for one version of a versioned model is `name.v2`.
        const v = String(sel.version).replace(/^v/, '');
        name = `${name}.v${checkWord(v, 'Model version')}`;
      }
      return [withGraph(name, sel)];
    }
    case 'path': {
      const p = normalizeSelectorPath(sel.path);
      return [withGraph(`path:${p}`, sel)];
    }
    case 'tag':
      return [withGraph(`tag:${checkWord(sel.tag, 'Tag')}`, sel)];
    case 'text':
      return splitSelectionText(sel.text, 'Selection');
  }
}

function withGraph(selector: string, sel: { parents?: boolean; children?: boolean }): string {
  return `${sel.parents === true ? '+' : ''}${selector}${sel.children === true ? '+' : ''}`;
}

/**
 * Free selection text -> separate selector arguments. dbt splits each
 * --select value on spaces anyway; a line break means the user selected more
 * than a selector (e.g. a block of SQL).
 */
export function splitSelectionText(text: string, what = 'Selection'): string[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new InvocationError(`${what} is empty. Select a model name or type a selector such as +orders.`);
  if (/[\r\n]/.test(trimmed)) {
    throw new InvocationError(`${what} spans several lines. Select a single line with a model name or selector such as "+orders tag:nightly".`);
  }
  const words = trimmed.split(/\s+/);
  for (const w of words) checkSelectorWord(w, what);
  return words;
}

/** dbt would read a word starting with "-" as the next flag, not as a selector. */
function checkSelectorWord(word: string, what: string): void {
  if (word.startsWith('-')) throw new InvocationError(`${what} "${word}" is not a dbt selector (it starts with "-"). Put flags in the command, not in the selection.`);
  if (word.includes('\0')) throw new InvocationError(`${what} contains a NUL character.`);
}

/** A name that must be a single selector word: no spaces, no line breaks, not empty. */
function checkWord(value: string, what: string): string {
  const v = value.trim();
  if (v === '') throw new InvocationError(`${what} is empty.`);
  if (/[\r\n]/.test(v)) throw new InvocationError(`${what} must not contain a line break.`);
  if (/\s/.test(v)) throw new InvocationError(`${what} "${v}" contains a space; dbt cannot select it.`);
  checkSelectorWord(v, what);
  return v;
}

/** Project-relative path with forward slashes (dbt matches `path:` that way on every OS). */
function normalizeSelectorPath(path: string): string {
  let p = path.trim().replace(/\\/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  p = p.replace(/\/+$/, '');
  if (p === '' || p === '.') throw new InvocationError('Path is empty. Pick a folder or file inside the dbt project.');
  if (/[\r\n]/.test(p)) throw new InvocationError('Path must not contain a line break.');
  if (/^\//.test(p) || /^[A-Za-z]:/.test(p) || p === '..' || p.startsWith('../')) {
    throw new InvocationError(`Path "${p}" is not inside the dbt project; give it relative to the folder holding dbt_project.yml.`);
  }
  if (/\s/.test(p)) {
    // dbt splits selection values on spaces, so `path:` cannot name it.
    throw new InvocationError(`Path "${p}" contains a space, which dbt selectors cannot express. Select the model by name instead, or rename the folder/file.`);
  }
  checkSelectorWord(p, 'Path');
  return p;
}

/** Checks that `text` is a YAML/JSON mapping and returns it trimmed (dbt parses it again). */
export function validateVars(text: string): string {
  const trimmed = text.trim();
  let value: unknown;
  try {
    value = parseYaml(trimmed);
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new InvocationError(`--vars is not valid YAML or JSON: ${detail}. Example: {"start_date": "2024-01-01"}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const got = value === null ? 'nothing' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    throw new InvocationError(`--vars must be a mapping of names to values, such as {"start_date": "2024-01-01"}; got ${got}.`);
  }
  return trimmed;
}

/** A short label for views and logs, e.g. `dbt run +orders`, `dbt build --full-refresh`. */
export function describeInvocation(spec: InvocationSpec): string {
  const parts = ['dbt', spec.command];
  const sel = spec.selection;
  if (sel !== undefined) {
    switch (sel.kind) {
      case 'project':
        break;
      case 'selector':
        parts.push(`--selector ${sel.name.trim()}`);
        break;
      case 'inline': {
        const oneLine = sel.sql.trim().replace(/\s+/g, ' ');
        parts.push(`--inline "${oneLine.length > 40 ? `${oneLine.slice(0, 39)}…` : oneLine}"`);
        break;
      }
      default:
        try {
          parts.push(selectorsOf(sel).join(' '));
        } catch {
          parts.push('(invalid selection)');
        }
    }
  }
  if (spec.exclude !== undefined && spec.exclude.trim() !== '') parts.push(`--exclude ${spec.exclude.trim().replace(/\s+/g, ' ')}`);
  if (spec.fullRefresh === true && FULL_REFRESH.has(spec.command)) parts.push('--full-refresh');
  if (spec.target !== undefined && spec.target !== '') parts.push(`--target ${spec.target}`);
  return parts.join(' ');
}

// ---- free-form command line ("Run dbt command..." input box) ----

/**
 * Splits a command line the way a POSIX shell splits words, without
 * expanding or executing anything: single quotes keep everything literally,
 * double quotes keep everything except \" \\ \$ \` and \newline, a backslash
 * outside quotes escapes the next character. `$`, `*`, `|`, `;` stay literal.
 */
export function tokenizeCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new InvocationError(`Unclosed single quote at column ${i + 1}. Add the closing ' or remove the quote.`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      const start = i;
      i++;
      let closed = false;
      while (i < line.length) {
        const d = line[i];
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '\\' && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1])) {
          if (line[i + 1] !== '\n') word += line[i + 1];
          i += 2;
          continue;
        }
        word += d;
        i++;
      }
      if (!closed) throw new InvocationError(`Unclosed double quote at column ${start + 1}. Add the closing " or remove the quote.`);
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new InvocationError('The command ends with a backslash. Remove it or add the character it should escape.');
      if (line[i + 1] !== '\n') {
        word += line[i + 1];
        inWord = true;
      }
      i += 2;
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

// Commands the free-form box passes on; `init` prompts on stdin and `docs serve` never returns.
const FREEFORM_COMMANDS = new Set([
  'run', 'build', 'test', 'compile', 'seed', 'snapshot', 'show', 'parse', 'list', 'ls', 'deps', 'debug',
  'docs', 'source', 'retry', 'clean', 'clone', 'run-operation',
]);

/** Tokenizes the "Run dbt command..." input: strips a leading `dbt`, checks the command. */
export function parseCommandLine(line: string): { args: string[]; label: string } {
  const args = tokenizeCommandLine(line);
  if (args[0] === 'dbt') args.shift();
  if (args.length === 0) throw new InvocationError('Type a dbt command, for example: build --select +orders');
  const first = args[0];
  if (!first.startsWith('-')) {
    if (first === 'init') throw new InvocationError('dbt init asks questions on the terminal; run it in a terminal instead.');
    if (first === 'docs' && args[1] === 'serve') {
      throw new InvocationError('dbt docs serve runs a web server until stopped; run it in a terminal instead.');
    }
    if (!FREEFORM_COMMANDS.has(first)) {
      throw new InvocationError(`Unknown dbt command "${first}". Use one of: ${[...FREEFORM_COMMANDS].join(', ')}.`);
    }
  }
  return { args, label: `dbt ${args.map(quoteForLabel).join(' ')}` };
}

function quoteForLabel(arg: string): string {
  return /^[\w@%+=:,./*-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
