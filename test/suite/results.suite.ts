// Results you can work with, in a real workbench on real dbt: Run Selected
// SQL (a CTE, an error with its line, the history), export of the grid's
// rows, the dbt tests in the Testing view (after a parse, following the
// manifest, a run from the Testing API, the failure's row count and
// compiled SQL), and the timeline of a finished build with Retry failed.
import * as assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { InvocationEntry } from '../../src/dbt/treeModel';
import type { ConductorApi } from '../../src/extension';
import { closeEditors, conductor, ensureParsed, fileUri, lineOf, projectRoot, runCommand, waitFor } from './helpers';
import { FAILING_TEST, SINGULAR_TEST, UNIT_TEST } from '../fixtures/lib/jaffleIds';

async function untitled(sql: string, cursorAfter?: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument({ content: sql, language: 'sql' });
  const editor = await vscode.window.showTextDocument(doc);
  const at = cursorAfter === undefined ? undefined : doc.positionAt(sql.indexOf(cursorAfter) + cursorAfter.length);
  editor.selection = at ? new vscode.Selection(at, at) : new vscode.Selection(doc.positionAt(0), doc.positionAt(sql.length));
  return editor;
}

suite('results grid, Testing view and timeline', () => {
  let api: ConductorApi;
  let build: InvocationEntry;

  suiteSetup(async () => {
    api = await conductor();
    await ensureParsed(api);
    build = await runCommand('buildProject');
    assert.equal(build.result?.exitCode, 1, 'the fixture build has one failing test');
  });

  suiteTeardown(() => closeEditors());

  test('Run Selected SQL runs the CTE under the cursor, with column types, and keeps it in the history', async () => {
    await untitled("with o as (select * from {{ ref('raw_orders') }}),\nc as (select user_id, count(*) as n from o group by 1)\nselect 1", 'count(*)');
    const entry = await runCommand('runSelectedSql');
    assert.equal(entry.args[0], 'show');
    const shown = api.results.lastShown!;
    assert.equal(shown.title, 'Query: CTE c');
    assert.equal(shown.error, undefined);
    assert.deepEqual(shown.columns.map((c) => [c.name, c.type]), [['user_id', 'integer'], ['n', 'integer']]);
    assert.ok(shown.rows.length > 10);
    assert.match(api.queryHistory()[0]!.sql, /select \* from c$/);
  });

  test('a failing query shows dbt\'s message and the line in the query', async () => {
    await untitled("select 1 as a,\n  nope_col\nfrom {{ ref('raw_orders') }}");
    await runCommand('runSelectedSql');
    const shown = api.results.lastShown!;
    assert.ok(shown.error, 'an error is shown');
    assert.match(shown.error.message, /nope_col/);
    assert.equal(shown.error.line, 2);
    assert.equal(shown.rows.length, 0);
  });

  test('export writes the rows in the grid\'s order as CSV', async () => {
    await untitled("select user_id, count(*) as n from {{ ref('raw_orders') }} group by 1");
    await runCommand('runSelectedSql');
    const shown = api.results.lastShown!;
    const file = vscode.Uri.file(join(projectRoot(), 'target', 'export-test.csv'));
    await api.results.export(shown, 'csv', { sort: { column: 1, descending: true }, filters: { 1: '>= 2' } }, file);
    const lines = readFileSync(file.fsPath, 'utf8').trim().split('\r\n');
    assert.equal(lines[0], 'user_id,n');
    const counts = lines.slice(1).map((l) => Number(l.split(',')[1]));
    assert.ok(counts.length > 0 && counts.every((n) => n >= 2));
    assert.deepEqual(counts, [...counts].sort((a, b) => b - a));
  });

  test('the tests appear in the Testing view after a parse, at their definitions', () => {
    const failing = api.testExplorer.testItem(projectRoot(), FAILING_TEST);
    assert.ok(failing, 'the failing test has an item');
    assert.equal(failing.uri?.fsPath, fileUri('models/marts/schema.yml').fsPath);
    assert.equal(failing.range?.start.line, lineOf('models/marts/schema.yml', '- accepted_values:', 'name: status'));
    assert.equal(failing.parent?.label, 'orders');
    assert.equal(failing.parent?.parent?.id, projectRoot());
    const singular = api.testExplorer.testItem(projectRoot(), SINGULAR_TEST);
    assert.equal(singular?.uri?.fsPath, fileUri('tests/assert_order_amounts_are_not_negative.sql').fsPath);
    assert.ok(api.testExplorer.testItem(projectRoot(), UNIT_TEST), 'unit tests too');
  });

  test('the items follow the manifest: a test added, then removed, without a reload', async () => {
    const rel = 'tests/assert_added_by_the_host_test.sql';
    const id = 'test.jaffle.assert_added_by_the_host_test';
    writeFileSync(join(projectRoot(), rel), "select order_id from {{ ref('orders') }} where false\n");
    try {
      await runCommand('parse');
      const item = await waitFor('the new test in the Testing view', () => api.testExplorer.testItem(projectRoot(), id), 60_000);
      assert.equal(item.uri?.fsPath, fileUri(rel).fsPath);
      assert.equal(item.parent?.label, 'orders');
    } finally {
      rmSync(join(projectRoot(), rel), { force: true });
    }
    await runCommand('parse');
    await waitFor('the removed test to leave the Testing view', () => !api.testExplorer.testItem(projectRoot(), id) || undefined, 60_000);
    assert.ok(api.testExplorer.testItem(projectRoot(), FAILING_TEST), 'the other tests stay');
  });

  test('the build started from the palette was reported to the Testing view; Show Failing Rows leaves it', async () => {
    assert.equal(api.testExplorer.outcomes.get(`${projectRoot()}#${FAILING_TEST}`)?.state, 'failed');
    assert.equal(api.testExplorer.outcomes.get(`${projectRoot()}#${SINGULAR_TEST}`)?.state, 'passed');
    // What the failure message's link runs: a `dbt show` of the test, which succeeds and says nothing about the test.
    const name = FAILING_TEST.split('.')[2]!;
    const shown = await runCommand('show', { kind: 'node', projectRoot: projectRoot(), name, uniqueId: FAILING_TEST, resourceType: 'test' });
    assert.equal(shown.args[0], 'show');
    assert.equal(api.results.lastShown?.rows.length, 1, 'the one failing row');
    assert.equal(api.testExplorer.outcomes.get(`${projectRoot()}#${FAILING_TEST}`)?.state, 'failed');
  });

  test('running a test from the Testing API gives its outcome; a failure carries the failing-row count', async () => {
    const failing = api.testExplorer.testItem(projectRoot(), FAILING_TEST)!;
    const passing = api.testExplorer.testItem(projectRoot(), SINGULAR_TEST)!;
    api.testExplorer.outcomes.clear();
    await api.testExplorer.run('test', new vscode.TestRunRequest([failing, passing]), new vscode.CancellationTokenSource().token);
    const entry = api.host.history.list()[0]!;
    assert.deepEqual(entry.args.slice(0, 4), ['test', '--select', failing.label, passing.label]);
    const f = api.testExplorer.outcomes.get(failing.id)!;
    assert.equal(f.state, 'failed');
    assert.match(f.messages[0]!, /1 failing row/);
    assert.match(f.messages[0]!, /Show failing rows\]\(command:dbtConductor\.show\?/);
    // dbt's compiled SQL of the test, in the failure's message or (reported live, before dbt's result) in a second one.
    assert.match(f.messages.join('\n'), /\*\*Compiled SQL\*\*[\s\S]*```sql[\s\S]*'return_pending'/);
    assert.equal(api.testExplorer.outcomes.get(passing.id)?.state, 'passed');
  });

  test('Show Failing Rows on the failure (from Test Results) reports nothing to the Testing view, which keeps the failure', async () => {
    const root = projectRoot();
    const before = api.host.history.tests.get(root, FAILING_TEST);
    const reported = api.testExplorer.outcomes.get(`${root}#${FAILING_TEST}`);
    assert.equal(before?.outcome, 'fail');
    assert.equal(reported?.state, 'failed');
    const shown = await runCommand('tests.showFailingRows', { kind: 'test', test: before });
    assert.equal(shown.args[0], 'show');
    assert.equal(shown.rows.find((r) => r.uniqueId === FAILING_TEST)?.status, 'success', 'dbt show of the test succeeded');
    assert.equal(api.results.lastShown?.rows.length, 1, 'the one failing row');
    assert.equal(api.testExplorer.outcomes.get(`${root}#${FAILING_TEST}`), reported, 'no new Testing report');
    assert.deepEqual(api.host.history.tests.get(root, FAILING_TEST), before, 'the one test-result record is unchanged');
  });

  test('the timeline opens for the finished build, and Retry failed runs dbt retry', async () => {
    const content = await vscode.commands.executeCommand<Awaited<ReturnType<ConductorApi['timeline']['show']>>>('dbtConductor.showTimeline', { kind: 'invocation', entry: build });
    assert.ok(content, 'the timeline was shown');
    assert.equal(content.run.id, build.id);
    assert.ok(content.layout.lanes.length >= 1 && content.layout.lanes.every((l) => /Thread-\d/.test(l)), content.layout.lanes.join());
    assert.equal(content.layout.bars.length, build.rows.filter((r) => r.startedAt).length);
    const last = content.layout.bars.reduce((a, b) => (b.end > a.end ? b : a));
    assert.equal(content.layout.criticalPath[content.layout.criticalPath.length - 1], last.uniqueId);
    assert.equal(content.run.canRetry, true);
    // Later invocations wrote run_results.json since: the failed nodes are selected again.
    const retried = await vscode.commands.executeCommand<InvocationEntry>('dbtConductor.retryFailed', { kind: 'invocation', entry: build });
    assert.deepEqual(retried?.args.slice(0, 3), ['build', '--select', FAILING_TEST.split('.')[2]]);
    assert.equal(retried?.rows.find((r) => r.uniqueId === FAILING_TEST)?.status, 'fail');
    assert.equal(api.timeline.lastContent?.run.id, retried?.id, 'the timeline follows the retry');
    // The retry is the latest invocation: dbt's own retry reads its run_results.json.
    const again = await vscode.commands.executeCommand<InvocationEntry>('dbtConductor.retryFailed', { kind: 'invocation', entry: retried });
    assert.equal(again?.args[0], 'retry');
    assert.equal(again?.rows.find((r) => r.uniqueId === FAILING_TEST)?.status, 'fail');
    assert.equal(again?.rows.length, 1, 'only the failed test ran again');
  });
});
