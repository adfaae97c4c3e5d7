// Language-server benchmark on real dbt manifests of synthetic projects
// (bench/generate-project.ts, parsed once by real `dbt parse` and cached):
//   - manifest load: read + JSON.parse + index, against read + JSON.parse alone (the floor)
//   - index build alone (target: < 300 ms at 5,000 models)
//   - the slim manifest the worker writes: read + parse + index
//   - server memory (RSS) holding the manifest, against a Node process holding JSON.parse of it
//   - hover and definition round trips over LSP to dist/server.js (target: p95 < 5 ms)
//   - the same on a project shaped like large public ones (bench/generate-lsp-project.ts:
//     1,196 models, ~1,900 macros with a vendored package, docs blocks, a ~17 MB
//     manifest), probing refs, macro calls, sources and schema YAML columns
//
//   node scripts/build.mjs && node scripts/build.mjs bench/lsp.bench.ts
//   node out/bench/lsp.bench.js --sizes 1000,5000,10000 [--real-sizes 3000] [--shape-models 1196] --runs 5 [--out rows.json]
// --real-sizes adds manifests of the real shape (bench/generate-real-project.ts:
// packages, docs, exposures, about 3 tests per model); the largest decides
// issue 13's hover/definition target. --shape-models sizes the 1,900-macro
// project of bench/generate-lsp-project.ts (0: none).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ManifestIndex, slimManifest } from '../src/dbt/manifest';
import { definitionTarget, locateAnchor } from '../src/server/definition';
import { hoverMarkdown } from '../src/server/hover';
import { targetAt } from '../src/server/targets';
import { progress } from './lib/log';
import { createHash } from 'node:crypto';
import { generateLspProject } from './generate-lsp-project';
import { startServer, type Server } from './lib/lspServer';
import { manifestOf, parseInto } from './lib/manifests';
import { argValue, cacheDir, intArg, repoRoot, sizesArg } from './lib/paths';
import { generatorKey, prepareProject, type Shape } from './lib/projects';
import { makeRow, writeRows, type BenchRow } from './lib/rows';

const run = promisify(execFile);
const LSP_WAIT_MS = 120_000;
const LATENCY_SAMPLES = 400;
const WARMUP_SAMPLES = 40;

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

/** The real-shape project and its manifest.json, generated and parsed once (cached by the generator's source and size). */
async function shapeProject(models: number): Promise<{ dir: string; manifest: string }> {
  const source = readFileSync(join(repoRoot(), 'bench', 'generate-lsp-project.ts'));
  const key = createHash('sha256').update(source).digest('hex').slice(0, 12);
  const base = join(cacheDir(), 'lsp-shape', key, `m${models}`);
  const dir = join(base, 'project');
  const manifest = join(base, 'manifest.json');
  if (existsSync(manifest)) return { dir, manifest };
  progress(`generating the real-shape project (${models} models) (once; cached in ${base})`);
  generateLspProject(dir, { models });
  await parseInto(dir, manifest, { DBT_DUCKDB_PATH: join(base, 'parse.duckdb'), DO_NOT_TRACK: '1', DBT_SEND_ANONYMOUS_USAGE_STATS: 'false' });
  return { dir, manifest };
}

/** Cursor positions on refs, macro calls and sources of model files, and on column names of schema YAML. */
function shapeProbes(dir: string, limit: number): { files: { uri: string; text: string; languageId: string }[]; points: Probe[] } {
  const files: { uri: string; text: string; languageId: string }[] = [];
  const points: Probe[] = [];
  const modelsDir = join(dir, 'models');
  const all = readdirSync(modelsDir)
    .filter((d) => d.startsWith('area_'))
    .flatMap((d) => readdirSync(join(modelsDir, d)).map((f) => join(modelsDir, d, f)))
    .sort();
  const sql = all.filter((f) => f.endsWith('.sql'));
  const yml = all.filter((f) => f.endsWith('.yml'));
  const step = Math.max(1, Math.floor(sql.length / limit));
  const add = (path: string, languageId: string, pattern: RegExp, delta: number) => {
    const text = readFileSync(path, 'utf8');
    const uri = pathToFileURL(path).href;
    files.push({ uri, text, languageId });
    text.split('\n').forEach((line, n) => {
      for (const m of line.matchAll(pattern)) points.push({ uri, position: { line: n, character: (m.index ?? 0) + delta } });
    });
  };
  for (let i = 0; i < sql.length && files.length < limit; i += step) add(sql[i]!, 'jinja-sql', /ref\('|source\('|shared_utils\.util_|helper_/g, 4);
  for (const path of yml.slice(0, 3)) add(path, 'yaml', /- name: (?:id|status|amount)$/g, 9);
  return { files, points };
}

/** Hover and definition over LSP on the real-shape project (target p95 < 5 ms). */
async function benchShape(models: number): Promise<BenchRow[]> {
  const { dir, manifest } = await shapeProject(models);
  const text = readFileSync(manifest, 'utf8');
  const raw = JSON.parse(text) as { macros?: Record<string, unknown> };
  const mb = (text.length / 1048576).toFixed(1);
  const macros = Object.keys(raw.macros ?? {}).length;
  const slimPath = join(dirname(manifest), 'slim.json');
  writeFileSync(slimPath, JSON.stringify(slimManifest(raw as Record<string, unknown>)));
  const { files, points } = shapeProbes(dir, 50);
  const rows: BenchRow[] = [];
  for (const [label, path] of [
    ['slim manifest', slimPath],
    ['manifest.json', manifest],
  ] as const) {
    const server = await startServer(dir, path);
    try {
      for (const f of files) await server.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: f.uri, languageId: f.languageId, version: 1, text: f.text } });
      await server.connection.sendRequest('textDocument/hover', { textDocument: { uri: points[0]!.uri }, position: points[0]!.position }); // the opens' checks are done before this answers
      for (const method of ['textDocument/hover', 'textDocument/definition']) {
        const samples = await latencies(server, method, points);
        rows.push(
          makeRow({
            name: `lsp, 1,900 macros (${label}): ${method.split('/')[1]} round trip over LSP`,
            projectSize: models,
            unit: 'ms',
            ours: samples,
            target: { text: 'p95 < 5 ms', met: (x) => x.p95 < 5 },
            note: `manifest.json ${mb} MB, ${macros} macros; ${samples.length} requests on ${points.length} refs, macro calls, sources and YAML columns in ${files.length} files`,
          }),
        );
      }
    } finally {
      await server.stop();
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const sizes = argValue('sizes') === 'none' ? [] : sizesArg('sizes', [1000, 5000, 10000]);
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
  const shape = argValue('shape-models') === '0' ? 0 : intArg('shape-models', 1196);
  if (shape > 0) {
    rows.push(...(await benchShape(shape)));
    progress(`1,900-macro shape (${shape} models) done`);
  }
  writeRows(argValue('out'), rows);
}

main().catch((err: unknown) => {
  process.stderr.write(`lsp bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
