// The code lens above models and on schema YAML entries, from the parsed
// manifest; its actions run the real dbt command for that node.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { InvocationEntry } from '../../src/dbt/treeModel';
import { closeEditors, conductor, ensureParsed, fileUri, lineOf, seedProject, waitFor } from './helpers';

async function lenses(rel: string): Promise<vscode.CodeLens[]> {
  const uri = fileUri(rel);
  await vscode.workspace.openTextDocument(uri);
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
}

function ours(list: vscode.CodeLens[]): vscode.CodeLens[] {
  return list.filter((l) => l.command?.command.startsWith('dbtConductor.'));
}

suite('code lens', () => {
  suiteSetup(async () => {
    await ensureParsed(await conductor());
    await seedProject();
  });

  teardown(closeEditors);

  test('a model file gets Run | Build | Test | Compile | Preview on its first line', async () => {
    const list = await waitFor('the code lens on orders.sql', async () => {
      const l = ours(await lenses('models/marts/orders.sql'));
      return l.length > 0 && l;
    });
    assert.deepEqual(
      list.map((l) => l.command?.command),
      ['dbtConductor.run', 'dbtConductor.build', 'dbtConductor.test', 'dbtConductor.compile', 'dbtConductor.show'],
    );
    assert.deepEqual(list.map((l) => l.command?.title.replace(/^\$\([\w-]+\) /, '')), ['Run', 'Build', 'Test', 'Compile', 'Preview']);
    assert.ok(list.every((l) => l.range.start.line === 0));
    assert.deepEqual(list[0]!.command?.arguments?.[0], { kind: 'node', projectRoot: (await conductor()).projects.list()[0]!.root, name: 'orders', uniqueId: 'model.jaffle.orders', resourceType: 'model' });
  });

  test('each model entry of a schema YAML file gets a lens on its name line', async () => {
    const list = ours(await lenses('models/marts/schema.yml'));
    const runs = list.filter((l) => l.command?.command === 'dbtConductor.run');
    assert.deepEqual(
      runs.map((l) => [(l.command?.arguments?.[0] as { name: string }).name, l.range.start.line]),
      [
        ['customers', lineOf('models/marts/schema.yml', '- name: customers')],
        ['orders', lineOf('models/marts/schema.yml', '- name: orders')],
        ['order_events', lineOf('models/marts/schema.yml', '- name: order_events')],
      ],
    );
  });

  test('a seed file gets a lens without Compile; macros get none', async () => {
    const seed = ours(await lenses('seeds/raw_orders.csv'));
    assert.deepEqual(seed.map((l) => l.command?.command), ['dbtConductor.run', 'dbtConductor.build', 'dbtConductor.test', 'dbtConductor.show']);
    assert.deepEqual(ours(await lenses('macros/cents_to_dollars.sql')), []);
  });

  test('the lens actions run that node: Build and Preview', async () => {
    const list = ours(await lenses('models/staging/stg_payments.sql'));
    const build = list.find((l) => l.command?.command === 'dbtConductor.build')!;
    const built = await vscode.commands.executeCommand<InvocationEntry>(build.command!.command, ...(build.command!.arguments ?? []));
    assert.deepEqual(built?.args, ['build', '--select', 'stg_payments', '--use-fast-test-edges']);
    assert.ok(built?.rows.some((r) => r.uniqueId === 'model.jaffle.stg_payments' && r.status === 'success'));
    const preview = list.find((l) => l.command?.command === 'dbtConductor.show')!;
    const shown = await vscode.commands.executeCommand<InvocationEntry>(preview.command!.command, ...(preview.command!.arguments ?? []));
    assert.equal(shown?.result?.output.kind, 'show');
    const api = await conductor();
    assert.deepEqual(api.results.lastShown?.columns.map((c) => c.name), ['payment_id', 'order_id', 'payment_method', 'amount']);
  });

  test('the lens follows the setting', async () => {
    const config = vscode.workspace.getConfiguration('dbtConductor');
    await config.update('codeLens.commands', ['run', 'preview'], vscode.ConfigurationTarget.Workspace);
    try {
      const list = ours(await lenses('models/marts/orders.sql'));
      assert.deepEqual(list.map((l) => l.command?.command), ['dbtConductor.run', 'dbtConductor.show']);
      await config.update('codeLens.enabled', false, vscode.ConfigurationTarget.Workspace);
      assert.deepEqual(ours(await lenses('models/marts/orders.sql')), []);
    } finally {
      await config.update('codeLens.commands', undefined, vscode.ConfigurationTarget.Workspace);
      await config.update('codeLens.enabled', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
