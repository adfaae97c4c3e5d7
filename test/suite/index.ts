// The extension-host test suite's entry: VS Code (code-server through
// test/e2e/hostTests.main.ts, or desktop through @vscode/test-electron)
// loads this module and calls run(). It runs every *.suite.js next to it
// with mocha (TDD UI) and writes a JSON result to DBT_CONDUCTOR_TEST_RESULT.
// In an untrusted workspace only untrusted.suite.js runs, and only there.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

export async function run(): Promise<void> {
  // VS Code for the web (code-server) saves edits after a second by default:
  // tests that edit a buffer and then revert it would write to the project.
  await vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Workspace);
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 240_000, reporter: 'spec' });
  // For a developer's narrow run: E2E_GREP='Go to Compiled' npm test -- host
  if (process.env.E2E_GREP) mocha.grep(process.env.E2E_GREP);
  const trusted = vscode.workspace.isTrusted;
  // E2E_SUITES=<regex> runs only the matching suite files, for debugging.
  const only = process.env.E2E_SUITES ? new RegExp(process.env.E2E_SUITES) : undefined;
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.suite.js'))
    .filter((f) => (f === 'untrusted.suite.js') === !trusted)
    .filter((f) => !only || only.test(f))
    .sort();
  for (const f of files) mocha.addFile(join(__dirname, f));

  return new Promise((resolve, reject) => {
    const failed: { title: string; error: string }[] = [];
    const runner = mocha.run((failures) => {
      const stats = runner.stats ?? { passes: 0, failures, tests: 0 };
      const result = { trusted, files, passes: stats.passes, failures: stats.failures, tests: stats.tests, failed };
      const out = process.env.DBT_CONDUCTOR_TEST_RESULT;
      if (out) writeFileSync(out, JSON.stringify(result, null, 2));
      if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
      else resolve();
    });
    runner.on('fail', (test, err: Error) => failed.push({ title: test.fullTitle(), error: err.stack ?? String(err) }));
  });
}
