// What the user waits for, in the real workbench (issue 13): the packaged
// extension in code-server driven through Chromium (the harness of
// test/e2e/), on real-shape projects (bench/generate-real-project.ts) whose
// database holds every model. Each figure sits beside the runner-level
// figure for the same work (ProjectRunner, or the language server over
// stdio) and the cold CLI (a new `dbt` process, as in a terminal):
//   - code-lens Run of one model: click -> the node's success icon
//   - palette "Build Whole Project" -> the first node row
//   - save of a model with a Jinja error -> the parse error in Problems
//   - file open -> code lens, with no saved manifest and with one
//   - hover and go-to-definition on a ref()
// Times are taken in the page (performance.now() around a DOM observer), so
// polling does not round them.
//
//   node out/bench/editor.main.js --sizes 100,1000,3000 --runs 5 --out rows.json
//   (--steps openToLens,hoverAndDefinition runs only those measurements)
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import type { InvocationResult, RawDbtEvent } from '../src/dbt/protocol';
import { withFastTestEdges } from '../src/dbt/fastTestEdges';
import { ManifestIndex } from '../src/dbt/manifest';
import { checkPython } from '../src/runner/pythonEnv';
import type { ProjectRunner } from '../src/runner/api';
import { launchBrowser, type Browser } from '../test/e2e/lib/browser';
import { artifactsDir } from '../test/e2e/lib/paths';
import { startCodeServer, type CodeServer } from '../test/e2e/lib/codeServer';
import { packageExtension } from '../test/e2e/lib/vsix';
import { normalise, poll, Workbench } from '../test/e2e/lib/workbench';
import { buildEveryModel } from './lib/database';
import { cold } from './lib/coldCli';
import { progress } from './lib/log';
import { startServer } from './lib/lspServer';
import { argValue, benchPython, intArg, sizesArg } from './lib/paths';
import { benchRunner } from './lib/runner';
import { pickModel, type PickedModel } from './lib/pickModel';
import { prepareProject, type BenchProject } from './lib/projects';
import { makeRow, writeRows, type BenchRow, type RowInput } from './lib/rows';

/** Bound on any one thing waited for in the workbench (a 3,000-model parse on a busy 2-core machine). */
const UI_TIMEOUT_MS = 15 * 60_000;
const CMD_TIMEOUT_MS = 15 * 60_000;
const LENS = '.contentWidgets .codelens-decoration a';

async function main(): Promise<void> {
  const sizes = sizesArg('sizes', [100, 1000, 3000]);
  const runs = intArg('runs', 5);
  const out = argValue('out');
  chosenSteps(); // a wrong --steps fails before the long set-up
  progress('packaging the extension (the VSIX a user installs)');
  const vsix = await packageExtension();
  const browser = await launchBrowser();
  const rows: BenchRow[] = [];
  try {
    for (const size of sizes) {
      const project = await prepareProject(size, progress, 'real');
      try {
        rows.push(...(await benchSize(project, runs, vsix.file, browser)));
      } finally {
        project.cleanup();
      }
      writeRows(out, rows);
    }
  } finally {
    await browser.close();
    vsix.remove();
  }
  writeRows(out, rows);
  if (failures.length > 0) throw new Error(`${failures.length} measurement(s) failed:\n${failures.join('\n')}`);
}

/** Measurements that failed (the part fails at the end, after writing the rows it has). */
const failures: string[] = [];

interface Sides {
  editor: number[];
  runner: number[];
  cold: number[];
}

const sides = (): Sides => ({ editor: [], runner: [], cold: [] });

async function benchSize(project: BenchProject, runs: number, vsix: string, browser: Browser): Promise<BenchRow[]> {
  const what = `${project.size} models (real shape)`;
  const scratch = mkdtempSync(join(tmpdir(), 'dbt-conductor-bench-editor-'));
  const runner = benchRunner(project, join(scratch, 'manifest.json'));
  let server: CodeServer | undefined;
  try {
    progress(`${what}: parsing and building every model`);
    const parsed = await runner.parse({ signal: AbortSignal.timeout(CMD_TIMEOUT_MS) });
    if (parsed.exitCode !== 0) throw new Error(`parse failed: ${parsed.exception?.message ?? ''}`);
    const slim = parsed.manifestPath ?? join(scratch, 'manifest.json');
    const model = pickModel(slim);
    await buildEveryModel(project, runner);
    progress(`${what}: the one model is ${model.name}`);

    server = await startCodeServer({
      folder: project.dir,
      vsix,
      env: project.env,
      settings: {
        'dbtConductor.pythonPath': benchPython(),
        // The warm path is measured: the default idle stop (5 min) would turn a sample taken after a slow
        // cold CLI sample into a worker start and parse.
        'dbtConductor.idleTimeoutSeconds': 86_400,
        'editor.hover.delay': 100,
        'editor.quickSuggestions': { other: false, comments: false, strings: false },
        'files.autoSave': 'off',
      },
      startTimeoutMs: 120_000,
    });
    const page = await browser.context.newPage();
    const wb = new Workbench(page);
    const rows: BenchRow[] = [];
    try {
      const ctx: Ctx = { project, runner, model, server, page, wb, runs, what, slim };
      // Every measurement starts from a loaded window (openToLens loads its own), so --steps can pick any of them.
      await wb.open(server.workbenchUrl());
      // A failing measurement is reported (screenshot, logs) and the next one still runs.
      for (const step of chosenSteps()) {
        try {
          rows.push(...(await step(ctx)));
        } catch (e) {
          failures.push(`${what}, ${step.name}: ${e instanceof Error ? e.message : String(e)}`);
          progress(`FAILED ${failures[failures.length - 1]}`);
          await wb.screenshot(`bench-editor-m${project.size}-${step.name}-FAILED`).catch(() => undefined);
          server.saveLogs(join(artifactsDir(), `bench-editor-m${project.size}-${step.name}-logs`));
          // The next measurement starts from a loaded workbench.
          await wb.open(server.workbenchUrl()).catch(() => undefined);
        }
      }
    } finally {
      await page.close().catch(() => undefined);
    }
    return rows;
  } finally {
    await server?.stop();
    await runner.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
}

const STEPS = [openToLens, codeLensRun, paletteBuild, saveToDiagnostics, hoverAndDefinition];

/** The measurements named by --steps (all by default). */
function chosenSteps(): typeof STEPS {
  const names = argValue('steps')?.split(',').map((s) => s.trim());
  if (!names) return STEPS;
  const unknown = names.filter((n) => !STEPS.some((s) => s.name === n));
  if (unknown.length > 0) throw new Error(`--steps: unknown ${unknown.join(', ')}; known: ${STEPS.map((s) => s.name).join(', ')}`);
  return STEPS.filter((s) => names.includes(s.name));
}

interface Ctx {
  project: BenchProject;
  runner: ProjectRunner;
  model: PickedModel;
  server: CodeServer;
  page: Page;
  wb: Workbench;
  runs: number;
  what: string;
  /** The runner's slim manifest (for the language server baseline). */
  slim: string;
}

function row(ctx: Ctx, name: string, s: Sides, extra: Partial<RowInput> = {}): BenchRow[] {
  const out = [
    makeRow({ name: `editor: ${name}`, projectSize: ctx.project.size, unit: 'ms', ours: s.editor, baseline: s.cold.length ? s.cold : undefined, baselineLabel: 'cold CLI: a new `dbt` process for the same work', ...extra }),
  ];
  if (s.runner.length > 0) {
    out.push(makeRow({ name: `editor: ${name}, vs runner level`, projectSize: ctx.project.size, unit: 'ms', ours: s.editor, baseline: s.runner, baselineLabel: 'runner level: the same work through ProjectRunner (or the language server over stdio)' }));
  }
  return out;
}

/** The workbench is loaded anew (a new window: a new extension host); optionally without the saved manifest. */
async function newWindow(ctx: Ctx, withManifest: boolean): Promise<void> {
  await ctx.page.goto('about:blank');
  // The old extension host ends with its window, and its worker with it.
  await waitFor('the previous window\'s dbt worker to stop', () => !ctx.server.processes().some((p) => /dbt_worker/.test(p.cmdline)), 60_000);
  if (!withManifest) removeSavedManifests(ctx.server.userDataDir);
  await ctx.wb.open(ctx.server.workbenchUrl());
  await ctx.wb.waitForActivityIcon('dbt', 120_000);
}

function removeSavedManifests(userDataDir: string): void {
  const storage = join(userDataDir, 'User', 'workspaceStorage');
  const dirs = (d: string) => {
    try {
      return readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(d, e.name));
    } catch {
      return [];
    }
  };
  // <workspace hash>/<extension id>/manifests/ (ManifestStore.manifestPath)
  for (const ws of dirs(storage)) for (const ext of dirs(ws)) rmSync(join(ext, 'manifests'), { recursive: true, force: true });
}

async function waitFor(what: string, probe: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

type PageGlobals = {
  document: { body: unknown; querySelectorAll(s: string): ArrayLike<{ textContent: string | null; getAttribute(n: string): string | null }> };
  MutationObserver: new (cb: () => void) => { observe(el: unknown, o: object): void; disconnect(): void };
  __benchHit?: number | null;
};

/**
 * Runs `act` and resolves with the ms from just before it until an element
 * matching `selector` (and `text` on its aria-label or text, when given) is in
 * the page. A MutationObserver in the page notes the moment, so the bound
 * of the wait does not round the figure.
 */
async function timeUntil(page: Page, act: () => Promise<void>, selector: string, text?: RegExp, timeoutMs = UI_TIMEOUT_MS): Promise<number> {
  const already = await page.evaluate(
    ([sel, src, flags]) => {
      const g = globalThis as unknown as PageGlobals;
      const re = src === null ? null : new RegExp(src, flags);
      const seen = () => Array.from(g.document.querySelectorAll(sel)).some((el) => re === null || re.test(`${el.getAttribute('aria-label') ?? ''} ${el.textContent ?? ''}`));
      if (seen()) return true;
      g.__benchHit = null;
      const observer = new g.MutationObserver(() => {
        if (g.__benchHit === null && seen()) {
          g.__benchHit = performance.now();
          observer.disconnect();
        }
      });
      observer.observe(g.document.body, { subtree: true, childList: true, attributes: true, characterData: true });
      return false;
    },
    [selector, text?.source ?? null, text?.flags ?? ''] as const,
  );
  if (already) throw new Error(`${selector} ${text ?? ''} is already shown before the action: nothing to time`);
  const start = await page.evaluate(() => performance.now());
  await act();
  await page.waitForFunction(() => typeof (globalThis as unknown as PageGlobals).__benchHit === 'number', undefined, { timeout: timeoutMs, polling: 100 });
  const hit = await page.evaluate(() => (globalThis as unknown as PageGlobals).__benchHit as number);
  return hit - start;
}

const INVOCATIONS = '.pane:has(.pane-header[aria-label^="Invocations"])';
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Opens a file through quick open; `act` is the Enter that opens it (what the timing starts from). */
async function quickOpen(page: Page, rel: string): Promise<() => Promise<void>> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 30_000 });
  await input.fill(rel);
  // Enter opens the first row: wait until it is this file. Before the list is filtered, the recently
  // opened files come first (a row for this file among them is not enough).
  const name = rel.split('/').pop()!;
  const first = page.locator('.quick-input-list .monaco-list-row').first();
  await poll(`${rel} first in quick open`, async () => normalise((await first.getAttribute('aria-label', { timeout: 1000 })) ?? '').startsWith(name), 30_000, 100);
  return () => page.keyboard.press('Enter');
}

/** Waits until no invocation runs (the status bar spinner is gone for a second): the window's background parse is done. */
async function waitIdle(page: Page): Promise<void> {
  const spin = page.locator('.statusbar-item .codicon-modifier-spin');
  let quietSince = Date.now();
  const deadline = Date.now() + UI_TIMEOUT_MS;
  while (Date.now() - quietSince < 1000) {
    if ((await spin.count()) > 0) quietSince = Date.now();
    if (Date.now() > deadline) throw new Error('the workbench kept running dbt work');
    await page.waitForTimeout(100);
  }
}

/** Waits until the workbench is idle with no `selector` row shown (a problem from an earlier edit's parse). */
async function waitUntilNoRow(page: Page, selector: string): Promise<void> {
  const deadline = Date.now() + UI_TIMEOUT_MS;
  for (;;) {
    await waitIdle(page);
    if ((await page.locator(selector).count()) === 0) return;
    if (Date.now() > deadline) throw new Error(`${selector} still shown after ${UI_TIMEOUT_MS / 1000} s`);
    await page.locator(selector).first().waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
  }
}

/** The model's file open in the active editor with its code lens shown (the start of several measurements). */
async function openModel(ctx: Ctx): Promise<void> {
  await ctx.wb.waitForActivityIcon('dbt', 120_000);
  await (await quickOpen(ctx.page, ctx.model.originalFilePath))();
  await ctx.page.locator(LENS, { hasText: 'Run' }).first().waitFor({ timeout: UI_TIMEOUT_MS });
  await waitIdle(ctx.page);
}

async function closeEditors(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+W');
}

/** (d) File open -> code lens: a new window without a saved manifest (worker start and parse), then with one. */
async function openToLens(ctx: Ctx): Promise<BenchRow[]> {
  const { page, project, model } = ctx;
  const none = sides();
  const saved = sides();
  const toIndex: number[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    const opened = Date.now();
    await newWindow(ctx, false);
    none.editor.push(await timeUntil(page, await quickOpen(page, model.originalFilePath), LENS, /Run/));
    const indexed = activationToIndex(ctx.server.userDataDir, opened);
    if (indexed !== undefined) toIndex.push(indexed);
    await waitIdle(page);
    const fresh = benchRunner(project, join(tmpdir(), `dbt-conductor-bench-open-${process.pid}.json`));
    try {
      const t = performance.now();
      const r = await fresh.parse({ signal: AbortSignal.timeout(CMD_TIMEOUT_MS) });
      if (r.exitCode !== 0) throw new Error(`parse failed: ${r.exception?.message ?? ''}`);
      none.runner.push(performance.now() - t);
    } finally {
      await fresh.dispose();
    }
    none.cold.push((await cold(project, ['parse'])).wallMs);

    await newWindow(ctx, true);
    saved.editor.push(await timeUntil(page, await quickOpen(page, model.originalFilePath), LENS, /Run/));
    const t = performance.now();
    void new ManifestIndex(JSON.parse(readFileSync(ctx.slim, 'utf8')));
    saved.runner.push(performance.now() - t);
    await waitIdle(page);
    progress(`${ctx.what}, open -> code lens #${i + 1}: no manifest ${ms(none.editor[i])} (runner ${ms(none.runner[i])}, cold parse ${ms(none.cold[i])}); saved manifest ${ms(saved.editor[i])}`);
  }
  const issue = project.size === 1000;
  return [
    ...row(ctx, 'file open -> code lens, no saved manifest', none, {
      target: issue ? { text: '< 1 s', met: (s) => s.median < 1000 } : undefined,
      issueTarget: issue ? 'open-no-manifest' : undefined,
      note: "no saved manifest: the lens comes from the index of the project's files (src/dbt/fileIndex.ts) while the worker starts and parses; runner level: a new worker's start and parse; cold: `dbt parse`",
    }),
    // Absent when the extension logged no index (one without src/editor/fileIndexes.ts: a baseline build).
    ...(toIndex.length > 0 ? [makeRow({ name: "editor: activation -> index of the files ready, no saved manifest (extension's log)", projectSize: project.size, unit: 'ms', ours: toIndex, note: "from the extension's own log line: the code lens can show from then on" })] : []),
    ...row(ctx, 'file open -> code lens, saved manifest', saved, { note: 'saved manifest: runner level is reading and indexing the slim manifest' }),
  ];
}

/** (b) The editor's path: code-lens Run of one model, click -> the invocation's success icon in Invocations. */
async function codeLensRun(ctx: Ctx): Promise<BenchRow[]> {
  const { page, wb, project, model, runner } = ctx;
  await openModel(ctx);
  await wb.showViewContainer('dbt');
  const s = sides();
  const share = { toRequest: [] as number[], toIcon: [] as number[] };
  const args = ['run', '-s', model.name];
  // The invocation's success icon (its one node succeeded): the newest invocation row, whose node rows VS Code may show collapsed.
  const success = `${INVOCATIONS} .monaco-list-row[aria-level="1"]:has(.custom-view-tree-node-item-icon.codicon-pass)`;
  for (let i = 0; i < ctx.runs; i++) {
    await clearHistory(page);
    const lens = page.locator(LENS, { hasText: 'Run' }).first();
    await lens.hover();
    const box = (await lens.boundingBox())!;
    const clickedAt = Date.now();
    s.editor.push(
      await timeUntil(page, async () => {
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        await page.mouse.down();
        await page.mouse.up();
      }, success, new RegExp(`^dbt run ${esc(model.name)}\\b`)),
    );
    const shownAt = clickedAt + s.editor[i]!;
    const log = extensionLogTimes(ctx.server.userDataDir, `dbt run ${model.name}`, clickedAt);
    if (log) {
      share.toRequest.push(log.header - clickedAt);
      share.toIcon.push(shownAt - log.summary);
    }
    await waitIdle(page);
    const t = performance.now();
    const r = await runner.invoke({ args }, { signal: AbortSignal.timeout(CMD_TIMEOUT_MS) });
    if (r.exitCode !== 0) throw new Error(`runner: dbt ${args.join(' ')} failed`);
    s.runner.push(performance.now() - t);
    s.cold.push((await cold(project, args)).wallMs);
    progress(`${ctx.what}, code-lens Run #${i + 1}: editor ${ms(s.editor[i])}, runner ${ms(s.runner[i])}, cold ${ms(s.cold[i])}`);
  }
  const issue = project.size === 1000;
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const out = [
    makeRow({
      name: 'editor: code-lens Run of one model, click -> success icon',
      projectSize: project.size,
      unit: 'ms',
      ours: s.editor,
      baseline: s.cold,
      baselineLabel: 'cold CLI: `dbt run -s one_model` in a terminal',
      target: issue ? { text: '>= 10x faster than cold CLI', met: (x) => med(s.cold) / x.median >= 10 } : undefined,
      issueTarget: issue ? 'codelens-vs-cli' : undefined,
    }),
    makeRow({
      name: 'editor: code-lens Run of one model, click -> success icon, vs runner level',
      projectSize: project.size,
      unit: 'ms',
      ours: s.editor,
      baseline: s.runner,
      baselineLabel: 'runner level: ProjectRunner.invoke of the same command on a warm worker',
      target: issue ? { text: 'editor ÷ runner <= 1.3', met: (x) => x.median / med(s.runner) <= 1.3 } : undefined,
      issueTarget: issue ? 'editor-vs-runner' : undefined,
    }),
  ];
  if (share.toRequest.length > 0) {
    out.push(
      makeRow({ name: "editor: click -> invocation header in the extension's log", projectSize: project.size, unit: 'ms', ours: share.toRequest, note: "the extension's log has ms timestamps: the header is written just before the request goes to the worker" }),
      makeRow({ name: "editor: summary line in the extension's log -> success icon", projectSize: project.size, unit: 'ms', ours: share.toIcon, note: "after the result: the views' 150 ms refresh batching and VS Code's own tree refresh" }),
    );
  }
  return out;
}

async function clearHistory(page: Page): Promise<void> {
  const header = page.locator('.pane-header[aria-label^="Invocations"]');
  await header.hover();
  const clear = header.locator('.action-label[aria-label^="Clear History"]');
  if ((await clear.count()) > 0) await clear.first().click();
  await page.locator(`${INVOCATIONS} .monaco-list-row`).first().waitFor({ state: 'detached', timeout: 30_000 }).catch(() => undefined);
}

/**
 * The lines of the extension's log channel written after `since`, with their
 * times (epoch ms), from its log file under the user-data dir (a
 * LogOutputChannel writes "YYYY-MM-DD HH:MM:SS.mmm [level] text").
 */
function extensionLog(userDataDir: string, since: number): { at: number; text: string }[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name === 'dbt.log' || /dbt\.log$/.test(e.name)) files.push(join(d, e.name));
    }
  };
  try {
    walk(join(userDataDir, 'logs'));
  } catch {
    return [];
  }
  const out: { at: number; text: string }[] = [];
  for (const f of files) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      const m = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) \[\w+\] (.*)$/.exec(line);
      const at = m ? new Date(m[1]!.replace(' ', 'T')).getTime() : NaN;
      if (m && at >= since - 1000) out.push({ at, text: m[2]! });
    }
  }
  return out;
}

/** The times of the invocation header and summary lines of `label` in the extension's log after `since`. */
function extensionLogTimes(userDataDir: string, label: string, since: number): { header: number; summary: number } | undefined {
  const lines = extensionLog(userDataDir, since).reverse();
  const header = lines.find((l) => l.text.startsWith(`━━ ${label} ━━`))?.at;
  const summary = lines.find((l) => l.text.startsWith(`━━ ${label} succeeded`))?.at;
  return header !== undefined && summary !== undefined ? { header, summary } : undefined;
}

/** Activation -> the index of the project's files ready (its code lens), as the extension logs it (fileIndexes.ts). */
function activationToIndex(userDataDir: string, since: number): number | undefined {
  const line = extensionLog(userDataDir, since)
    .reverse()
    .find((l) => l.text.startsWith('Indexed the files of '));
  const ms = line && /\((\d+) ms after activation\)/.exec(line.text)?.[1];
  return ms ? Number(ms) : undefined;
}

/** Palette "dbt: Build Whole Project" -> the first node row; then cancelled. */
async function paletteBuild(ctx: Ctx): Promise<BenchRow[]> {
  const { page, wb, project, runner } = ctx;
  await openModel(ctx);
  await wb.showViewContainer('dbt');
  const s = sides();
  const label = 'dbt: Build Whole Project';
  // The runner side sends what the editor sends (src/editor/runnerHost.ts adds --use-fast-test-edges on
  // dbt >= 1.10); the cold side is `dbt build` as typed in a terminal.
  const runnerArgs = withFastTestEdges(['build'], (await checkPython(benchPython())).dbtVersion, process.env);
  for (let i = 0; i < ctx.runs; i++) {
    await clearHistory(page);
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.fill(`>${label}`);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor({ timeout: 30_000 });
    // A node row exists once the invocation row can be expanded (VS Code may keep it collapsed) or shows one.
    s.editor.push(await timeUntil(page, () => page.keyboard.press('Enter'), `${INVOCATIONS} .monaco-list-row[aria-level="1"][aria-expanded], ${INVOCATIONS} .monaco-list-row[aria-level="2"]`));
    await wb.runCommand('dbt: Cancel Running Invocations');
    await waitIdle(page);

    const controller = new AbortController();
    const t = performance.now();
    let first: number | undefined;
    const onEvent = (e: RawDbtEvent) => {
      if (first === undefined && typeof (e.data?.node_info as { unique_id?: unknown } | undefined)?.unique_id === 'string') {
        first = performance.now() - t;
        controller.abort();
      }
    };
    const timer = setTimeout(() => controller.abort(), CMD_TIMEOUT_MS);
    await runner.invoke({ args: runnerArgs }, { onEvent, signal: controller.signal }).catch((): InvocationResult | undefined => undefined);
    clearTimeout(timer);
    if (first !== undefined) s.runner.push(first);
    const c = await cold(project, ['build'], undefined, { stopAtFirstNode: true, allowError: true });
    if (c.firstNodeMs !== undefined) s.cold.push(c.firstNodeMs);
    progress(`${ctx.what}, palette Build -> first node row #${i + 1}: editor ${ms(s.editor[i])}, runner ${ms(first)}, cold ${ms(c.firstNodeMs)}`);
  }
  return row(ctx, 'palette Build Whole Project -> first node row', s, { note: `build cancelled after the first node; runner level: dbt ${runnerArgs.join(' ')}, request -> first node event; cold: dbt build, first START line` });
}

/** Save of a model with a Jinja error -> the parse error in Problems (the worker's re-parse); then the file restored. */
async function saveToDiagnostics(ctx: Ctx): Promise<BenchRow[]> {
  const { page, project, model, runner } = ctx;
  const s = sides();
  const file = join(project.dir, model.originalFilePath);
  const original = readFileSync(file, 'utf8');
  const broken = `${original}\n{{ ref( }}\n`;
  const problem = '.markers-panel .monaco-list-row';
  try {
    for (let i = 0; i < ctx.runs; i++) {
      // The baselines below write the broken file to disk, which the window sees and parses too: its
      // problem shows, then clears after the restore. Start only once that is over.
      await waitUntilNoRow(page, problem);
      await (await quickOpen(page, model.originalFilePath))();
      await page.locator(`.tabs-container .tab.active[aria-label^="${model.originalFilePath.split('/').pop()}"]`).waitFor({ timeout: 30_000 });
      await page.keyboard.press('Control+Shift+M');
      await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('\n{{ ref( }}');
      s.editor.push(await timeUntil(page, () => page.keyboard.press('Control+S'), problem, new RegExp(esc(model.name.slice(0, 20)) + '|Compilation|unexpected|syntax', 'i')));
      // Restore as a terminal edit would: the file on disk; the editor reloads it, the next parse clears the problem.
      writeFileSync(file, original);
      await page.locator(problem).first().waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
      await waitIdle(page);

      writeFileSync(file, broken);
      const t = performance.now();
      const r = await runner.parse({ signal: AbortSignal.timeout(CMD_TIMEOUT_MS) });
      s.runner.push(performance.now() - t);
      if (r.exitCode === 0) throw new Error('the runner parsed a model with a Jinja error without failing');
      s.cold.push((await cold(project, ['parse'], undefined, { allowError: true })).wallMs);
      writeFileSync(file, original);
      await runner.parse({ signal: AbortSignal.timeout(CMD_TIMEOUT_MS) });
      progress(`${ctx.what}, save -> parse error in Problems #${i + 1}: editor ${ms(s.editor[i])}, runner ${ms(s.runner[i])}, cold ${ms(s.cold[i])}`);
    }
  } finally {
    writeFileSync(file, original);
  }
  return row(ctx, 'save of a model with a Jinja error -> parse error in Problems', s, { note: 'runner level: the worker re-parse of the same edit; cold: `dbt parse` (partial parsing)' });
}

/** Hover and go-to-definition on the model's first ref(), as the workbench shows them, beside the same request over LSP. */
async function hoverAndDefinition(ctx: Ctx): Promise<BenchRow[]> {
  const { page, project, model } = ctx;
  const text = readFileSync(join(project.dir, model.originalFilePath), 'utf8');
  const m = /ref\('([^']+)'\)/.exec(text);
  if (!m) throw new Error(`${model.originalFilePath} has no ref()`);
  const parent = m[1]!;
  const lines = text.slice(0, m.index).split('\n');
  const position = { line: lines.length - 1, character: lines[lines.length - 1]!.length + 6 };
  const hover = sides();
  const definition = sides();
  const lsp = await startServer(project.dir, ctx.slim);
  try {
    const uri = pathToFileURL(join(project.dir, model.originalFilePath)).href;
    await lsp.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'sql', version: 1, text } });
    for (let i = 0; i < ctx.runs; i++) {
      await closeEditors(page);
      // With its code lens shown and the window idle: a lens arriving later moves the lines under the mouse.
      await openModel(ctx);
      // To the top, as the file opened first: the view state a sample left can have scrolled the ref's line under sticky scroll.
      await page.keyboard.press('Control+Home');
      const token = page.locator('.editor-group-container.active .view-lines span[class^="mtk"]', { hasText: parent }).first();
      await token.waitFor({ timeout: 30_000 });
      await page.mouse.move(0, 0);
      const box = (await token.boundingBox())!;
      hover.editor.push(await timeUntil(page, () => page.mouse.move(box.x + box.width / 2, box.y + box.height / 2), '.monaco-hover:not(.hidden)', /built from/));
      await page.keyboard.press('Escape');
      // Where the mouse is, as a user clicks: the editor's (blinking) cursor, left on the token by the
      // previous sample, fails Playwright's check on the token's element, whose retries then scroll it under sticky scroll.
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      definition.editor.push(await timeUntil(page, () => page.keyboard.press('F12'), `.tabs-container .tab.active[aria-label^="${parent}.sql"]`));
      for (const [method, into] of [
        ['textDocument/hover', hover.runner],
        ['textDocument/definition', definition.runner],
      ] as const) {
        const t = performance.now();
        const answer = await lsp.connection.sendRequest(method, { textDocument: { uri }, position });
        into.push(performance.now() - t);
        if (answer === null) throw new Error(`${method} on ref('${parent}') answered nothing`);
      }
      progress(`${ctx.what}, hover #${i + 1}: editor ${ms(hover.editor[i])}, LSP ${ms(hover.runner[i])}; definition: editor ${ms(definition.editor[i])}, LSP ${ms(definition.runner[i])}`);
    }
  } finally {
    await lsp.stop();
  }
  const note = "editor: from the mouse reaching the token (hover delay set to 100 ms) or F12, to the hover shown or the parent's file active; runner level: the same request to dist/server.js over stdio";
  return [...row(ctx, 'hover on ref()', hover, { note }), ...row(ctx, 'go to definition of ref()', definition, { note })];
}

function ms(v: number | undefined): string {
  return v === undefined ? 'n/a' : `${Math.round(v)} ms`;
}

main().catch((e: unknown) => {
  process.stderr.write(`editor bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
