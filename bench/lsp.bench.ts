// Language-server benchmark on real dbt manifests of synthetic projects
// (bench/generate-project.ts, parsed once by real `dbt parse` and cached):
//   - manifest load: read + JSON.parse + index, against read + JSON.parse alone (the floor)
//   - index build alone (target: < 300 ms at 5,000 models)
//   - the slim manifest the worker writes: read + parse + index
//   - server memory (RSS) holding the manifest, against a Node process holding JSON.parse of it
//   - hover and definition round trips over LSP to dist/server.js (target: p95 < 5 ms)
//
//   node scripts/build.mjs && node scripts/build.mjs bench/lsp.bench.ts
//   node out/bench/lsp.bench.js --sizes 1000,5000,10000 [--real-sizes 3000] --runs 5 [--out rows.json]
// --real-sizes adds manifests of the real shape (bench/generate-real-project.ts:
// packages, docs, exposures, about 3 tests per model); the largest decides
// issue 13's hover/definition target.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ManifestIndex, slimManifest } from '../src/dbt/manifest';
import { definitionTarget, locateAnchor } from '../src/server/definition';
import { hoverMarkdown } from '../src/server/hover';
import { targetAt } from '../src/server/targets';
import { progress } from './lib/log';
import { startServer, type Server } from './lib/lspServer';
import { argValue, benchDbt, cacheDir, intArg, sizesArg } from './lib/paths';
import { generatorKey, prepareProject, type BenchProject, type Shape } from './lib/projects';
import { makeRow, writeRows, type BenchRow } from './lib/rows';

const run = promisify(execFile);
const PARSE_TIMEOUT_MS = 60 * 60_000;
const LSP_WAIT_MS = 120_000;
const LATENCY_SAMPLES = 400;
const WARMUP_SAMPLES = 40;

/** A real manifest.json of the project, from one `dbt parse` into a private target path (cached by generator version and size). */
async function manifestOf(project: BenchProject): Promise<string> {
  const dir = join(cacheDir(), 'lsp', generatorKey(project.shape), `m${project.size}`);
  const manifest = join(dir, 'manifest.json');
  if (existsSync(manifest)) return manifest;
  mkdirSync(dir, { recursive: true });
  const target = join(dir, 'target');
  progress(`dbt parse of the ${project.size}-model project (once; cached in ${dir})`);
  const started = performance.now();
  await run(benchDbt(), ['parse', '--project-dir', project.dir, '--profiles-dir', project.dir, '--target-path', target, '--log-path', join(dir, 'logs')], {
    env: { ...process.env, ...project.env },
    timeout: PARSE_TIMEOUT_MS,
    maxBuffer: 256 * 1024 * 1024,
  });
  progress(`parsed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  renameSync(join(target, 'manifest.json'), manifest);
  rmSync(target, { recursive: true, force: true });
  return manifest;
}

function time(fn: () => unknown): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/** CPU time (user + system, ms) of this process spent in `fn`: less disturbed than wall time on a busy machine. */
function cpuTime(fn: () => unknown): number {
  const start = process.cpuUsage();
  fn();
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

interface Timings {
  wall: number[];
  cpu: number[];
}

/** Runs each function once to warm up, then all of them in turn `runs` times (wall and CPU time, separate runs). */
function interleave(runs: number, fns: (() => unknown)[]): Timings[] {
  for (const fn of fns) fn();
  const out = fns.map((): Timings => ({ wall: [], cpu: [] }));
  for (let r = 0; r < runs; r++) {
    fns.forEach((fn, i) => out[i].wall.push(time(fn)));
    fns.forEach((fn, i) => out[i].cpu.push(cpuTime(fn)));
  }
  return out;
}

function rssOfPid(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** RSS (MB) of a bare Node process that holds JSON.parse of the manifest: the floor for memory. */
async function rssHoldingJson(manifestPath: string): Promise<number> {
  const script = `const m = JSON.parse(require('fs').readFileSync(${JSON.stringify(manifestPath)}, 'utf8')); if (global.gc) global.gc(); process.stdout.write(String(process.memoryUsage().rss / 1048576)); void m;`;
  const { stdout } = await run(process.execPath, ['--expose-gc', '-e', script], { timeout: LSP_WAIT_MS });
  return Number(stdout);
}

function offsetOf(text: string, position: { line: number; character: number }): number {
  let offset = 0;
  for (let line = 0; line < position.line; line++) offset = text.indexOf('\n', offset) + 1;
  return offset + position.character;
}

interface Probe {
  uri: string;
  position: { line: number; character: number };
}

/** Model files under dir, in a stable order. */
function sqlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((x, y) => x.name.localeCompare(y.name))
    .flatMap((e) => (e.isDirectory() ? sqlFiles(join(dir, e.name)) : e.name.endsWith('.sql') ? [join(dir, e.name)] : []));
}

/** Cursor positions on every one-argument ref() of a sample of the project's model files. */
function probes(projectDir: string, limit: number): { files: { uri: string; text: string }[]; points: Probe[] } {
  const files: { uri: string; text: string }[] = [];
  const points: Probe[] = [];
  const all = sqlFiles(join(projectDir, 'models')).filter((f) => /ref\('[^']+'\)/.test(readFileSync(f, 'utf8')));
  const step = Math.max(1, Math.floor(all.length / limit));
  for (let i = 0; i < all.length && files.length < limit; i += step) {
    const text = readFileSync(all[i], 'utf8');
    const uri = pathToFileURL(all[i]).href;
    files.push({ uri, text });
    const lines = text.split('\n');
    lines.forEach((line, n) => {
      for (const m of line.matchAll(/ref\('([^']+)'\)/g)) points.push({ uri, position: { line: n, character: (m.index ?? 0) + 6 } });
    });
  }
  return { files, points };
}

async function latencies(server: Server, method: string, points: Probe[]): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < WARMUP_SAMPLES + LATENCY_SAMPLES; i++) {
    const p = points[i % points.length];
    const t = performance.now();
    const answer = await server.connection.sendRequest(method, { textDocument: { uri: p.uri }, position: p.position });
    const ms = performance.now() - t;
    if (answer === null) throw new Error(`${method} at ${p.uri}:${p.position.line} answered nothing`);
    if (i >= WARMUP_SAMPLES) out.push(ms);
  }
  return out;
}

async function benchSize(size: number, runs: number, shape: Shape, decidesIssueTarget: boolean): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const project = await prepareProject(size, progress, shape);
  try {
    const manifestPath = await manifestOf(project);
    const text = readFileSync(manifestPath, 'utf8');
    const mb = (text.length / 1048576).toFixed(1);
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const macros = Object.keys((parsed.macros as Record<string, unknown> | undefined) ?? {}).length;
    progress(`${size} models (${shape}): manifest.json ${mb} MB, ${macros} macros`);
    const slimPath = join(cacheDir(), 'lsp', generatorKey(shape), `m${size}`, 'slim.json');
    writeFileSync(slimPath, JSON.stringify(slimManifest(parsed)));
    const slimText = readFileSync(slimPath, 'utf8');
    // Interleaved run by run, so a busy machine slows baseline and ours alike.
    const [parseOnly, indexOnly, parseAndIndex, slimLoad] = interleave(runs, [
      () => JSON.parse(text),
      () => new ManifestIndex(parsed),
      () => new ManifestIndex(JSON.parse(text)),
      () => new ManifestIndex(JSON.parse(slimText)),
    ]);
    const floor = 'JSON.parse of the same manifest.json';
    const target = size === 5000 ? { text: '< 300 ms', met: (x: { median: number }) => x.median < 300 } : undefined;
    rows.push(
      makeRow({ name: 'lsp: load manifest.json (JSON.parse + index)', projectSize: size, unit: 'ms', ours: parseAndIndex.wall, baseline: parseOnly.wall, baselineLabel: floor, note: `manifest.json ${mb} MB` }),
      makeRow({ name: 'lsp: index build (after JSON.parse)', projectSize: size, unit: 'ms', ours: indexOnly.wall, baseline: parseOnly.wall, baselineLabel: floor, target }),
      makeRow({ name: 'lsp: index build, CPU time', projectSize: size, unit: 'ms CPU', ours: indexOnly.cpu, baseline: parseOnly.cpu, baselineLabel: `${floor}, CPU time`, target }),
      makeRow({
        name: 'lsp: load slim manifest (JSON.parse + index)',
        projectSize: size,
        unit: 'ms',
        ours: slimLoad.wall,
        baseline: parseOnly.wall,
        baselineLabel: `${floor} (full)`,
        note: `slim ${(slimText.length / 1048576).toFixed(1)} MB`,
      }),
    );

    // What the server computes per request, without the IPC round trip.
    const index = new ManifestIndex(JSON.parse(slimText));
    const { files, points } = probes(project.dir, 50);
    const texts = new Map(files.map((f) => [f.uri, f.text]));
    const contexts = new Map(files.map((f) => [f.uri, { packageName: index.projectName, relPath: relative(project.dir, fileURLToPath(f.uri)), isYaml: false }]));
    const computeHover = (p: Probe) => {
      const text = texts.get(p.uri) ?? '';
      const t = targetAt(index, text, offsetOf(text, p.position), contexts.get(p.uri)!);
      if (!t) throw new Error(`no target at ${p.uri}:${p.position.line}`);
      return hoverMarkdown(index, t);
    };
    const computeDefinition = (p: Probe) => {
      const text = texts.get(p.uri) ?? '';
      const t = targetAt(index, text, offsetOf(text, p.position), contexts.get(p.uri)!);
      const def = t ? definitionTarget(t) : null;
      if (!def) throw new Error(`no definition at ${p.uri}:${p.position.line}`);
      return locateAnchor(readFileSync(join(project.dir, def.path), 'utf8'), def.anchor);
    };
    for (const [name, fn] of [
      ['hover', computeHover],
      ['definition', computeDefinition],
    ] as const) {
      const samples: number[] = [];
      for (let i = 0; i < WARMUP_SAMPLES + LATENCY_SAMPLES; i++) {
        const ms = time(() => fn(points[i % points.length]));
        if (i >= WARMUP_SAMPLES) samples.push(ms);
      }
      rows.push(makeRow({ name: `lsp: ${name} compute in process`, projectSize: size, unit: 'ms', ours: samples, target: { text: 'p95 < 5 ms', met: (x) => x.p95 < 5 } }));
    }

    // Memory: the real server process holding the index, against a Node process holding the parsed JSON.
    const floorRss: number[] = [];
    const serverRss: number[] = [];
    const serverFullRss: number[] = [];
    for (let i = 0; i < Math.min(runs, 3); i++) {
      floorRss.push(await rssHoldingJson(manifestPath));
      for (const [path, into] of [
        [slimPath, serverRss],
        [manifestPath, serverFullRss],
      ] as const) {
        const server = await startServer(project.dir, path);
        const rss = rssOfPid(server.pid);
        await server.stop();
        if (rss !== null) into.push(rss);
      }
    }
    if (serverRss.length > 0) {
      const label = 'a Node process holding JSON.parse of manifest.json';
      rows.push(makeRow({ name: 'lsp: server RSS, slim manifest loaded', projectSize: size, unit: 'MB', ours: serverRss, baseline: floorRss, baselineLabel: label }));
      rows.push(makeRow({ name: 'lsp: server RSS, manifest.json loaded', projectSize: size, unit: 'MB', ours: serverFullRss, baseline: floorRss, baselineLabel: label }));
    }

    // Latency over LSP, the answer an editor waits for.
    const server = await startServer(project.dir, slimPath);
    try {
      for (const f of files) await server.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: f.uri, languageId: 'sql', version: 1, text: f.text } });
      // Let the checks the opens triggered finish, so they are not counted in the first answers.
      await new Promise((r) => setTimeout(r, 2000));
      for (const method of ['textDocument/hover', 'textDocument/definition']) {
        const samples = await latencies(server, method, points);
        const name = method.split('/')[1];
        rows.push(
          makeRow({
            name: `lsp: ${name} round trip over LSP${shape === 'real' ? ' [real shape]' : ''}`,
            projectSize: size,
            unit: 'ms',
            ours: samples,
            target: { text: 'p95 < 5 ms', met: (s) => s.p95 < 5 },
            issueTarget: decidesIssueTarget ? 'lsp-p95' : undefined,
            note: `${samples.length} requests on ${points.length} refs in ${files.length} files; manifest.json ${mb} MB with ${macros} macros`,
          }),
        );
      }
    } finally {
      await server.stop();
    }
  } finally {
    project.cleanup();
  }
  // Real-shape rows say so in their name (sizes may coincide with the synthetic ones).
  return shape === 'real' ? rows.map((r) => (r.name.endsWith(']') ? r : { ...r, name: `${r.name} [real shape]` })) : rows;
}

async function main(): Promise<void> {
  const sizes = sizesArg('sizes', [1000, 5000, 10000]);
  const realSizes = argValue('real-sizes') === '' ? [] : sizesArg('real-sizes', []);
  const runs = intArg('runs', 5);
  const rows: BenchRow[] = [];
  for (const size of sizes) {
    rows.push(...(await benchSize(size, runs, 'synthetic', false)));
    progress(`${size} models done`);
  }
  for (const size of realSizes) {
    rows.push(...(await benchSize(size, runs, 'real', size === Math.max(...realSizes))));
    progress(`${size} models (real shape) done`);
  }
  writeRows(argValue('out'), rows);
}

main().catch((err: unknown) => {
  process.stderr.write(`lsp bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
