// Views that never contradict each other or the truth, in a real workbench
// with real dbt: "Show Failing Rows" leaves a failing test failing; a test
// removed from YAML leaves Test Results, Problems and the Testing view; an
// edit marks results stale (outdated in the Testing view); Seed and Snapshot fit their target; "nothing to do" is a warning; a
// cancelled build lists what it never ran; a parse error sits on the model
// that caused it; deprecations are in Problems.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { NodeTreeElement } from '../../src/editor/nodeTree';
import type { TestTreeElement } from '../../src/editor/testTree';
import type { ConductorApi } from '../../src/extension';
import type { InvocationEntry } from '../../src/dbt/treeModel';
import { closeEditors, conductor, ensureParsed, fileUri, lineOf, nextManifest, openFile, projectRoot, runCommand, seedProject, untilTreeShows, waitFor } from './helpers';
import { FAILING_TEST } from '../fixtures/lib/jaffleIds';

const SCHEMA = 'models/marts/schema.yml';

function testItem(api: ConductorApi, uniqueId: string): vscode.TreeItem | undefined {
  for (const g of api.testTree.getChildren()) {
    const t = api.testTree.getChildren(g).find((e) => e.kind === 'test' && e.test.uniqueId === uniqueId);
    if (t) return api.testTree.getTreeItem(t);
  }
  return undefined;
}

function failureInProblems(): vscode.Diagnostic | undefined {
  return vscode.languages.getDiagnostics(fileUri(SCHEMA)).find((d) => d.message.includes('accepted_values_orders_status'));
}

/** Writes a project file on disk (as an edit in another tool would) and returns a function that puts it back. */
function rewrite(rel: string, change: (text: string) => string): () => void {
  const path = fileUri(rel).fsPath;
  const text = readFileSync(path, 'utf8');
  writeFileSync(path, change(text));
  return () => writeFileSync(path, text);
}

suite('views that tell the truth', () => {
  let api: ConductorApi;

  suiteSetup(async () => {
    api = await conductor();
    await seedProject();
    await ensureParsed(api);
    const build = await runCommand('runCommand', 'build --select +orders');
    assert.equal(build.result?.exitCode, 1, build.error);
    await untilTreeShows(api.testTree, 'the failing test in Test Results', () => /^fail 1 · /.test(String(testItem(api, FAILING_TEST)?.label ?? '')));
  });

  teardown(closeEditors);

  test('Show Failing Rows leaves the test failing in Test Results and in Problems', async () => {
    const group = api.testTree.getChildren().find((g) => g.kind === 'group' && g.group.subject === 'model.jaffle.orders')!;
    const failing = api.testTree.getChildren(group).find((e): e is Extract<TestTreeElement, { kind: 'test' }> => e.kind === 'test' && e.test.uniqueId === FAILING_TEST)!;
    const shown = await runCommand('tests.showFailingRows', failing);
    assert.equal(shown.rows.find((r) => r.uniqueId === FAILING_TEST)?.status, 'success', 'dbt show of the test succeeded');
    // The view re-read the tests when the invocation ended (before the command returned).
    await untilTreeShows(api.testTree, 'the view to settle', () => /^fail 1 · /.test(String(testItem(api, FAILING_TEST)?.label)));
    assert.equal(api.host.history.tests.get(projectRoot(), FAILING_TEST)?.outcome, 'fail');
    assert.equal(failureInProblems()?.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(api.testExplorer.outcomes.get(`${projectRoot()}#${FAILING_TEST}`)?.state, 'failed', 'the Testing view');
  });

  test('an edit of the test\'s file marks its result stale, in both views', async () => {
    const restore = rewrite(SCHEMA, (t) => `${t}\n`);
    try {
      await untilTreeShows(api.testTree, 'the stale mark in Test Results', () => /\(stale\)/.test(String(testItem(api, FAILING_TEST)?.label ?? '')));
      await waitFor('the stale mark in Problems', () => /stale/.test(failureInProblems()?.message ?? ''));
      await waitFor('the result marked outdated in the Testing view', () => api.testExplorer.outdated.has(`${projectRoot()}#${FAILING_TEST}`));
    } finally {
      restore();
    }
  });

  test('a test removed from the YAML leaves Test Results and Problems', async () => {
    const parsed = nextManifest(api);
    const restore = rewrite(SCHEMA, (t) => t.replace(/\n +data_tests:\n +# FAILS.*\n +- accepted_values:\n +values: \[.*\]\n/, '\n'));
    try {
      await parsed;
      await untilTreeShows(api.testTree, 'the test to leave Test Results', () => testItem(api, FAILING_TEST) === undefined);
      assert.equal(failureInProblems(), undefined);
      assert.equal(api.testExplorer.testItem(projectRoot(), FAILING_TEST), undefined, 'the Testing view');
    } finally {
      const back = nextManifest(api);
      restore();
      await back;
    }
  });

  test('Seed and Snapshot with a model open run on the seeds and snapshots, not on the model', async () => {
    await openFile('models/marts/customers.sql');
    const seed = await runCommand('seed');
    assert.deepEqual(seed.args, ['seed']);
    assert.deepEqual(seed.rows.map((r) => r.name).sort(), ['raw_customers', 'raw_orders', 'raw_payments']);
    const snapshot = await runCommand('snapshot');
    assert.deepEqual(snapshot.args, ['snapshot']);
    assert.deepEqual(snapshot.rows.map((r) => r.resourceType), ['snapshot']);
  });

  test('"nothing to do" is a warning in the tree, not a success', async () => {
    const entry = await runCommand('runCommand', 'run --select no_such_model');
    assert.equal(entry.result?.success, true, 'dbt calls it a success');
    assert.equal(entry.status, 'nothing');
    const el = api.nodeTree.getChildren().find((e) => e.kind === 'invocation' && e.entry === entry)!;
    const item = api.nodeTree.getTreeItem(el);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'warning');
    assert.match(String(item.description), /^nothing to do/);
  });

  test('a cancelled build says cancelled, keeps what finished and lists the nodes it never ran', async () => {
    const running = vscode.commands.executeCommand<InvocationEntry | undefined>('dbtConductor.runCommand', 'build --threads 1 --vars "{slow: true}"');
    await waitFor('slow_model to be running', () => api.host.history.list()[0]?.rows.some((r) => r.name === 'slow_model' && r.status === 'running'), 180_000);
    assert.equal(await vscode.commands.executeCommand('dbtConductor.cancel'), 1);
    const entry = (await running)!;
    assert.equal(entry.status, 'cancelled');
    const notRun = entry.rows.filter((r) => r.status === 'not run');
    assert.ok(notRun.length > 0, `rows: ${entry.rows.map((r) => `${r.name}=${r.status}`).join(', ')}`);
    assert.ok(notRun.every((r) => r.uniqueId.split('.')[1] === 'jaffle'));
    assert.ok(!notRun.some((r) => r.name === 'int_order_payments'), 'an ephemeral model never runs: not listed');
    const el = api.nodeTree.getChildren().find((e): e is Extract<NodeTreeElement, { kind: 'invocation' }> => e.kind === 'invocation' && e.entry === entry)!;
    const description = String(api.nodeTree.getTreeItem(el).description);
    assert.match(description, new RegExp(`^cancelled · .*\\b${notRun.length} not run\\b`));
    const row = api.nodeTree.getChildren(el).find((e) => e.kind === 'node' && e.row.status === 'not run')!;
    assert.match(String(api.nodeTree.getTreeItem(row).label), /^not run {2}/);
  });

  test('a parse error from an unknown ref sits on the model, at the ref, not on dbt_project.yml', async () => {
    const rel = 'models/marts/customers.sql';
    const refLine = lineOf(rel, "ref('stg_customers')");
    const restore = rewrite(rel, (t) => t.replace("ref('stg_customers')", "ref('stg_customerz')"));
    try {
      await openFile(rel);
      const diag = await waitFor('the parse error on customers.sql', () => vscode.languages.getDiagnostics(fileUri(rel)).find((d) => d.code === 'parse-error'), 120_000);
      assert.match(diag.message, /stg_customerz/);
      assert.equal(diag.range.start.line, refLine);
      assert.deepEqual(vscode.languages.getDiagnostics(fileUri('dbt_project.yml')).filter((d) => d.code === 'parse-error'), []);
    } finally {
      const back = nextManifest(api);
      restore();
      await back;
    }
  });

  test("dbt's deprecation warnings are in Problems, on the YAML they are about", () => {
    const deprecation = vscode.languages.getDiagnostics(fileUri(SCHEMA)).find((d) => d.code === 'deprecation');
    assert.ok(deprecation, 'a deprecation warning on the marts schema');
    assert.equal(deprecation.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(deprecation.message, /^MissingArgumentsPropertyInGenericTestDeprecation/);
  });
});
