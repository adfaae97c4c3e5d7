// The lineage panel in a real workbench: it opens on the active model and
// draws it (the page reports what it drew), follows the editor, stays put
// when locked, opens a node's file, and a run from the node's context menu
// turns the node's badge to the run's status. Also the model docs panel
// and the dbt docs site after a real `dbt docs generate`.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { menuContext } from '../../src/dbt/lineageProtocol';
import type { Rendered } from '../../src/editor/lineageView';
import type { LineageView } from '../../src/editor/lineageView';
import type { ConductorApi } from '../../src/extension';
import type { InvocationEntry } from '../../src/dbt/treeModel';
import { closeEditors, conductor, ensureParsed, fileUri, openFile, projectRoot, seedProject, waitFor } from './helpers';

/** Waits until the page has drawn a graph centred on `focus` (and, with `check`, showing what it checks). */
function drawn(view: LineageView, focus: string, check: (r: Rendered) => boolean = () => true): Promise<Rendered> {
  return waitFor(`the lineage page to draw ${focus}`, () => {
    const r = view.rendered;
    return r !== undefined && view.graph?.focus === focus && r.seq >= 1 && r.shown[focus] !== undefined && check(r) && r;
  }, 60_000);
}

suite('lineage panel and docs', () => {
  let api: ConductorApi;
  let view: LineageView;

  suiteSetup(async () => {
    api = await conductor();
    await ensureParsed(api);
    await seedProject();
    await closeEditors();
  });

  suiteTeardown(closeEditors);

  test('opens beside the editor on the active model and draws its neighbourhood', async () => {
    await openFile('models/marts/orders.sql');
    view = await vscode.commands.executeCommand<LineageView>('dbtConductor.showLineage');
    const r = await drawn(view, 'model.jaffle.orders');
    const ids = Object.keys(r.shown).sort();
    assert.deepEqual(ids, view.graph!.nodes.filter((n) => !n.cluster).map((n) => n.id).sort(), 'the page drew every node of the graph');
    assert.ok(ids.includes('model.jaffle.stg_orders') && ids.includes('exposure.jaffle.weekly_revenue_dashboard'));
    assert.equal(r.nodes, view.graph!.nodes.length);
  });

  test('follows the active editor, and a lock keeps it on its node', async () => {
    await openFile('models/marts/customers.sql');
    await drawn(view, 'model.jaffle.customers');
    // In schema YAML, the entry around the cursor.
    await openFile('models/staging/sources.yml', { text: 'raw_payments', cursorOnly: true });
    await drawn(view, 'source.jaffle.raw.raw_payments');
    await view.receive({ type: 'lock', locked: true });
    const seq = view.rendered!.seq;
    const editor = await openFile('models/staging/stg_orders.sql');
    await waitFor('stg_orders.sql to be the active editor', () => vscode.window.activeTextEditor === editor || vscode.window.activeTextEditor?.document.uri.fsPath === editor.document.uri.fsPath);
    assert.equal(api.lineage.activeNode(vscode.window.activeTextEditor)?.uniqueId, 'model.jaffle.stg_orders', 'the editor shows another node');
    assert.equal(view.graph?.focus, 'source.jaffle.raw.raw_payments', 'locked: the graph stays');
    assert.equal(view.rendered!.seq, seq, 'nothing was redrawn');
    await view.receive({ type: 'lock', locked: false });
    await openFile('models/marts/orders.sql');
    await drawn(view, 'model.jaffle.orders');
  });

  test('a click on a node opens its file', async () => {
    await view.receive({ type: 'lock', locked: true });
    await view.receive({ type: 'open', id: 'model.jaffle.stg_orders' });
    await waitFor('stg_orders.sql to open', () => vscode.window.activeTextEditor?.document.uri.fsPath === fileUri('models/staging/stg_orders.sql').fsPath);
    await view.receive({ type: 'lock', locked: false });
  });

  test("a run from a node's context menu updates the node's status on the page", async () => {
    await openFile('models/marts/orders.sql');
    await drawn(view, 'model.jaffle.orders');
    const stg = view.graph!.nodes.find((n) => n.id === 'model.jaffle.stg_orders')!;
    // What the page puts in data-vscode-context for a right-click on stg_orders; VS Code passes it to the menu's command.
    const context = { ...menuContext(projectRoot(), stg, []), webview: 'dbtConductor.lineage' };
    const before = view.rendered!.badgesSeq;
    const entry = await vscode.commands.executeCommand<InvocationEntry>('dbtConductor.run', context);
    assert.deepEqual(entry.args.slice(0, 3), ['run', '--select', 'stg_orders']);
    assert.equal(entry.result?.exitCode, 0, entry.error);
    const r = await drawn(view, 'model.jaffle.orders', (x) => x.badgesSeq > before && x.shown['model.jaffle.stg_orders'] === 'success');
    assert.equal(r.shown['model.jaffle.stg_orders'], 'success');
    // Several selected nodes run together. (Not orders: its parents include an ephemeral model, and a warm
    // run that selects one breaks the next build of orders in the same worker; see the lineage issue note.)
    await openFile('models/marts/customers.sql');
    await drawn(view, 'model.jaffle.customers');
    const customers = view.graph!.nodes.find((n) => n.id === 'model.jaffle.customers')!;
    const stgOrders = view.graph!.nodes.find((n) => n.id === 'model.jaffle.stg_orders')!;
    const both = await vscode.commands.executeCommand<InvocationEntry>('dbtConductor.runUpstream', { ...menuContext(projectRoot(), stgOrders, [customers, stgOrders]), webview: 'dbtConductor.lineage' });
    assert.deepEqual(both.args.slice(0, 4), ['run', '--select', '+customers', '+stg_orders']);
    assert.equal(both.result?.exitCode, 0, both.error);
  });

  test('the model docs panel shows description, columns with tests, and links', async () => {
    const shown = new Promise<string>((resolve) => api.modelDocs.onDidRender(resolve));
    assert.equal(await vscode.commands.executeCommand('dbtConductor.showModelDocs', { projectRoot: projectRoot(), uniqueId: 'model.jaffle.orders' }), true);
    assert.equal(await shown, 'model.jaffle.orders');
    const docs = api.modelDocs.docs!;
    assert.match(docs.description, /One row per order/);
    const status = docs.columns.find((c) => c.name === 'status')!;
    assert.match(status.description, /return_pending/, 'the docs block is in');
    assert.ok(status.tests.includes('accepted_values'));
    assert.deepEqual(docs.parents.map((p) => p.id).sort(), ['model.jaffle.int_order_payments', 'model.jaffle.stg_orders']);
    assert.ok(docs.facts.some(([k, v]) => k === 'materialized' && v === 'table'));
  });

  test('"dbt: Open Docs" generates the docs and shows the site with a policy that keeps it off the network', async () => {
    const ok = await vscode.commands.executeCommand<boolean>('dbtConductor.openDocs');
    assert.equal(ok, true);
    const panel = api.docsSite.panel!;
    const html = panel.webview.html;
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-[0-9a-f]+'/);
    assert.match(html, /<base href="[^"]+\/target\/">/);
    const policy = html.match(/content="([^"]+)"/)![1]!;
    assert.doesNotMatch(policy.split(panel.webview.cspSource).join(''), /https?:|\*/, 'no origin in the policy but the webview resource origin');
    // With the catalog written, the docs panel has column types from the warehouse.
    assert.equal(await vscode.commands.executeCommand('dbtConductor.showModelDocs', { projectRoot: projectRoot(), uniqueId: 'model.jaffle.stg_orders' }), true);
    assert.equal(api.modelDocs.docs?.typesFromCatalog, true);
  });
});
