// The same extension-host suite as hostTests.main.ts, on desktop VS Code via
// @vscode/test-electron, for machines that can download VS Code (this one
// cannot: update.code.visualstudio.com is unreachable, so CI here uses
// hostTests.main.ts with code-server).
//
//   node out/test/e2e/desktopTests.main.js        (xvfb-run on a headless Linux)
//   E2E_VSCODE_VERSION=1.95.0 node ...             the minimum engine version
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { pythonPath, pythonPath18, repoRoot } from './lib/paths';
import { copyWorkspace } from './lib/workspace';

async function main(): Promise<number> {
  const root = repoRoot();
  const ws = copyWorkspace(join(root, 'test/fixtures/jaffle'));
  const resultFile = join(ws.tmp, 'suite-result.json');
  // Desktop VS Code reads workspace settings; point the extension at the venv.
  mkdirSync(join(ws.dir, '.vscode'), { recursive: true });
  writeFileSync(join(ws.dir, '.vscode/settings.json'), JSON.stringify({ 'dbtConductor.pythonPath': pythonPath() }, null, 2));
  try {
    await runTests({
      version: process.env.E2E_VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: root,
      extensionTestsPath: join(root, 'out/test/suite/index.js'),
      launchArgs: [ws.dir, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
      extensionTestsEnv: { ...ws.env, DBT_CONDUCTOR_TEST_RESULT: resultFile, DBT_CONDUCTOR_TEST_PYTHON: pythonPath(), DBT_CONDUCTOR_TEST_PYTHON_18: pythonPath18() },
      timeout: 60_000, // idle bound of the VS Code download
    });
    console.log(`desktopTests: ${readFileSync(resultFile, 'utf8')}`);
    return 0;
  } catch (err) {
    console.error(`desktopTests: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    ws.remove();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
