// Measurement 7: extension activation time and VSIX size.
//
// Activation = loading dist/extension.js plus calling activate(), each
// sample in a fresh Node process (so the bundle is really loaded, not taken
// from the require cache). There is no VS Code here: `vscode` is a
// recording stub (bench/lib/vscodeStub.ts), so the figure leaves out the
// extension host's own work and is reported as "bundle load + activate()
// with a recording vscode stub".
//
// VSIX: `vsce package --no-dependencies` of the production build, as shipped.
//
//   node out/bench/extension.main.js --runs 20 --out rows.json
//   (scripts/bench.sh runs `node scripts/build.mjs --production` first)
import childProcess, { type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  const bundle = join(repoRoot(), 'dist', 'extension.js');
  const rows: BenchRow[] = [];

  progress(`activation: ${runs} fresh processes loading ${bundle}`);
  await sample(bundle); // warm-up: file cache
  const samples: ActivationSample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await sample(bundle));
  const stubNote = `recording vscode stub (no VS Code); ${samples[0]!.registrations} vscode API calls recorded per activation`;
  rows.push(
    makeRow({
      name: 'extension activation: bundle load + activate()',
      projectSize: null,
      unit: 'ms',
      ours: samples.map((s) => s.loadMs + s.activateMs),
      target: { text: '< 50 ms', met: (s) => s.median < 50 },
      note: stubNote,
    }),
    makeRow({ name: 'extension activation: CPU time of bundle load + activate()', projectSize: null, unit: 'ms', ours: samples.map((s) => s.cpuMs), note: stubNote }),
    makeRow({ name: 'extension activation: bundle load (require)', projectSize: null, unit: 'ms', ours: samples.map((s) => s.loadMs), note: stubNote }),
    makeRow({ name: 'extension activation: activate()', projectSize: null, unit: 'ms', ours: samples.map((s) => s.activateMs), note: stubNote }),
  );

  progress('packaging the VSIX (vsce package --no-dependencies)');
  const vsix = await packageSize();
  rows.push(
    makeRow({
      name: 'VSIX size',
      projectSize: null,
      unit: 'MB',
      ours: [vsix / 1e6],
      target: { text: '< 2 MB', met: (s) => s.median < 2 },
      note: `${vsix} bytes; vsce package --no-dependencies of the production build`,
    }),
  );
  for (const file of ['extension.js', 'server.js', 'dbt_worker.py']) {
    const path = join(repoRoot(), 'dist', file);
    rows.push(makeRow({ name: `bundle size: dist/${file}`, projectSize: null, unit: 'kB', ours: [statSync(path).size / 1e3] }));
  }
  writeRows(argValue('out'), rows);
}

/** One activation in a new Node process. */
async function sample(bundle: string): Promise<ActivationSample> {
  const r = await run(process.execPath, [__filename, '--child', bundle], { timeoutMs: CHILD_TIMEOUT_MS });
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
  const context = fakeContext(workspace);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const ext = requireBundle(bundle) as { activate: (context: unknown) => unknown };
  const t1 = performance.now();
  ext.activate(context);
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

function fakeContext(storage: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vscode = require('vscode') as { Uri: { file(p: string): unknown } };
  const root = repoRoot();
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

/** Size in bytes of the VSIX vsce builds from the current dist/. */
async function packageSize(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'dbt-conductor-bench-vsix-'));
  try {
    const out = join(dir, 'bench.vsix');
    const vsce = join(repoRoot(), 'node_modules', '.bin', 'vsce');
    // stdin ignored and a timeout: vsce must never wait on a prompt.
    const r = await run(vsce, ['package', '--no-dependencies', '--skip-license', '--out', out], { cwd: repoRoot(), timeoutMs: 5 * 60_000 });
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
