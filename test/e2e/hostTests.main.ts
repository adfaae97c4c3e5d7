// Runs the extension-host mocha suite (out/test/suite/index.js, whose run()
// is also what @vscode/test-electron loads on desktop VS Code) inside a real
// VS Code workbench served by code-server, with the extension under
// development, real Python and dbt, on a temp copy of the jaffle fixture.
//
//   node out/test/e2e/hostTests.main.js
//
// The workbench takes the extension and the tests module through its
// `payload` URL parameter and reports the end through codeAutomationExit
// (0 pass, 1 fail). run() also writes a JSON result to the file named by
// DBT_CONDUCTOR_TEST_RESULT (code-server's extension host inherits its env).
// Exit code: 0 only when both say the suite passed. When the suite has an
// untrusted.suite.js, a second pass opens the fixture untrusted (workspace
// trust enabled). "<passed> <failed>" goes to out/results/host.counts.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { format } from 'node:util';
import type { ConsoleMessage, Page } from 'playwright-core';
import { launchBrowser } from './lib/browser';
import { startCodeServer } from './lib/codeServer';
import { artifactsDir, pythonPath, pythonPath18, repoRoot } from './lib/paths';
import { copyWorkspace } from './lib/workspace';

const TIMEOUT_MS = Number(process.env.E2E_HOST_TIMEOUT_MS ?? 30 * 60_000);

interface SuiteResult {
  passes?: number;
  failures?: number;
  tests?: number;
  failed?: { title: string; error: string }[];
}

// "<passed> <failed>" for scripts/test.sh's total.
function writeCounts(passed: number, failed: number): void {
  mkdirSync(join(repoRoot(), 'out/results'), { recursive: true });
  writeFileSync(join(repoRoot(), 'out/results/host.counts'), `${passed} ${failed}\n`);
}

interface PassOutcome {
  passed: number;
  failed: number;
}

/**
 * One load of the workbench with the suite: code-server on a fresh copy of the
 * fixture, trusted or not (run() picks the suites for the trust state).
 */
async function runPass(trusted: boolean, extensionDir: string, testsModule: string): Promise<PassOutcome> {
  const label = trusted ? 'trusted' : 'untrusted';
  const workspace = copyWorkspace(process.env.E2E_FIXTURE ?? join(repoRoot(), 'test/fixtures/jaffle'));
  const resultFile = join(workspace.tmp, 'suite-result.json');
  const server = await startCodeServer({
    folder: workspace.dir,
    trusted,
    settings: { 'dbtConductor.pythonPath': pythonPath() },
    env: { ...workspace.env, DBT_CONDUCTOR_TEST_RESULT: resultFile, DBT_CONDUCTOR_TEST_PYTHON: pythonPath(), DBT_CONDUCTOR_TEST_PYTHON_18: pythonPath18() },
  });
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    let report!: (code: number) => void;
    const exitCode = new Promise<number>((resolve) => (report = resolve));
    // The workbench calls this when the tests end (0 pass, 1 fail).
    await page.exposeFunction('codeAutomationExit', (code: number) => report(code));
    const pending = new Set<Promise<void>>();
    page.on('console', (msg) => {
      const p = formatConsole(msg).then((text) => void (text && console.log(`[workbench] ${text}`)));
      pending.add(p);
      void p.finally(() => pending.delete(p));
    });
    page.on('pageerror', (err) => console.log(`[page error] ${err.message}`));
    const url = server.workbenchUrl({ devExtension: extensionDir, testsModule });
    console.log(`hostTests (${label}): ${url}`);
    await page.goto(url);
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), TIMEOUT_MS).unref());
    const code = await Promise.race([exitCode, timer]);
    if (code === 'timeout') {
      await screenshotOnFailure(page, `host-tests-${label}-timeout`);
      console.error(`hostTests (${label}): no result within ${TIMEOUT_MS / 1000} s`);
      server.saveLogs(join(artifactsDir(), `host-logs-${label}`));
      return { passed: 0, failed: 1 };
    }
    await Promise.all(pending); // print mocha's last lines before the verdict
    const result = readResult(resultFile);
    console.log(`hostTests (${label}): workbench exit code ${code}; suite: ${result ? `${result.passes} passed, ${result.failures} failed of ${result.tests}` : 'no result file'}`);
    for (const f of result?.failed ?? []) console.log(`  failed: ${f.title}`);
    if (!result) {
      console.error(`hostTests (${label}): run() wrote no result to DBT_CONDUCTOR_TEST_RESULT (${resultFile})`);
      return { passed: 0, failed: 1 };
    }
    const passed = result.passes ?? 0;
    // Both verdicts must agree, and a suite that ran nothing has not passed (unless E2E_GREP chose none of it).
    const ranNothingOnPurpose = process.env.E2E_GREP !== undefined && result.tests === 0;
    const failed = Math.max(result.failures ?? 1, code === 0 && (passed > 0 || ranNothingOnPurpose) ? 0 : 1);
    if (failed > 0) server.saveLogs(join(artifactsDir(), `host-logs-${label}`));
    return { passed, failed };
  } finally {
    await browser.close();
    await server.stop();
    workspace.remove();
  }
}

async function main(): Promise<number> {
  writeCounts(0, 1); // until the suite reports otherwise
  const extensionDir = process.env.E2E_EXTENSION_DIR ?? repoRoot();
  const testsModule = process.env.E2E_TESTS_MODULE ?? join(extensionDir, 'out/test/suite/index.js');
  for (const [what, file] of [
    ['the extension bundle', join(extensionDir, JSON.parse(readFileSync(join(extensionDir, 'package.json'), 'utf8')).main as string)],
    ['the bundled suite', testsModule],
  ]) {
    if (!existsSync(file) && !existsSync(`${file}.js`)) {
      console.error(`hostTests: ${what} is missing (${file}); build first: node scripts/build.mjs`);
      return 2;
    }
  }
  const outcomes = [await runPass(true, extensionDir, testsModule)];
  // The untrusted pass runs when the suite has tests for it (untrusted.suite.js).
  if (existsSync(join(dirname(testsModule), 'untrusted.suite.js'))) outcomes.push(await runPass(false, extensionDir, testsModule));
  const passed = outcomes.reduce((n, o) => n + o.passed, 0);
  const failed = outcomes.reduce((n, o) => n + o.failed, 0);
  writeCounts(passed, failed);
  console.log(`hostTests: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

function readResult(file: string): SuiteResult | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SuiteResult;
  } catch {
    return undefined;
  }
}

// The workbench logs extension-host console output (mocha's reporter) as
// ('%c INFO', 'color: ...', format, ...args): drop the styling, apply the format.
async function formatConsole(msg: ConsoleMessage): Promise<string> {
  const args = await Promise.all(msg.args().map((a) => a.jsonValue().catch(() => '?') as Promise<unknown>));
  if (typeof args[0] === 'string' && args[0].startsWith('%c')) {
    const level = args[0].slice(2).trim();
    const text = format(...args.slice(2)).trimEnd();
    return level === 'INFO' ? text : `${level} ${text}`;
  }
  return args.length > 0 ? format(...args).trimEnd() : msg.text();
}

async function screenshotOnFailure(page: Page, name: string): Promise<void> {
  mkdirSync(artifactsDir(), { recursive: true });
  await page.screenshot({ path: join(artifactsDir(), `${name}.png`) }).catch(() => undefined);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
