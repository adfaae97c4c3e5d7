// Runner failures reach the user once, as an actionable notification, not as
// a cascade; fixing the setting is enough to run again.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { InvocationEntry } from '../../src/dbt/treeModel';
import { closeEditors, conductor, openFile, runCommand } from './helpers';

suite('runner errors', () => {
  teardown(closeEditors);

  test('a wrong Python is reported once for several commands, and fixing it is enough', async () => {
    const api = await conductor();
    const config = vscode.workspace.getConfiguration('dbtConductor');
    const before = api.host.notified.length;
    await config.update('pythonPath', '/nonexistent/bin/python3', vscode.ConfigurationTarget.Workspace);
    try {
      await openFile('models/staging/stg_orders.sql');
      const results = await Promise.all([
        vscode.commands.executeCommand<InvocationEntry | undefined>('dbtConductor.run'),
        vscode.commands.executeCommand<InvocationEntry | undefined>('dbtConductor.compile'),
        vscode.commands.executeCommand<InvocationEntry | undefined>('dbtConductor.test'),
      ]);
      assert.deepEqual(results, [undefined, undefined, undefined], 'nothing ran');
      const shown = api.host.notified.slice(before);
      assert.equal(shown.length, 1, `notifications: ${JSON.stringify(shown)}`);
      assert.match(shown[0]!, /\/nonexistent\/bin\/python3/);
    } finally {
      await config.update('pythonPath', undefined, vscode.ConfigurationTarget.Workspace);
    }
    const entry = await runCommand('run');
    assert.equal(entry.result?.exitCode, 0, entry.error);
  });

  test('a dbt error that stops the invocation (exit 2) is one notification too', async () => {
    const api = await conductor();
    const before = api.host.notified.length;
    const entries = await Promise.all([
      runCommand('runCommand', 'run --selector no_such_selector'),
      runCommand('runCommand', 'run --selector no_such_selector'),
    ]);
    for (const e of entries) {
      assert.equal(e.result?.exitCode, 2);
      assert.equal(e.status, 'error');
      assert.match(e.error ?? '', /no_such_selector/);
    }
    assert.equal(api.host.notified.length - before, 1, JSON.stringify(api.host.notified.slice(before)));
  });
});
