// Before dbt's first parse (the first suite of the run: a fresh workspace
// with no saved manifest, and the background parse on open turned off so no
// dbt runs): the code lens and hover come from the index of the project's
// files. Then a parse loads dbt's manifest, which replaces the index: a model
// disabled by its config (which only dbt knows) loses its lens.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeEditors, conductor, fileUri, projectRoot, runCommand, waitFor, workerPids } from './helpers';

async function lensCommands(rel: string): Promise<string[]> {
  const uri = fileUri(rel);
  await vscode.workspace.openTextDocument(uri);
  const list = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
  return list.map((l) => l.command?.command ?? '').filter((c) => c.startsWith('dbtConductor.'));
}

suite('before the first parse: the index of the files', () => {
  const parseOnOpen = () => vscode.workspace.getConfiguration('dbtConductor');

  suiteSetup(async () => {
    await parseOnOpen().update('parseOnOpen', false, vscode.ConfigurationTarget.Workspace);
  });

  suiteTeardown(async () => {
    await closeEditors();
    await parseOnOpen().update('parseOnOpen', undefined, vscode.ConfigurationTarget.Workspace);
  });

  test('code lens and hover from the files while no dbt has run; the manifest replaces them', async () => {
    const api = await conductor();
    const root = projectRoot();
    assert.equal(api.manifests.get(root), undefined, 'a fresh workspace has no saved manifest');
    const before = await waitFor('the code lens on orders.sql from the files', async () => {
      const l = await lensCommands('models/marts/orders.sql');
      return l.length > 0 && l;
    }, 30_000);
    assert.deepEqual(before, ['dbtConductor.run', 'dbtConductor.build', 'dbtConductor.test', 'dbtConductor.compile', 'dbtConductor.show']);
    assert.equal(api.manifests.get(root), undefined, 'still no manifest from dbt');
    assert.deepEqual(workerPids(root), [], 'no dbt worker has started');
    // The index cannot know a model's config: slow_model (disabled by a var) has a lens until dbt parses.
    assert.ok((await lensCommands('models/broken/slow_model.sql')).length > 0);

    const orders = await vscode.workspace.openTextDocument(fileUri('models/marts/orders.sql'));
    await vscode.window.showTextDocument(orders);
    const at = orders.positionAt(orders.getText().indexOf("ref('stg_orders')") + 7);
    const hoverText = async () =>
      ((await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', orders.uri, at)) ?? [])
        .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)))
        .join('\n');
    const provisional = await waitFor('a hover from the index of the files', async () => {
      const t = await hoverText();
      return /stg_orders/.test(t) && t;
    }, 60_000);
    assert.match(provisional, /From files, not yet parsed/);

    await runCommand('parse');
    await waitFor("dbt's manifest to load", () => api.manifests.get(root), 120_000);
    await waitFor('the disabled model to lose its lens', async () => (await lensCommands('models/broken/slow_model.sql')).length === 0, 30_000);
    assert.equal((await lensCommands('models/marts/orders.sql')).length, 5);
    await waitFor('a hover from the parsed manifest', async () => {
      const t = await hoverText();
      return /stg_orders/.test(t) && !/not yet parsed/.test(t);
    }, 60_000);
  });
});
