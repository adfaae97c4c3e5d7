// A real `dbt build` of the fixture: the Invocations tree fills in live and
// ends with every node's status; the Test Results tree groups the tests by
// model with the failing one first, opens its YAML line in one click and
// shows its failing rows; the Problems view has the failure on that line.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { NodeTreeElement } from '../../src/editor/nodeTree';
import type { TestTreeElement } from '../../src/editor/testTree';
import type { ConductorApi } from '../../src/extension';
import type { InvocationEntry, NodeStatus } from '../../src/dbt/treeModel';
import { closeEditors, conductor, ensureParsed, fileUri, lineOf, projectRoot, runCommand, untilTreeShows, waitFor } from './helpers';
import { FAILING_TEST, WARNING_TEST } from '../fixtures/lib/jaffleIds';

suite('trees after a real build', () => {
  let api: ConductorApi;
  let build: InvocationEntry;
  /** Every status a node of the build had after each of its events (the model the views render). */
  const seen = new Map<string, Set<NodeStatus>>();
  /** Rows the views could show at refreshes that came while the build was still running. */
  let rowsAtLiveRefreshes = 0;

  suiteSetup(async () => {
    api = await conductor();
    await ensureParsed(api);
    // Per event, not per refresh: refreshes are batched (150 ms), and a fast
    // node can start and finish between two of them.
    const history = api.host.history;
    const event = history.event;
    history.event = (entry, raw) => {
      event.call(history, entry, raw);
      if (entry.label !== 'dbt build') return;
      for (const row of entry.rows) {
        let s = seen.get(row.uniqueId);
        if (!s) seen.set(row.uniqueId, (s = new Set()));
        s.add(row.status);
      }
    };
    const watch = api.host.onDidChange(() => {
      const top = api.host.history.list()[0];
      if (top?.label === 'dbt build' && top.status === 'running') rowsAtLiveRefreshes = Math.max(rowsAtLiveRefreshes, top.rows.length);
    });
    try {
      build = await runCommand('buildProject');
    } finally {
      history.event = event;
      watch.dispose();
    }
  });

  teardown(closeEditors);

  test('the build ran for real and failed on the failing test only', () => {
    assert.deepEqual(build.args, ['build', '--use-fast-test-edges']);
    assert.equal(build.result?.exitCode, 1, build.error);
    assert.equal(build.status, 'failed');
    const bad = build.rows.filter((r) => r.status === 'error' || r.status === 'fail').map((r) => r.uniqueId);
    assert.deepEqual(bad, [FAILING_TEST]);
  });

  test('statuses filled in live: nodes were seen running before they finished', () => {
    const orders = seen.get('model.jaffle.orders');
    assert.ok(orders, 'the view saw orders while the build ran');
    assert.ok(orders.has('running'), `orders was seen as ${[...orders].join(', ')}`);
    assert.ok([...seen.values()].filter((s) => s.has('running')).length >= 5, 'several nodes were seen running');
    assert.ok(rowsAtLiveRefreshes > 0, 'the views were refreshed with nodes while the build still ran');
  });

  test('the Invocations tree shows the build with its nodes, statuses, durations and rows', () => {
    const roots = api.nodeTree.getChildren();
    const top = roots[0] as Extract<NodeTreeElement, { kind: 'invocation' }>;
    assert.equal(top.entry, build);
    const topItem = api.nodeTree.getTreeItem(top);
    assert.equal(topItem.label, 'dbt build');
    // dbt's words, the same as Test Results: a failing test is a fail, not an error.
    assert.match(String(topItem.description), /\b1 fail\b/);
    assert.doesNotMatch(String(topItem.description), /error/);
    const nodes = api.nodeTree.getChildren(top) as Extract<NodeTreeElement, { kind: 'node' }>[];
    assert.equal(nodes.length, build.rows.length);
    const seedEl = nodes.find((n) => n.row.uniqueId === 'seed.jaffle.raw_customers')!;
    const seedItem = api.nodeTree.getTreeItem(seedEl);
    // Outcome and time first, so a narrow side bar cuts the name, not them.
    assert.match(String(seedItem.label), /^pass · \d+\.\d\d s {2}raw_customers$/);
    assert.match(String(seedItem.description), /30 rows/);
    assert.equal((seedItem.iconPath as vscode.ThemeIcon).id, 'pass');
    const failing = api.nodeTree.getTreeItem(nodes.find((n) => n.row.uniqueId === FAILING_TEST)!);
    assert.equal((failing.iconPath as vscode.ThemeIcon).id, 'error');
    assert.match(String(failing.label), /^fail 1 · /);
    const warning = api.nodeTree.getTreeItem(nodes.find((n) => n.row.uniqueId === WARNING_TEST)!);
    assert.equal((warning.iconPath as vscode.ThemeIcon).id, 'warning');
  });

  test('clicking a node opens its file', async () => {
    const top = api.nodeTree.getChildren()[0]!;
    const orders = (api.nodeTree.getChildren(top) as Extract<NodeTreeElement, { kind: 'node' }>[]).find((n) => n.row.name === 'orders')!;
    const item = api.nodeTree.getTreeItem(orders);
    assert.ok(item.command);
    await vscode.commands.executeCommand(item.command.command, ...(item.command.arguments ?? []));
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, fileUri('models/marts/orders.sql').fsPath);
  });

  test('the inline action opens a node\'s compiled SQL', async () => {
    const top = api.nodeTree.getChildren().find((e) => e.kind === 'invocation' && e.entry === build)!;
    const orders = (api.nodeTree.getChildren(top) as Extract<NodeTreeElement, { kind: 'node' }>[]).find((n) => n.row.name === 'orders')!;
    assert.match(String(api.nodeTree.getTreeItem(orders).contextValue), /compilable/);
    await vscode.commands.executeCommand('dbtConductor.tree.openCompiled', orders);
    const editor = await waitFor('a compiled SQL editor', () => vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === 'dbt-compiled' && e.document.uri.path.includes('orders')));
    assert.match(editor.document.getText(), /from .*stg_orders/i);
    assert.doesNotMatch(editor.document.getText(), /\{\{/);
  });

  test('the Test Results tree groups tests by model, failing group first', async () => {
    const groups = await waitForGroups(api);
    const first = groups[0] as Extract<TestTreeElement, { kind: 'group' }>;
    assert.equal(first.group.subject, 'model.jaffle.orders');
    const item = api.testTree.getTreeItem(first);
    assert.equal(item.label, 'orders');
    assert.match(String(item.description), /1 fail/);
    const tests = api.testTree.getChildren(first) as Extract<TestTreeElement, { kind: 'test' }>[];
    assert.equal(tests[0]!.test.uniqueId, FAILING_TEST, 'the failing test comes first');
    assert.match(String(api.testTree.getTreeItem(tests[0]!).label), /^fail 1 · /);
    const payments = groups.find((g) => g.kind === 'group' && g.group.subject === 'model.jaffle.stg_payments') as Extract<TestTreeElement, { kind: 'group' }>;
    assert.ok(payments, 'stg_payments has a group');
    assert.equal(payments.group.counts.warn, 1);
    // The unit test is grouped under its model too.
    assert.ok(payments.group.tests.some((t) => t.resourceType === 'unit_test'));
  });

  test('the Test Results view is redrawn only when what it shows changed', async () => {
    await waitForGroups(api);
    let redraws = 0;
    const listener = api.testTree.onDidChangeTreeData(() => redraws++);
    try {
      // The refresh re-reads the tests (at once, or batched within 300 ms): read the count once it has.
      const shown = api.testTree.currentGroups();
      api.testTree.refresh();
      await waitFor('the refresh to re-read the tests', () => api.testTree.currentGroups() !== shown);
      assert.equal(redraws, 0, 'nothing changed in the tests: no redraw that could swallow a click');
      api.testTree.refresh(true);
      await waitFor('a redraw after a manifest change (group names come from it)', () => redraws > 0 || undefined);
    } finally {
      listener.dispose();
    }
  });

  test('one click on the failing test opens its YAML line', async () => {
    const groups = await waitForGroups(api);
    const failing = (api.testTree.getChildren(groups[0]) as Extract<TestTreeElement, { kind: 'test' }>[])[0]!;
    const item = api.testTree.getTreeItem(failing);
    assert.ok(item.command);
    await vscode.commands.executeCommand(item.command.command, ...(item.command.arguments ?? []));
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.fsPath, fileUri('models/marts/schema.yml').fsPath);
    const expected = lineOf('models/marts/schema.yml', '- accepted_values:', 'name: status');
    assert.equal(editor?.selection.active.line, expected);
  });

  test('"Show failing rows" runs dbt show on the test and shows the bad value', async () => {
    const groups = await waitForGroups(api);
    const failing = (api.testTree.getChildren(groups[0]) as Extract<TestTreeElement, { kind: 'test' }>[])[0]!;
    const entry = await runCommand('tests.showFailingRows', failing);
    assert.deepEqual(entry.args.slice(0, 3), ['show', '--select', failing.test.name]);
    const shown = api.results.lastShown;
    assert.ok(shown, 'a table was shown');
    assert.ok(shown.rows.some((row) => row.includes('unknown')), `rows: ${JSON.stringify(shown.rows)}`);
  });

  test('the failure is in Problems on the test line, and the warning as a warning', () => {
    const schema = vscode.languages.getDiagnostics(fileUri('models/marts/schema.yml'));
    const failure = schema.find((d) => d.message.includes('accepted_values_orders_status'));
    assert.ok(failure, `diagnostics: ${schema.map((d) => d.message).join(' | ')}`);
    assert.equal(failure.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(failure.range.start.line, lineOf('models/marts/schema.yml', '- accepted_values:', 'name: status'));
    const staging = vscode.languages.getDiagnostics(fileUri('models/staging/schema.yml'));
    const warning = staging.find((d) => d.message.includes('accepted_values_stg_payments'));
    assert.equal(warning?.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(warning?.range.start.line, lineOf('models/staging/schema.yml', '- accepted_values:', 'name: payment_method'));
  });

  test('re-running a node from the tree runs just that node', async () => {
    const top = api.nodeTree.getChildren().find((e) => e.kind === 'invocation' && e.entry === build)!;
    const stg = (api.nodeTree.getChildren(top) as Extract<NodeTreeElement, { kind: 'node' }>[]).find((n) => n.row.name === 'stg_orders')!;
    const entry = await runCommand('tree.rerunNode', stg);
    assert.deepEqual(entry.args, ['build', '--select', 'stg_orders', '--use-fast-test-edges']);
    assert.equal(entry.result?.exitCode, 0, entry.error);
  });

  test('a runtime error lands on its line, and clears when the model succeeds', async () => {
    const rel = 'models/broken/broken_runtime.sql';
    const failed = await runCommand('runCommand', `run --select broken_runtime --vars "{broken_runtime: true}"`);
    assert.equal(failed.result?.exitCode, 1);
    const diags = vscode.languages.getDiagnostics(fileUri(rel));
    assert.equal(diags.length, 1, diags.map((d) => d.message).join(' | '));
    assert.match(diags[0]!.message, /order_total/);
    assert.equal(diags[0]!.range.start.line, lineOf(rel, '    order_total'));
    // Fix the model (a real edit on disk), run it again: the problem goes away.
    const uri = fileUri(rel);
    const text = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
    await vscode.workspace.fs.writeFile(uri, Buffer.from(text.replace('    order_total\n', '    order_date\n')));
    try {
      const fixed = await runCommand('runCommand', `run --select broken_runtime --vars "{broken_runtime: true}"`);
      assert.equal(fixed.result?.exitCode, 0, fixed.error);
      assert.deepEqual(vscode.languages.getDiagnostics(fileUri(rel)), []);
    } finally {
      await vscode.workspace.fs.writeFile(uri, Buffer.from(text));
    }
  });
});

/** The Test Results groups, once the view shows this project's (it refreshes by itself after a build). */
function waitForGroups(api: ConductorApi): Promise<TestTreeElement[]> {
  const root = projectRoot();
  return untilTreeShows(api.testTree, "the Test Results tree to show the project's tests", () => {
    const groups = api.testTree.getChildren();
    return groups.length > 0 && groups.every((g) => g.kind === 'group' && g.group.projectRoot === root) && groups;
  });
}
