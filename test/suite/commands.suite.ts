// Each command runs the right dbt command for a given editor state, and the
// run really happens (real dbt, real DuckDB, through the extension's runner).
import * as assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ConductorApi } from '../../src/extension';
import type { InvocationEntry } from '../../src/dbt/treeModel';
import { closeEditors, conductor, ensureParsed, fileUri, openFile, projectRoot, runCommand } from './helpers';
import { PASSING_TESTS } from '../fixtures/lib/jaffleIds';

function rowOf(entry: InvocationEntry, uniqueId: string) {
  return entry.rows.find((r) => r.uniqueId === uniqueId);
}

suite('commands', () => {
  let api: ConductorApi;
  /** raw_orders as the default (dev) target named it. */
  let devRelation: string | null | undefined;

  suiteSetup(async () => {
    api = await conductor();
    // Seeds and upstream views must exist before single models run.
    const seeded = await runCommand('seed', { kind: 'project', projectRoot: projectRoot() });
    assert.deepEqual(seeded.args, ['seed']);
    assert.equal(seeded.result?.exitCode, 0, seeded.error);
    devRelation = seeded.result?.nodes.find((n) => n.name === 'raw_orders')?.relationName;
    await ensureParsed(api);
  });

  teardown(closeEditors);

  test('Run on a model file runs that model', async () => {
    await openFile('models/staging/stg_orders.sql');
    const entry = await runCommand('run');
    assert.deepEqual(entry.args, ['run', '--select', 'stg_orders']);
    assert.equal(entry.result?.exitCode, 0, entry.error);
    assert.equal(rowOf(entry, 'model.jaffle.stg_orders')?.status, 'success');
  });

  test('Run with the cursor on a ref runs the referenced model', async () => {
    await openFile('models/marts/orders.sql', { text: "stg_orders'", cursorOnly: true });
    const entry = await runCommand('run');
    assert.deepEqual(entry.args, ['run', '--select', 'stg_orders']);
    assert.equal(entry.result?.exitCode, 0, entry.error);
  });

  test('Selected text is used as the selector', async () => {
    // A scratch file dbt does not read, holding a selector to select.
    writeFileSync(join(projectRoot(), 'notes.txt'), 'rerun later: stg_customers+\n');
    try {
      await openFile('notes.txt', { text: 'stg_customers+' });
      const entry = await runCommand('run');
      assert.deepEqual(entry.args, ['run', '--select', 'stg_customers+']);
      assert.equal(entry.result?.exitCode, 0, entry.error);
      assert.ok(rowOf(entry, 'model.jaffle.customers'), 'the child model ran too');
    } finally {
      await closeEditors();
      rmSync(join(projectRoot(), 'notes.txt'), { force: true });
    }
  });

  test('graph variants: +model, model+, +model+', async () => {
    await openFile('models/staging/stg_customers.sql');
    const up = await runCommand('runUpstream');
    assert.deepEqual(up.args, ['run', '--select', '+stg_customers']);
    const down = await runCommand('runDownstream');
    assert.deepEqual(down.args, ['run', '--select', 'stg_customers+']);
    assert.ok(rowOf(down, 'model.jaffle.customers'));
    const both = await runCommand('buildUpAndDownstream');
    assert.deepEqual(both.args, ['build', '--select', '+stg_customers+', '--use-fast-test-edges']);
    assert.ok(rowOf(both, 'seed.jaffle.raw_customers'), 'the parent seed was built');
  });

  test('full refresh variant adds --full-refresh', async () => {
    await openFile('models/marts/order_events.sql');
    const entry = await runCommand('runFullRefresh');
    assert.deepEqual(entry.args, ['run', '--select', 'order_events', '--full-refresh']);
    assert.equal(entry.result?.exitCode, 0, entry.error);
  });

  test('a folder from the explorer runs by path', async () => {
    const folder = fileUri('models/staging');
    const entry = await runCommand('run', folder, [folder]);
    assert.deepEqual(entry.args, ['run', '--select', 'path:models/staging']);
    assert.deepEqual(
      entry.rows.map((r) => r.name).sort(),
      ['stg_customers', 'stg_orders', 'stg_payments'],
    );
  });

  test('several explorer files run together', async () => {
    const a = fileUri('models/staging/stg_orders.sql');
    const b = fileUri('models/staging/stg_payments.sql');
    const entry = await runCommand('compile', a, [a, b]);
    assert.deepEqual(entry.args, ['compile', '--select', 'path:models/staging/stg_orders.sql', 'path:models/staging/stg_payments.sql']);
    assert.equal(entry.result?.output.kind, 'compile');
  });

  test('Test on a model tests it', async () => {
    await openFile('models/staging/stg_customers.sql');
    const entry = await runCommand('test');
    assert.deepEqual(entry.args, ['test', '--select', 'stg_customers']);
    assert.equal(entry.result?.exitCode, 0, entry.error);
    assert.ok(entry.rows.some((r) => r.uniqueId === PASSING_TESTS.stgCustomersIdUnique));
  });

  test('Compile shows the compiled SQL', async () => {
    await openFile('models/marts/orders.sql');
    const entry = await runCommand('compile');
    assert.deepEqual(entry.args, ['compile', '--select', 'orders', '--indirect-selection', 'empty']);
    assert.equal(entry.result?.output.kind, 'compile');
    const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === 'dbt-compiled');
    assert.ok(shown, 'a compiled SQL editor is open');
    assert.match(shown.document.getText(), /from .*stg_orders/i);
    assert.doesNotMatch(shown.document.getText(), /\{\{/);
  });

  test('Preview shows rows of the model in a table', async () => {
    await openFile('models/staging/stg_customers.sql');
    const entry = await runCommand('show');
    assert.deepEqual(entry.args, ['show', '--select', 'stg_customers', '--limit', '100', '--indirect-selection', 'empty']);
    const shown = api.results.lastShown;
    assert.ok(shown, 'a preview was shown');
    assert.deepEqual(shown.columns.map((c) => [c.name, c.type]), [['customer_id', 'integer'], ['first_name', 'text'], ['last_name', 'text'], ['email', 'text']]);
    assert.equal(shown.rows.length, 30);
    assert.equal(shown.limit, 100);
    assert.equal(shown.error, undefined);
  });

  test('project-wide commands: parse, list, debug, source freshness, docs generate', async () => {
    const parse = await runCommand('parse');
    assert.deepEqual(parse.args, ['parse']);
    assert.equal(parse.result?.exitCode, 0, parse.error);
    await openFile('models/marts/customers.sql');
    const list = await runCommand('list');
    assert.deepEqual(list.args, ['list', '--select', 'customers']);
    assert.equal(list.result?.output.kind, 'list');
    assert.ok(list.result.output.kind === 'list' && list.result.output.items.includes('jaffle.marts.customers'));
    const debug = await runCommand('debug');
    assert.deepEqual(debug.args, ['debug']);
    assert.deepEqual(debug.result?.output, { kind: 'debug', ok: true });
    const freshness = await runCommand('sourceFreshness');
    assert.deepEqual(freshness.args, ['source', 'freshness']);
    assert.equal(freshness.result?.output.kind, 'freshness');
    const docs = await runCommand('docsGenerate');
    assert.deepEqual(docs.args, ['docs', 'generate']);
    assert.equal(docs.result?.exitCode, 0, docs.error);
  });

  test('Run dbt command... passes free-form arguments literally', async () => {
    const entry = await runCommand('runCommand', `dbt ls --select "tag:nope" orders --output name --resource-type model`);
    assert.deepEqual(entry.args, ['ls', '--select', 'tag:nope', 'orders', '--output', 'name', '--resource-type', 'model']);
    assert.deepEqual(entry.result?.output, { kind: 'list', items: ['orders'] });
  });

  test('settings become arguments: target and extra args per command', async () => {
    const config = vscode.workspace.getConfiguration('dbtConductor');
    await config.update('target', 'ci', vscode.ConfigurationTarget.Workspace);
    await config.update('extraArgs', { seed: ['--full-refresh'] }, vscode.ConfigurationTarget.Workspace);
    try {
      await openFile('seeds/raw_orders.csv');
      const entry = await runCommand('seed');
      assert.deepEqual(entry.args, ['seed', '--select', 'raw_orders', '--target', 'ci', '--full-refresh']);
      assert.equal(entry.result?.exitCode, 0, entry.error);
      // The ci target writes to its own DuckDB file: another database than dev's.
      const ciRelation = entry.result?.nodes[0]?.relationName;
      assert.ok(ciRelation && devRelation, 'both runs name the relation');
      assert.notEqual(ciRelation, devRelation);
    } finally {
      await config.update('target', undefined, vscode.ConfigurationTarget.Workspace);
      await config.update('extraArgs', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
