// User-level end-to-end test: the packaged extension (the VSIX a user
// installs) in code-server, driven through headless Chromium as a user would,
// on a temp copy of the jaffle fixture with real Python, dbt-core and DuckDB.
//
//   node out/test/e2e/userFlow.main.js
//
// Trusted workspace: (1) code lens Run -> Invocations tree + output summary;
// (2) palette Build -> Test Results shows the failing test, click opens it;
// (3) hover a ref -> description; unknown ref + save -> Problems;
// (4) long run cancelled from the progress notification, next run works.
// Untrusted workspace (trust enabled, folder not trusted): no Python or dbt
// process starts, and a dbt command explains Restricted Mode.
//
// Screenshots of every step go to test-artifacts/e2e/. The verdict is the exit
// code; "<passed> <failed>" goes to out/results/user.counts for scripts/test.sh.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, type Browser } from './lib/browser';
import { lineageSteps } from './lineageFlow';
import { startCodeServer, type CodeServer } from './lib/codeServer';
import { artifactsDir, pythonPath, repoRoot } from './lib/paths';
import { runCommand, type ProcessInfo } from './lib/processes';
import { resultsSteps } from './resultsSteps';
import { packageExtension } from './lib/vsix';
import { firstGroup, poll, Workbench } from './lib/workbench';
import { copyWorkspace, type Workspace } from './lib/workspace';
import { languageSteps } from './languageSteps';

const FIXTURE = join(repoRoot(), 'test/fixtures/jaffle');
// Bounds for dbt work seen through the UI (2 cores, other jobs running).
const DBT_MS = 180_000;

interface Step {
  name: string;
  run(): Promise<void>;
}

let passed = 0;
let failed = 0;

/** Runs steps in order; a failing step is recorded (screenshot, output) and the next one still runs. */
async function runSteps(wb: Workbench, prefix: string, steps: Step[]): Promise<void> {
  for (const [i, step] of steps.entries()) {
    // E2E_ONLY=<regex> runs only matching steps ("trusted 2", "untrusted"), for debugging.
    if (process.env.E2E_ONLY && !new RegExp(process.env.E2E_ONLY).test(`${prefix} ${i + 1}`)) continue;
    const shot = `${prefix}-${i + 1}-${step.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
    const started = Date.now();
    try {
      await step.run();
      await wb.screenshot(shot);
      passed++;
      console.log(`  ok  ${prefix} ${i + 1}. ${step.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (err) {
      failed++;
      console.log(`  FAIL ${prefix} ${i + 1}. ${step.name}\n       ${err instanceof Error ? err.message : String(err)}`);
      await wb.screenshot(`${shot}-FAILED`).catch(() => undefined);
      await dumpOutput(wb);
    }
  }
}

async function dumpOutput(wb: Workbench): Promise<void> {
  try {
    await wb.runCommand('dbt: Show Output', 10_000);
    const text = await wb.panelText();
    console.log(`  --- dbt output channel (visible part) ---\n${text}\n  ---`);
    for (const n of await wb.notifications()) console.log(`  notification: ${n.replace(/\s+/g, ' ')}`);
  } catch (err) {
    console.log(`  (could not read the output channel: ${err instanceof Error ? err.message : String(err)})`);
  }
}

function pythonProcesses(server: CodeServer): ProcessInfo[] {
  return server.processes().filter((p) => /python|dbt_worker|\/bin\/dbt\b/.test(p.cmdline));
}

async function trustedFlow(browser: Browser, vsix: string, ws: Workspace): Promise<void> {
  const server = await startCodeServer({
    folder: ws.dir,
    vsix,
    env: ws.env,
    settings: {
      'dbtConductor.pythonPath': pythonPath(),
      // Typed text stays as typed (no auto-closed brackets or quotes).
      'editor.autoClosingBrackets': 'never',
      'editor.autoClosingQuotes': 'never',
      'editor.autoSurround': 'never',
      'editor.acceptSuggestionOnEnter': 'off',
      'editor.quickSuggestions': { other: false, comments: false, strings: false },
      'editor.hover.delay': 300,
    },
  });
  const page = await browser.context.newPage();
  const wb = new Workbench(page);
  try {
    await wb.open(server.workbenchUrl());
    await wb.waitForActivityIcon('dbt');
    await runSteps(wb, 'trusted', [
      {
        name: 'code lens Run on a model',
        async run() {
          await wb.openFile('models/staging/stg_customers.sql');
          const lens = page.locator('.contentWidgets .codelens-decoration a', { hasText: 'Run' }).first();
          await lens.waitFor({ timeout: DBT_MS }); // appears once the manifest is parsed
          await lens.click();
          await wb.showViewContainer('dbt');
          await poll('the Invocations tree to show stg_customers succeeded', async () => {
            await wb.expandFirst('Invocations');
            const rows = firstGroup(await wb.treeRows('Invocations'));
            return rows.some((r) => /^stg_customers\b/.test(r.text) && r.icon === 'pass');
          }, DBT_MS);
          // Positive control for the untrusted check: here Python does run.
          await poll('a Python process under the extension host', async () => pythonProcesses(server).length > 0, 30_000);
          await wb.runCommand('dbt: Show Output');
          await poll("dbt's summary in the output channel", async () => /PASS=1\b/.test(await wb.panelText()), 30_000);
        },
      },
      {
        name: 'palette Build shows the failing test; click opens it',
        async run() {
          await wb.runCommand('dbt: Build Whole Project');
          await wb.showViewContainer('dbt');
          const failing = wb.pane('Test Results').locator('.monaco-list-row', { hasText: 'accepted_values_orders_status' }).first();
          await poll('the failing accepted_values test in Test Results', async () => {
            await wb.expandFirst('Test Results'); // failing group first
            return (await wb.treeRows('Test Results')).some((r) => /accepted_values_orders_status/.test(r.text) && /\bFAIL\b/.test(r.text));
          }, DBT_MS);
          // Let the build finish: its last refreshes re-render the trees.
          await poll('the build to finish', async () => {
            const first = firstGroup(await wb.treeRows('Invocations'))[0];
            return first !== undefined && /^dbt build\b/.test(first.text) && first.icon !== 'sync';
          }, DBT_MS);
          await wb.waitForQuiet('Test Results');
          await page.mouse.move(0, 0);
          await failing.click();
          // The definition: the marts schema.yml, cursor on the test's line.
          const lines = readFileSync(join(ws.dir, 'models/marts/schema.yml'), 'utf8').split('\n');
          const testLine = lines.findIndex((l, i) => l.includes('- accepted_values:') && lines[i + 1]?.includes("'placed'")) + 1;
          let seen = '';
          await poll(`models/marts/schema.yml to open at line ${testLine}`, async () => {
            // The breadcrumbs above the editor name the file's path in the workspace.
            const crumbs = await page.locator('.editor-group-container.active .breadcrumbs-control .monaco-breadcrumb-item').allInnerTexts();
            const title = crumbs.map((c) => c.trim()).join('/');
            const cursor = await page.locator('.statusbar-item', { hasText: /^Ln \d+, Col \d+/ }).first().innerText();
            seen = `${title} | ${cursor}`;
            return title.startsWith('models/marts/schema.yml') && cursor.startsWith(`Ln ${testLine},`);
          }, 15_000).catch((err: Error) => {
            throw new Error(`${err.message}; saw: ${seen}`);
          });
        },
      },
      {
        name: 'hover a ref, then an unknown ref reaches Problems',
        async run() {
          await wb.openFile('models/marts/orders.sql');
          // Monaco renders each token as a span.mtkN; the string token is 'stg_orders' with its quotes.
          const token = page.locator('.editor-group-container.active .view-lines span[class^="mtk"]', { hasText: 'stg_orders' }).first();
          await poll('the hover over ref(stg_orders) to show its description', async () => {
            await page.mouse.move(0, 0);
            await token.hover();
            const hover = page.locator('.monaco-hover:not(.hidden)').first();
            await hover.waitFor({ timeout: 3000 });
            return /Orders, renamed from the raw export/.test(await hover.innerText());
          }, 60_000, 1000);
          await wb.screenshot('trusted-3a-hover');
          await page.keyboard.press('Escape');
          await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
          await page.keyboard.press('Control+End');
          await page.keyboard.type("\n-- {{ ref('no_such_model') }}");
          await page.keyboard.press('Control+S');
          await page.keyboard.press('Control+Shift+M');
          await poll('the unknown ref in the Problems panel', async () => (await wb.problems()).some((r) => /no_such_model/.test(r)), 60_000);
        },
      },
      ...languageSteps(wb, page, ws.dir),
      {
        name: 'cancel a long run from the notification; the next run works',
        async run() {
          // Undo step 3's edit as a user would see it: the file on disk goes back.
          copyFileSync(join(FIXTURE, 'models/marts/orders.sql'), join(ws.dir, 'models/marts/orders.sql'));
          await wb.runCommand('dbt: Run dbt Command...');
          const input = page.locator('.quick-input-widget input');
          await input.waitFor();
          await input.fill(`run -s slow_model --vars '{slow: true}'`);
          await page.keyboard.press('Enter');
          const cancel = page.locator('.notifications-toasts .notification-toast .monaco-button', { hasText: 'Cancel' }).first();
          await cancel.waitFor({ timeout: 60_000 });
          await wb.showViewContainer('dbt');
          await poll('slow_model to be running', async () => {
            await wb.expandFirst('Invocations');
            const rows = firstGroup(await wb.treeRows('Invocations'));
            return rows.some((r) => /^slow_model\b/.test(r.text) && /\brunning\b/.test(r.text));
          }, DBT_MS);
          await wb.screenshot('trusted-4a-long-run');
          await cancel.click();
          await poll('the Invocations tree to show the run cancelled', async () => {
            return firstGroup(await wb.treeRows('Invocations'))[0]?.icon === 'debug-stop';
          }, 60_000);
          await wb.screenshot('trusted-4b-cancelled');
          await wb.runCommand('dbt: Run dbt Command...');
          await input.waitFor();
          await input.fill('run -s stg_payments');
          await page.keyboard.press('Enter');
          await poll('the next run (stg_payments) to succeed', async () => {
            await wb.expandFirst('Invocations');
            const rows = firstGroup(await wb.treeRows('Invocations'));
            return rows[0]?.icon === 'pass' && rows.some((r) => /^stg_payments\b/.test(r.text) && r.icon === 'pass');
          }, DBT_MS);
        },
      },
      ...lineageSteps(wb, DBT_MS),
      ...resultsSteps(wb, page, DBT_MS),
    ]);
  } finally {
    await page.close().catch(() => undefined);
    if (failed > 0) server.saveLogs(join(artifactsDir(), 'logs-trusted'));
    await server.stop();
  }
}

async function untrustedFlow(browser: Browser, vsix: string, ws: Workspace): Promise<void> {
  const failedBefore = failed;
  const server = await startCodeServer({
    folder: ws.dir,
    vsix,
    trusted: false,
    env: ws.env,
    settings: { 'dbtConductor.pythonPath': pythonPath() },
  });
  const page = await browser.context.newPage();
  const wb = new Workbench(page);
  try {
    await wb.open(server.workbenchUrl());
    await wb.waitForActivityIcon('dbt');
    await runSteps(wb, 'untrusted', [
      {
        name: 'restricted mode: a dbt command explains and starts no Python',
        async run() {
          await wb.openFile('models/staging/stg_customers.sql');
          await wb.runCommand('dbt: Build Whole Project');
          await poll('the restricted-mode explanation', async () => (await wb.notifications()).some((n) => /untrusted workspace/i.test(n)), 30_000);
          await wb.showViewContainer('dbt');
          const py = pythonProcesses(server);
          if (py.length > 0) throw new Error(`Python/dbt processes started in an untrusted workspace:\n${py.map((p) => `${p.pid} ${p.cmdline}`).join('\n')}`);
        },
      },
    ]);
  } finally {
    await page.close().catch(() => undefined);
    if (failed > failedBefore) server.saveLogs(join(artifactsDir(), 'logs-untrusted'));
    await server.stop();
  }
}

/** Loads the fixture's seeds into the workspace's DuckDB file, as a user would have before. */
async function seedWorkspace(ws: Workspace): Promise<void> {
  const dbt = join(pythonPath(), '..', 'dbt');
  const r = await runCommand(dbt, ['seed', '--profiles-dir', ws.dir, '--project-dir', ws.dir], {
    cwd: ws.dir,
    env: { ...process.env, ...ws.env },
    timeoutMs: 180_000,
  });
  if (r.code !== 0) throw new Error(`dbt seed of the fixture failed:\n${r.output}`);
}

async function main(): Promise<number> {
  mkdirSync(artifactsDir(), { recursive: true });
  console.log('userFlow: packaging the extension');
  const vsix = await packageExtension();
  const browser = await launchBrowser();
  const trustedWs = copyWorkspace(FIXTURE);
  const untrustedWs = copyWorkspace(FIXTURE);
  try {
    await seedWorkspace(trustedWs);
    console.log('userFlow: trusted workspace');
    await trustedFlow(browser, vsix.file, trustedWs);
    console.log('userFlow: untrusted workspace');
    await untrustedFlow(browser, vsix.file, untrustedWs);
  } catch (err) {
    failed++;
    console.log(`  FAIL userFlow: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    await browser.close();
    trustedWs.remove();
    untrustedWs.remove();
    vsix.remove();
  }
  console.log(`userFlow: ${passed} passed, ${failed} failed; screenshots in ${artifactsDir()}`);
  mkdirSync(join(repoRoot(), 'out/results'), { recursive: true });
  writeFileSync(join(repoRoot(), 'out/results/user.counts'), `${passed} ${failed}\n`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
