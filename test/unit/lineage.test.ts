// The lineage graph model (src/dbt/lineage.ts) on the jaffle fixture's real
// manifest and on the real manifest of a generated 3,000-model project
// (bench/generate-project.ts, parsed once by dbt and cached in .cache/bench):
// neighbourhoods by level, expansion, clusters past the node budget, badges
// from recorded dbt runs, focus and lock, search, the context-menu target,
// and the page's layout with package groups.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generatedManifest } from '../../bench/lib/manifests';
import { badgesOf, lineageGraph, LineageFocus, runLookup, runRecords, searchNodes, type LineageGraph } from '../../src/dbt/lineage';
import { menuContext } from '../../src/dbt/lineageProtocol';
import { ManifestIndex } from '../../src/dbt/manifest';
import { InvocationHistory } from '../../src/dbt/treeModel';
import { layoutGraph } from '../../src/webview/lineage/layout';
import { loadStream, resultOf, type Stream } from './eventStreams';
import { jaffleIndex, jaffleManifest } from './server-fixture';

const ids = (g: LineageGraph) => g.nodes.map((n) => n.id).sort();
const node = (g: LineageGraph, id: string) => g.nodes.find((n) => n.id === id);

void describe('lineage neighbourhood on the jaffle manifest', () => {
  const index = jaffleIndex();

  void it('one level each way: parents, children and exposures, no tests or unit tests as nodes', () => {
    const g = lineageGraph(index, { focus: 'model.jaffle.orders', upstream: 1, downstream: 1 });
    assert.deepEqual(ids(g), ['exposure.jaffle.weekly_revenue_dashboard', 'model.jaffle.int_order_payments', 'model.jaffle.orders', 'model.jaffle.stg_orders']);
    assert.deepEqual(
      g.edges.map((e) => e.join(' -> ')).sort(),
      ['model.jaffle.int_order_payments -> model.jaffle.orders', 'model.jaffle.orders -> exposure.jaffle.weekly_revenue_dashboard', 'model.jaffle.stg_orders -> model.jaffle.orders'],
    );
    assert.equal(node(g, 'model.jaffle.orders')!.depth, 0);
    assert.equal(node(g, 'model.jaffle.stg_orders')!.depth, -1);
    assert.equal(node(g, 'exposure.jaffle.weekly_revenue_dashboard')!.depth, 1);
    // What is not drawn is counted, so the page can offer to expand it.
    assert.equal(node(g, 'model.jaffle.stg_orders')!.hiddenParents, 2);
    assert.equal(node(g, 'model.jaffle.stg_orders')!.hiddenChildren, 2, 'customers and order_events');
    assert.equal(node(g, 'model.jaffle.orders')!.tests, index.testsOf('model.jaffle.orders').length);
    assert.ok(node(g, 'model.jaffle.orders')!.tests >= 5);
    assert.equal(node(g, 'model.jaffle.orders')!.materialized, 'table');
    assert.equal(node(g, 'model.jaffle.orders')!.filePath, 'models/marts/orders.sql');
    assert.deepEqual(g.reachable, { up: 2, down: 1 });
  });

  void it('two levels up reach the seeds and sources; "all" equals the ancestors in parent_map', () => {
    const two = lineageGraph(index, { focus: 'model.jaffle.orders', upstream: 2, downstream: 0 });
    assert.equal(node(two, 'source.jaffle.raw.raw_orders')!.depth, -2);
    assert.equal(node(two, 'model.jaffle.stg_payments')!.depth, -2);
    assert.equal(node(two, 'source.jaffle.raw.raw_orders')!.label, 'raw.raw_orders');
    assert.equal(node(two, 'source.jaffle.raw.raw_orders')!.selector, 'source:raw.raw_orders');
    const all = lineageGraph(index, { focus: 'model.jaffle.customers', upstream: 'all', downstream: 'all' });
    const raw = jaffleManifest() as { parent_map: Record<string, string[]> };
    const ancestors = new Set<string>();
    const walk = (id: string) => {
      for (const p of raw.parent_map[id] ?? []) if (!ancestors.has(p)) walk((ancestors.add(p), p));
    };
    walk('model.jaffle.customers');
    assert.deepEqual(all.nodes.filter((n) => n.depth < 0).map((n) => n.id).sort(), [...ancestors].sort());
    assert.ok(all.nodes.every((n) => !n.cluster), 'no clusters under the budget');
  });

  void it('expanding a node adds its next level only', () => {
    const g = lineageGraph(index, { focus: 'model.jaffle.orders', upstream: 1, downstream: 0, expandedUp: new Set(['model.jaffle.int_order_payments']) });
    assert.equal(node(g, 'model.jaffle.stg_payments')!.depth, -2);
    assert.equal(node(g, 'seed.jaffle.raw_payments'), undefined, 'stg_payments itself is not expanded');
    assert.equal(node(g, 'model.jaffle.int_order_payments')!.hiddenParents, 0);
  });

  void it('centres on sources, seeds, snapshots and exposures, and refuses tests', () => {
    const src = lineageGraph(index, { focus: 'source.jaffle.raw.raw_customers', upstream: 2, downstream: 1 });
    assert.deepEqual(src.nodes.filter((n) => n.depth === 1).map((n) => n.id).sort(), ['model.jaffle.stg_customers', 'snapshot.jaffle.customers_snapshot']);
    const exposure = lineageGraph(index, { focus: 'exposure.jaffle.weekly_revenue_dashboard', upstream: 1, downstream: 1 });
    assert.deepEqual(ids(exposure), ['exposure.jaffle.weekly_revenue_dashboard', 'model.jaffle.customers', 'model.jaffle.orders']);
    assert.equal(node(exposure, 'exposure.jaffle.weekly_revenue_dashboard')!.selector, 'exposure:weekly_revenue_dashboard');
    const testId = index.testsOf('model.jaffle.orders')[0]!.uniqueId;
    assert.throws(() => lineageGraph(index, { focus: testId, upstream: 1, downstream: 1 }), /not a model, seed, snapshot, source or exposure/);
  });

  void it('a small budget turns the rest into one cluster per side and level, with counts by type', () => {
    const g = lineageGraph(index, { focus: 'model.jaffle.orders', upstream: 'all', downstream: 'all', maxNodes: 3 });
    const drawn = g.nodes.filter((n) => !n.cluster);
    const clusters = g.nodes.filter((n) => n.cluster);
    assert.equal(drawn.length, 3);
    assert.equal(drawn.length - 1 + clusters.reduce((s, c) => s + c.cluster!.count, 0), g.reachable.up + g.reachable.down);
    const up2 = clusters.find((c) => c.id === 'cluster:up:2')!;
    assert.equal(up2.cluster!.direction, 'up');
    assert.deepEqual(up2.cluster!.byType, { model: 1, seed: 1, source: 1 });
    assert.match(up2.label, /^3 more upstream \(level 2\)$/);
    for (const [a, b] of g.edges) assert.ok(node(g, a) && node(g, b), `edge ${a} -> ${b} joins drawn boxes`);
  });
});

void describe('lineage on a generated 3,000-model project', () => {
  let index: ManifestIndex;
  let raw: { parent_map: Record<string, string[]>; child_map: Record<string, string[]> };

  before(async () => {
    raw = JSON.parse(readFileSync(await generatedManifest(3000), 'utf8')) as typeof raw;
    index = new ManifestIndex(raw);
  });

  /** Nodes within `levels` of `focus` in one direction, by plain BFS over dbt's own maps (tests left out). */
  function bfs(focus: string, map: Record<string, string[]>, levels: number): Map<string, number> {
    const dist = new Map<string, number>([[focus, 0]]);
    let frontier = [focus];
    for (let d = 1; d <= levels; d++) {
      frontier = frontier.flatMap((id) => (map[id] ?? []).filter((n) => !n.startsWith('test.') && !dist.has(n) && (dist.set(n, d), true)));
    }
    dist.delete(focus);
    return dist;
  }

  void it('a 2-level neighbourhood is exactly the nodes two steps away in parent_map and child_map', () => {
    const models = [...index.projectModels()];
    assert.ok(models.length >= 3000);
    // A model in the middle of the DAG, with parents and children.
    const focus = models.find((m) => index.parents(m.uniqueId).length >= 2 && index.children(m.uniqueId).filter((c) => !c.startsWith('test.')).length >= 2 && !m.name.startsWith('stg_'))!;
    const g = lineageGraph(index, { focus: focus.uniqueId, upstream: 2, downstream: 2 });
    const up = bfs(focus.uniqueId, raw.parent_map, 2);
    const down = bfs(focus.uniqueId, raw.child_map, 2);
    assert.deepEqual(g.nodes.filter((n) => n.depth < 0).map((n) => [n.id, -n.depth]).sort(), [...up].sort());
    assert.deepEqual(g.nodes.filter((n) => n.depth > 0).map((n) => [n.id, n.depth]).sort(), [...down].sort());
    assert.deepEqual(g.reachable, { up: up.size, down: down.size });
  });

  void it('"all" from a staging model degrades to at most the budget of boxes plus a cluster per level, counting every node', () => {
    const g = lineageGraph(index, { focus: 'model.synthetic.stg_customers', upstream: 'all', downstream: 'all', maxNodes: 150 });
    const drawn = g.nodes.filter((n) => !n.cluster);
    const clusters = g.nodes.filter((n) => n.cluster);
    assert.ok(g.reachable.down > 1000, `stg_customers feeds most of the project (${g.reachable.down})`);
    assert.equal(drawn.length, 150);
    assert.ok(clusters.length > 0 && clusters.length <= 30, `${clusters.length} clusters`);
    assert.equal(drawn.length - 1 + clusters.reduce((s, c) => s + c.cluster!.count, 0), g.reachable.up + g.reachable.down);
    const nodeIds = new Set(g.nodes.map((n) => n.id));
    for (const [a, b] of g.edges) assert.ok(nodeIds.has(a) && nodeIds.has(b));
    // Drawn nodes are the nearest ones: no drawn node is further than a clustered level that still has room.
    const maxDrawn = Math.max(...drawn.map((n) => Math.abs(n.depth)));
    const minClustered = Math.min(...clusters.map((c) => Math.abs(c.depth)));
    assert.ok(maxDrawn <= minClustered, `drawn up to level ${maxDrawn}, clusters from level ${minClustered}`);
  });

  void it('lays out the budgeted "all" graph, parents left of their children', () => {
    const g = lineageGraph(index, { focus: 'model.synthetic.stg_orders', upstream: 'all', downstream: 'all' });
    const laid = layoutGraph(g, (t) => t.length * 7, false);
    assert.equal(laid.boxes.size, g.nodes.length);
    for (const [a, b] of g.edges) assert.ok(laid.boxes.get(a)!.x < laid.boxes.get(b)!.x, `${a} left of ${b}`);
  });
});

void describe('lineage badges from the invocation history (recorded dbt runs)', () => {
  const index = jaffleIndex();
  const graph = lineageGraph(index, { focus: 'model.jaffle.orders', upstream: 2, downstream: 1 });

  function replay(history: InvocationHistory, stream: Stream, upTo = stream.events.length) {
    const entry = history.start({ label: stream.args.join(' '), args: stream.args, projectRoot: '/p', projectName: 'jaffle' });
    for (const e of stream.events.slice(0, upTo)) history.event(entry, e);
    if (upTo === stream.events.length) history.finish(entry, resultOf(stream));
    return entry;
  }

  void it('a finished build: last status and duration per node, tests by their worst last outcome', () => {
    const history = new InvocationHistory();
    replay(history, loadStream('build'));
    const badges = badgesOf(index, graph, runLookup(runRecords(history.list()), '/p'));
    assert.equal(badges['model.jaffle.orders']!.run!.status, 'success');
    assert.ok(badges['model.jaffle.orders']!.run!.durationSeconds! > 0);
    assert.equal(badges['model.jaffle.orders']!.tests!.outcome, 'fail', 'accepted_values on orders.status fails');
    assert.equal(badges['model.jaffle.stg_payments']!.tests!.outcome, 'warn', 'the payment_method test warns');
    assert.equal(badges['model.jaffle.stg_orders']!.tests, undefined, 'stg_orders has no tests');
    assert.equal(badges['source.jaffle.raw.raw_orders']!.run, undefined, 'a build does not run sources');
    assert.equal(runLookup(runRecords(history.list()), '/elsewhere')('model.jaffle.orders'), undefined, 'other projects are not mixed in');
  });

  void it('during a run: running nodes show as running, the newest invocation wins', () => {
    const history = new InvocationHistory();
    replay(history, loadStream('build'));
    const run = loadStream('run_one');
    const started = run.events.findIndex((e) => (e as { info?: { name?: string } }).info?.name === 'NodeStart');
    assert.ok(started > 0);
    replay(history, run, started + 1);
    const live = badgesOf(index, graph, runLookup(runRecords(history.list()), '/p'));
    assert.equal(live['model.jaffle.orders']!.run!.status, 'running');
    assert.equal(live['model.jaffle.stg_orders']!.run!.status, 'success', 'not in the new run: the build is still its last run');
    assert.equal(live['model.jaffle.orders']!.tests!.outcome, 'fail', 'the tests were not run again');
  });

  void it('a show of the failing test (its failing rows) leaves its badge failing, as in Test Results', () => {
    const history = new InvocationHistory();
    replay(history, loadStream('build'));
    replay(history, loadStream('show_failing_test'));
    const badges = badgesOf(index, graph, runLookup(runRecords(history.list()), '/p'));
    assert.equal(badges['model.jaffle.orders']!.tests!.outcome, 'fail');
  });
});

void describe('lineage focus, search and the context-menu target', () => {
  const index = jaffleIndex();

  void it('follows the editor until locked; an explicit request moves a locked focus', () => {
    const f = new LineageFocus();
    f.setLocked(true);
    assert.equal(f.locked, false, 'nothing to lock yet');
    assert.equal(f.follow('model.jaffle.orders'), true);
    assert.equal(f.follow('model.jaffle.orders'), false, 'same node: no change');
    assert.equal(f.follow(undefined), false, 'a file that is no node keeps the graph');
    f.setLocked(true);
    assert.equal(f.follow('model.jaffle.customers'), false);
    assert.equal(f.focus, 'model.jaffle.orders');
    assert.equal(f.show('model.jaffle.customers'), true);
    assert.equal(f.focus, 'model.jaffle.customers');
    assert.equal(f.locked, true);
    f.setLocked(false);
    assert.equal(f.follow('model.jaffle.stg_orders'), true);
  });

  void it('search finds nodes by name, exact match first, never tests', () => {
    const hits = searchNodes(index, 'orders');
    assert.equal(hits[0]!.id, 'model.jaffle.orders');
    assert.ok(hits.some((h) => h.id === 'source.jaffle.raw.raw_orders' && h.label === 'raw.raw_orders'));
    assert.ok(hits.every((h) => h.resourceType !== 'test' && h.resourceType !== 'unit_test'));
    assert.deepEqual(searchNodes(index, '  '), []);
    assert.deepEqual(searchNodes(index, 'no_such_thing'), []);
  });

  void it('the menu runs on the clicked node, or on the whole selection when the click is inside it', () => {
    const g = lineageGraph(index, { focus: 'model.jaffle.orders', upstream: 2, downstream: 1 });
    const orders = node(g, 'model.jaffle.orders')!;
    const source = node(g, 'source.jaffle.raw.raw_orders')!;
    const stg = node(g, 'model.jaffle.stg_orders')!;
    assert.deepEqual(menuContext('/p', orders, []), {
      webviewSection: 'dbtLineageNode', preventDefaultContextMenuItems: true, projectRoot: '/p', kind: 'node', name: 'orders', uniqueId: 'model.jaffle.orders', resourceType: 'model', lineageKind: 'model',
    });
    assert.equal(menuContext('/p', source, []).selector, 'source:raw.raw_orders');
    assert.equal(menuContext('/p', source, []).kind, 'selector');
    const both = menuContext('/p', stg, [orders, stg]);
    assert.equal(both.kind, 'selector');
    assert.equal(both.selector, 'orders stg_orders');
    assert.equal(both.lineageKind, 'selection');
    assert.equal(menuContext('/p', source, [orders, stg]).selector, 'source:raw.raw_orders', 'a click outside the selection is about that node');
  });

  void it('the page groups nodes of other packages in one box per package', () => {
    const g = lineageGraph(index, { focus: 'model.jaffle.orders', upstream: 2, downstream: 1 });
    const moved = { ...g, nodes: g.nodes.map((n) => (n.id === 'model.jaffle.stg_orders' ? { ...n, packageName: 'jaffle_staging' } : n)) };
    const laid = layoutGraph(moved, (t) => t.length * 7, false);
    assert.equal(laid.groups.length, 1);
    const group = laid.groups[0]!;
    assert.equal(group.name, 'jaffle_staging');
    const box = laid.boxes.get('model.jaffle.stg_orders')!;
    assert.ok(box.x >= group.x && box.x + box.width <= group.x + group.width && box.y >= group.y && box.y + box.height <= group.y + group.height);
    assert.equal(layoutGraph(g, (t) => t.length * 7, false).groups.length, 0, 'the root project is not boxed');
  });
});
