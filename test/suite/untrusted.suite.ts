// Runs only in an untrusted workspace (its own launch: see test/suite/index.ts).
// Nothing may run Python or dbt: commands explain instead, no worker starts,
// no parse happens, no code lens appears.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { conductor, fileUri, openFile, projectRoot, workerPids } from './helpers';

suite('untrusted workspace', () => {
  test('the workspace is untrusted and the extension is active with limited support', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    const api = await conductor();
    assert.deepEqual(api.projects.list().map((p) => p.root), [projectRoot()]);
  });

  test('dbt commands run nothing', async () => {
    const api = await conductor();
    await openFile('models/marts/orders.sql');
    for (const name of ['run', 'build', 'test', 'compile', 'show', 'parse', 'buildProject', 'seed']) {
      const result = await vscode.commands.executeCommand(`dbtConductor.${name}`);
      assert.equal(result, undefined, `dbtConductor.${name} returned something`);
    }
    assert.equal(await vscode.commands.executeCommand('dbtConductor.runCommand', 'debug'), undefined);
    const lens = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', fileUri('models/marts/orders.sql'));
    assert.deepEqual((lens ?? []).filter((l) => l.command?.command.startsWith('dbtConductor.')), []);
    assert.deepEqual(api.host.history.list(), []);
    assert.equal(api.host.wasUsed(projectRoot()), false);
  });

  test('no worker process was started, not even for a background parse', async () => {
    const api = await conductor();
    // The file opened above would have scheduled a parse on open (at the editor change, before
    // the commands ran). A background parse starts only from a scheduled one, and marks the
    // project used as it starts: none waiting and none used means none ran and none will.
    assert.equal(api.parser.pending, 0, 'no background parse is waiting to start');
    assert.equal(api.host.wasUsed(projectRoot()), false);
    assert.equal(api.manifests.get(projectRoot()), undefined);
    assert.deepEqual(workerPids(projectRoot()), []);
  });
});
