// Results you can work with (issue 16), two figures:
//
// 1. Grid render time for 10,000 rows: the results page bundle
//    (dist/webview/results.js + .css) in headless Chromium, a 10,000-row
//    table posted to it as the extension does, timed to the first painted
//    rows, and then through a scroll to the end in 20 steps (each step to
//    its next paint). Baseline, side by side: the static HTML table the
//    grid replaced (every row in the DOM), timed to its first paint.
// 2. Testing view population at 3,000 models: what TestExplorer.sync
//    computes from a loaded manifest (tests grouped by subject, each test's
//    definition line read from its YAML), on a generated 3,000-model
//    project's manifest: the first sync, and the sync after an edit to one
//    schema file (the other files' parses are kept). Baseline: indexing that manifest (ManifestIndex),
//    which every manifest load already pays. The VS Code TestItem calls
//    themselves are not in this figure (they need a workbench).
//
//   node out/bench/results.main.js [--runs 5] [--size 3000] --out rows.json
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { SchemaFileCache, testDefinition, type ProblemSources } from '../src/dbt/diagnosticsModel';
import { gridColumns } from '../src/dbt/grid';
import { escapeHtml } from '../src/dbt/html';
import { ManifestIndex } from '../src/dbt/manifest';
import { nodeProjectPath } from '../src/dbt/packageRoots';
import { testSubjects } from '../src/dbt/testItems';
import { benchDbt, cacheDir, repoRoot } from './lib/paths';
import { generatorKey, prepareProject, type BenchProject } from './lib/projects';
import { makeRow, writeRows, type BenchRow } from './lib/rows';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const RUNS = Number(opt('runs', '5'));
const SIZE = Number(opt('size', '3000'));
const OUT = opt('out', '');
const ROWS = 10_000;

/** 10,000 rows shaped like a marts table: ids, names, amounts, dates, NULLs. */
function table(): { columns: string[]; types: string[]; rows: unknown[][] } {
  const rows: unknown[][] = [];
  for (let i = 0; i < ROWS; i++) {
    rows.push([i + 1, `customer ${i % 997}`, i % 13 === 0 ? null : Math.round(((i * 7919) % 100_000) / 7) / 100, `2024-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`, ['placed', 'shipped', 'completed', 'returned'][i % 4], i % 5 === 0 ? '' : `note ${i}`]);
  }
  return { columns: ['order_id', 'customer_name', 'amount', 'ordered_at', 'status', 'note'], types: ['Integer', 'Text', 'Number', 'Date', 'Text', 'Text'], rows };
}

function staticTableHtml(t: ReturnType<typeof table>): string {
  const head = t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((v) => (v === null ? '<td class="null">null</td>' : `<td>${escapeHtml(String(v))}</td>`)).join('')}</tr>`).join('\n');
  return `<!DOCTYPE html><html><head><style>table{border-collapse:collapse}td,th{border:1px solid #8884;padding:2px 8px;white-space:pre}</style></head><body><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></body></html>`;
}

/** Runs in the page (as text: this file is type-checked without DOM types). */
const PAGE_TIMING = `async (c) => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  const t0 = performance.now();
  window.postMessage({ type: 'show', content: c }, '*');
  do await frame(); while (!(Number(document.body.dataset.drawnRows || 0) > 0));
  await frame();
  const painted = performance.now() - t0;
  const grid = document.querySelector('.grid');
  const t1 = performance.now();
  for (let i = 1; i <= 20; i++) {
    grid.scrollTop = (grid.scrollHeight * i) / 20;
    await frame();
    await frame();
  }
  const last = document.querySelector('.rows .row:last-child .cell')?.textContent;
  return { painted, scroll: performance.now() - t1, last };
}`;

async function gridRows(): Promise<BenchRow[]> {
  const t = table();
  const content = { seq: 1, title: 'Preview: orders', subtitle: 'bench', columns: gridColumns(t.columns, t.rows, t.types), rows: t.rows, limit: ROWS, canRerun: true };
  const dir = mkdtempSync(join(tmpdir(), 'dbtc-bench-grid-'));
  const dist = join(repoRoot(), 'dist', 'webview');
  writeFileSync(join(dir, 'grid.html'), `<!DOCTYPE html><html><head><style>${readFileSync(join(dist, 'results.css'), 'utf8')}</style></head><body><script>${readFileSync(join(dist, 'results.js'), 'utf8')}</script></body></html>`);
  writeFileSync(join(dir, 'static.html'), staticTableHtml(t));
  const browser = await chromium.launch({ executablePath: process.env.E2E_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  const first: number[] = [];
  const scroll: number[] = [];
  const baseline: number[] = [];
  try {
    for (let run = 0; run <= RUNS; run++) {
      const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      await page.addInitScript('window.acquireVsCodeApi = () => ({ postMessage() {}, getState() {}, setState() {} });');
      await page.goto(`file://${join(dir, 'grid.html')}`);
      // Posted as the extension posts it; timed in the page to the paint after the rows are drawn.
      const ms = (await page.evaluate(`(${PAGE_TIMING})(${JSON.stringify(content)})`)) as { painted: number; scroll: number; last?: string };
      if (ms.last !== String(ROWS)) throw new Error(`the grid did not scroll to row ${ROWS} (last row drawn: ${ms.last})`);
      await page.close();
      const base = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      const t0 = Date.now();
      await base.goto(`file://${join(dir, 'static.html')}`);
      await base.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())))');
      const b = Date.now() - t0;
      await base.close();
      if (run === 0) continue; // warm-up
      first.push(ms.painted);
      scroll.push(ms.scroll);
      baseline.push(b);
    }
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return [
    makeRow({ name: 'results grid: 10,000 rows to first paint', projectSize: null, unit: 'ms', ours: first, baseline, baselineLabel: 'static HTML table of the same rows (the Preview it replaced), load to first paint' }),
    makeRow({ name: 'results grid: scroll through 10,000 rows (20 steps, each to its paint)', projectSize: null, unit: 'ms', ours: scroll, note: 'no baseline: the static table has nothing to draw on scroll; per step = value / 20' }),
  ];
}

/** A real manifest.json of the project from one `dbt parse` (argument array, no shell), cached by generator version and size. */
function manifestOf(project: BenchProject): string {
  const dir = join(cacheDir(), 'results', generatorKey(), `m${project.size}`);
  const manifest = join(dir, 'manifest.json');
  if (existsSync(manifest)) return manifest;
  mkdirSync(dir, { recursive: true });
  const target = join(dir, 'target');
  console.log(`dbt parse of the ${project.size}-model project (once; cached in ${dir})`);
  execFileSync(benchDbt(), ['parse', '--project-dir', project.dir, '--profiles-dir', project.dir, '--target-path', target, '--log-path', join(dir, 'logs')], { env: { ...process.env, ...project.env }, stdio: 'ignore' });
  renameSync(join(target, 'manifest.json'), manifest);
  rmSync(target, { recursive: true, force: true });
  return manifest;
}

async function testingRows(): Promise<BenchRow[]> {
  const project = await prepareProject(SIZE, (m) => console.log(m));
  const raw = JSON.parse(readFileSync(manifestOf(project), 'utf8')) as unknown;
  const readFile = (rel: string) => {
    try {
      return readFileSync(join(project.dir, rel), 'utf8');
    } catch {
      return undefined;
    }
  };
  const cold: number[] = [];
  const edited: number[] = [];
  const baseline: number[] = [];
  let items = 0;
  let files = 0;
  for (let run = 0; run <= RUNS; run++) {
    const b0 = performance.now();
    const index = new ManifestIndex(raw);
    const b = performance.now() - b0;
    const nodePath = (pkg: string, rel: string) => nodeProjectPath({ root: project.dir, name: index.projectName ?? undefined, packagesInstallPath: 'dbt_packages' }, pkg, rel);
    const cache = new SchemaFileCache();
    const t0 = performance.now();
    items = populate(index, cache.sources({ index, readFile, nodePath }));
    const first = performance.now() - t0;
    // The next manifest change after an edit: one schema file's text changed, the others are parsed already.
    const changed = [...index.byId.values()].find((e) => e.resourceType === 'test' && /\.ya?ml$/.test(e.originalFilePath))!.originalFilePath;
    const touched = new Set<string>();
    const t1 = performance.now();
    populate(index, cache.sources({ index, readFile: (rel) => (touched.add(rel), rel === changed ? `# edited ${run}\n${readFile(rel)}` : readFile(rel)), nodePath }));
    const next = performance.now() - t1;
    files = touched.size;
    if (run === 0) continue;
    cold.push(first);
    edited.push(next);
    baseline.push(b);
  }
  const note = `the model TestExplorer.sync builds items from; ${items} tests in ${files} files; VS Code TestItem creation not included`;
  return [
    makeRow({ name: `Testing view population: tests grouped with their definition lines, first sync`, projectSize: SIZE, unit: 'ms', ours: cold, baseline, baselineLabel: 'indexing the same manifest (ManifestIndex), paid on every manifest load', note }),
    makeRow({ name: `Testing view population: sync after an edit to one schema file`, projectSize: SIZE, unit: 'ms', ours: edited, baseline, baselineLabel: 'indexing the same manifest (ManifestIndex), paid on every manifest load', note: `${note}; the other files' parses are kept` }),
  ];
}

/** What TestExplorer.sync computes per project: subjects, and each test's definition line. */
function populate(index: ManifestIndex, sources: ProblemSources): number {
  let items = 0;
  for (const s of testSubjects(index)) for (const t of s.tests) if (testDefinition(t.uniqueId, t.resourceType, t.name, sources)) items++;
  return items;
}

async function main(): Promise<void> {
  const rows = [...(await gridRows()), ...(await testingRows())];
  for (const r of rows) console.log(`${r.name}: ${r.value.toFixed(1)} ${r.unit}${r.baseline !== null ? ` (baseline ${r.baseline.toFixed(1)} ${r.unit}, ratio ${r.ratio?.toFixed(2)})` : ''}`);
  if (OUT) writeRows(OUT, rows);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
