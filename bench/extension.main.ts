// Measurement 7: extension activation time and VSIX size.
//
// Activation = loading dist/extension.js plus calling activate(), each
// sample in a fresh Node process (so the bundle is really loaded, not taken
// from the require cache). There is no VS Code here: `vscode` is a
// recording stub (bench/lib/vscodeStub.ts), so the figure leaves out the
// extension host's own work and is reported as "bundle load + activate()
// with a recording vscode stub".
//
// Both use a production build made in a staging copy of the repository (the
// files a fresh clone has, without tests, caches or venvs), so that another
// build of dist/ running at the same time cannot change what is measured.
// VSIX: `vsce package` in that copy, with the flags of `npm run package`.
//
//   node out/bench/extension.main.js --runs 20 --out rows.json
import childProcess, { type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { run } from './lib/exec';
import { progress } from './lib/log';
import { argValue, intArg, repoRoot } from './lib/paths';
import { makeRow, writeRows, type BenchRow } from './lib/rows';
import { installVscodeStub } from './lib/vscodeStub';

interface ActivationSample {
  loadMs: number;
  activateMs: number;
  /** CPU time (user + system) of load + activate: less sensitive than wall time to other work on a busy machine. */
  cpuMs: number;
  registrations: number;
}

const CHILD_TIMEOUT_MS = 60_000;

async function main(): Promise<void> {
  if (process.argv.includes('--child')) return child(argValue('child')!);
  const runs = intArg('runs', 20);
  const staging = await stage();
  try {
    writeRows(argValue('out'), await measure(staging, runs));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

async function measure(staging: string, runs: number): Promise<BenchRow[]> {
  const bundle = join(staging, 'dist', 'extension.js');
  const rows: BenchRow[] = [];

  // Baseline: what any LSP-based extension loads, vscode-languageclient/node bundled with the same settings.
  const clientOnly = await bundleLanguageClient(staging);
  progress(`activation: ${runs} fresh processes each loading ${bundle} and the language-client-only bundle, interleaved`);
  await sample(bundle); // warm-up: file cache
  await sample(clientOnly, false);
  const samples: ActivationSample[] = [];
  const floor: ActivationSample[] = [];
  for (let i = 0; i < runs; i++) {
    floor.push(await sample(clientOnly, false));
    samples.push(await sample(bundle));
  }
  const stubNote = `recording vscode stub (no VS Code); ${samples[0]!.registrations} vscode API calls recorded per activation; not included: the parts loaded on first use after activation (dist/lspClient.js, runner.js, yaml.js)`;
  const floorLabel = `load of vscode-languageclient/node alone, minified like dist/ (${Math.round(statSync(clientOnly).size / 1e3)} kB)`;
  rows.push(
    makeRow({
      name: 'extension activation: bundle load + activate()',
      projectSize: null,
      unit: 'ms',
      ours: samples.map((s) => s.loadMs + s.activateMs),
      baseline: floor.map((s) => s.loadMs),
      baselineLabel: floorLabel,
      target: { text: '< 50 ms', met: (s) => s.median < 50 },
      note: stubNote,
    }),
    makeRow({
      name: 'extension activation: CPU time of bundle load + activate()',
      projectSize: null,
      unit: 'ms',
      ours: samples.map((s) => s.cpuMs),
      baseline: floor.map((s) => s.cpuMs),
      baselineLabel: floorLabel,
      note: stubNote,
    }),
    makeRow({ name: 'extension activation: bundle load (require)', projectSize: null, unit: 'ms', ours: samples.map((s) => s.loadMs), note: stubNote }),
    makeRow({ name: 'extension activation: activate()', projectSize: null, unit: 'ms', ours: samples.map((s) => s.activateMs), note: stubNote }),
  );

  progress('packaging the VSIX (vsce package, as npm run package)');
  const vsix = await packageSize(staging);
  rows.push(
    makeRow({
      name: 'VSIX size',
      projectSize: null,
      unit: 'MB',
      ours: [vsix / 1e6],
      target: { text: '< 2 MB', met: (s) => s.median < 2 },
      note: `${vsix} bytes; vsce package of the production build, as npm run package`,
    }),
  );
  for (const file of ['extension.js', 'lspClient.js', 'runner.js', 'yaml.js', 'server.js', 'dbt_worker.py']) {
    const path = join(staging, 'dist', file);
    rows.push(makeRow({ name: `bundle size: dist/${file}`, projectSize: null, unit: 'kB', ours: [statSync(path).size / 1e3] }));
  }
  return rows;
}

/** Bundles vscode-languageclient/node alone, with dist/'s production settings. */
async function bundleLanguageClient(staging: string): Promise<string> {
  const entry = join(staging, 'bench-language-client.ts');
  const out = join(staging, 'bench-language-client.js');
  writeFileSync(entry, "export * from 'vscode-languageclient/node';\n");
  const esbuild = join(repoRoot(), 'node_modules', '.bin', 'esbuild');
  const args = [entry, '--bundle', '--platform=node', '--format=cjs', '--target=node20', '--minify', '--external:vscode', `--outfile=${out}`, '--log-level=warning'];
  const r = await run(esbuild, args, { cwd: staging, timeoutMs: 2 * 60_000 });
  if (r.exitCode !== 0) throw new Error(`bundling vscode-languageclient failed (exit ${r.exitCode ?? r.signal}):\n${r.tail}`);
  return out;
}

/** Top-level entries a staging copy leaves out: not in a fresh clone, or never packaged (.vscodeignore). */
const NOT_STAGED = new Set(['.git', 'node_modules', '.cache', 'out', 'dist', 'test', 'bench', 'test-artifacts', '.vscode-test']);

/** A copy of the repository's sources with node_modules linked in, and its production build. */
async function stage(): Promise<string> {
  const root = repoRoot();
  const dir = mkdtempSync(join(tmpdir(), 'dbt-conductor-bench-package-'));
  for (const name of readdirSync(root)) {
    if (NOT_STAGED.has(name) || name.startsWith('.venv')) continue;
    cpSync(join(root, name), join(dir, name), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  progress(`production build in ${dir}`);
  const r = await run(process.execPath, [join(dir, 'scripts', 'build.mjs'), '--production'], { cwd: dir, timeoutMs: 5 * 60_000 });
  if (r.exitCode !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`the production build failed (exit ${r.exitCode ?? r.signal}):\n${r.tail}`);
  }
  return dir;
}

/** One activation (or, with activate = false, only the load) in a new Node process. */
async function sample(bundle: string, activate = true): Promise<ActivationSample> {
  const r = await run(process.execPath, [__filename, '--child', bundle, ...(activate ? [] : ['--load-only'])], { timeoutMs: CHILD_TIMEOUT_MS });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.exitCode !== 0 || !line) throw new Error(`activation sample failed (exit ${r.exitCode ?? r.signal}${r.timedOut ? ', timed out' : ''}):\n${r.tail}`);
  return JSON.parse(line) as ActivationSample;
}

/** In the child: stub vscode, time require() and activate(), then exit (ending anything activate started). */
function child(bundle: string): void {
  const recorder = installVscodeStub();
  const started = trackChildren();
  const workspace = mkdtempSync(join(tmpdir(), 'dbt-conductor-bench-activation-'));
  const requireBundle = createRequire(__filename);
  const context = fakeContext(workspace, dirname(dirname(bundle)));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const ext = requireBundle(bundle) as { activate?: (context: unknown) => unknown };
  const t1 = performance.now();
  if (!process.argv.includes('--load-only')) ext.activate!(context);
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const registrations = [...recorder.calls.values()].reduce((a, b) => a + b, 0);
  const sample: ActivationSample = { loadMs: t1 - t0, activateMs: t2 - t1, cpuMs: (cpu.user + cpu.system) / 1000, registrations };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
  for (const c of started) c.kill('SIGKILL');
  rmSync(workspace, { recursive: true, force: true });
  process.exit(0);
}

/** Records processes started in this process (the language client forks its server) so they can be ended. */
function trackChildren(): ChildProcess[] {
  const started: ChildProcess[] = [];
  const cp = childProcess as unknown as Record<'spawn' | 'fork', (...args: unknown[]) => ChildProcess>;
  for (const name of ['spawn', 'fork'] as const) {
    const original = cp[name];
    cp[name] = (...args: unknown[]) => {
      const c = original.apply(childProcess, args);
      started.push(c);
      return c;
    };
  }
  return started;
}

function fakeContext(storage: string, root: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vscode = require('vscode') as { Uri: { file(p: string): unknown } };
  const memento = { get: <T>(_k: string, d?: T) => d, update: () => Promise.resolve(), keys: () => [] };
  return {
    subscriptions: [] as unknown[],
    extensionPath: root,
    extensionUri: vscode.Uri.file(root),
    asAbsolutePath: (p: string) => join(root, p),
    storageUri: vscode.Uri.file(join(storage, 'workspace')),
    globalStorageUri: vscode.Uri.file(join(storage, 'global')),
    logUri: vscode.Uri.file(join(storage, 'log')),
    storagePath: join(storage, 'workspace'),
    globalStoragePath: join(storage, 'global'),
    logPath: join(storage, 'log'),
    workspaceState: memento,
    globalState: { ...memento, setKeysForSync: () => undefined },
    secrets: { get: () => Promise.resolve(undefined), store: () => Promise.resolve(), delete: () => Promise.resolve(), onDidChange: () => ({ dispose() {} }) },
    extensionMode: 1,
    extension: { id: 'dbt-conductor.dbt-conductor', packageJSON: {} },
    environmentVariableCollection: { replace() {}, append() {}, prepend() {}, get() {}, forEach() {}, delete() {}, clear() {} },
  };
}

/** Size in bytes of the VSIX vsce builds in the staging copy. */
async function packageSize(staging: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'dbt-conductor-bench-vsix-'));
  try {
    const out = join(dir, 'bench.vsix');
    const vsce = join(repoRoot(), 'node_modules', '.bin', 'vsce');
    // stdin ignored and a timeout: vsce must never wait on a prompt.
    // The flags of `npm run package` (package.json), plus --skip-license so a missing LICENSE cannot prompt.
    const flags = ['--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--skip-license'];
    const r = await run(vsce, ['package', ...flags, '--out', out], { cwd: staging, timeoutMs: 5 * 60_000 });
    if (r.exitCode !== 0) throw new Error(`vsce package failed (exit ${r.exitCode ?? r.signal}${r.timedOut ? ', timed out' : ''}):\n${r.tail}`);
    return statSync(out).size;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
