import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { editDistance, indexManifestText, ManifestError, ManifestIndex, slimManifest, suggest, toEntry } from '../../src/dbt/manifest';
import { jaffleManifest } from './server-fixture';

type Json = Record<string, Record<string, Record<string, unknown>>>;

void describe('ManifestIndex on the jaffle fixture manifest (real dbt)', () => {
  const raw = jaffleManifest() as Json;
  const index = new ManifestIndex(raw);

  void it('counts what the manifest holds and reads its metadata', () => {
    const nodes = Object.values(raw.nodes);
    assert.equal(index.stats.nodes, nodes.length);
    assert.equal(index.stats.models, nodes.filter((n) => n.resource_type === 'model').length);
    assert.equal(index.stats.sources, Object.keys(raw.sources).length);
    assert.equal(index.stats.macros, Object.keys(raw.macros).length);
    assert.equal(index.stats.disabled, Object.values(raw.disabled).flat().length);
    assert.equal(index.stats.skipped, 0);
    assert.equal(index.projectName, 'jaffle');
    assert.equal(index.schemaVersion, 12);
    assert.deepEqual(index.warnings, []);
  });

  void it('finds every node by unique id, and by file', () => {
    for (const [id, n] of Object.entries(raw.nodes)) {
      assert.equal(index.get(id)?.name, n.name);
      assert.ok(index.entriesInFile(String(n.original_file_path)).some((e) => e.uniqueId === id), `${id} by file`);
    }
    const documented = index.entriesInFile('models/marts/schema.yml').map((e) => e.uniqueId);
    assert.ok(documented.includes('model.jaffle.orders'), 'models are also found by the YAML that documents them');
  });

  void it('resolves refs like dbt: by name, by package, disabled, unknown with suggestions', () => {
    const found = index.resolveRef('orders');
    assert.equal(found.kind, 'found');
    assert.equal(found.kind === 'found' && found.entry.uniqueId, 'model.jaffle.orders');
    assert.equal(index.resolveRef('orders', 'jaffle').kind, 'found');
    assert.equal(index.resolveRef('orders', 'other_pkg').kind, 'not-found');
    assert.equal(index.resolveRef('raw_orders').kind, 'found', 'seeds are refable');
    const disabled = index.resolveRef('broken_compile');
    assert.equal(disabled.kind, 'disabled');
    const missing = index.resolveRef('stg_ordrs');
    assert.equal(missing.kind, 'not-found');
    assert.equal(missing.kind === 'not-found' && missing.suggestions[0], 'stg_orders');
  });

  void it('resolves sources, with suggestions for the source and the table', () => {
    const s = index.resolveSource('raw', 'raw_orders');
    assert.equal(s.kind === 'found' && s.entry.uniqueId, 'source.jaffle.raw.raw_orders');
    const badSource = index.resolveSource('rw', 'raw_orders');
    assert.equal(badSource.kind, 'unknown-source');
    assert.deepEqual(badSource.kind === 'unknown-source' && badSource.suggestions, ['raw']);
    const badTable = index.resolveSource('raw', 'raw_order');
    assert.equal(badTable.kind, 'unknown-table');
    assert.equal(badTable.kind === 'unknown-table' && badTable.suggestions[0], 'raw_orders');
  });

  void it('resolves macros (project first, then dbt) and docs', () => {
    assert.equal(index.resolveMacro('cents_to_dollars')?.packageName, 'jaffle');
    assert.equal(index.resolveMacro('is_incremental')?.packageName, 'dbt');
    assert.equal(index.resolveMacro('is_incremental', 'jaffle'), null);
    assert.equal(index.resolveMacro('no_such_macro'), null);
    const doc = index.resolveDoc('order_status');
    assert.match(doc?.blockContents ?? '', /return_pending/);
    assert.equal(doc?.originalFilePath, 'models/docs.md');
  });

  void it('maps tests to the node they test, and keeps dbt lineage', () => {
    const tests = index.testsOf('model.jaffle.orders');
    // Generic tests name the node they are attached to; singular tests only depend on it.
    const testsOrders = (n: Record<string, unknown>) =>
      n.attached_node ? n.attached_node === 'model.jaffle.orders' : (n.depends_on as { nodes: string[] }).nodes.includes('model.jaffle.orders');
    const expected = Object.values(raw.nodes).filter((n) => n.resource_type === 'test' && testsOrders(n));
    assert.ok(tests.some((t) => t.name === 'assert_order_amounts_are_not_negative'), 'singular tests count too');
    assert.equal(tests.length, expected.length);
    assert.ok(tests.some((t) => t.testName === 'unique' && t.columnName === 'order_id'));
    assert.ok(index.testsOf('model.jaffle.stg_payments').some((t) => t.resourceType === 'unit_test'), 'unit tests count as tests');
    assert.deepEqual(index.parents('model.jaffle.orders'), raw.parent_map['model.jaffle.orders']);
    assert.deepEqual(index.children('model.jaffle.orders'), raw.child_map['model.jaffle.orders']);
  });

  void it('reads the slim projection the worker writes into the same index', () => {
    const slim = slimManifest(jaffleManifest());
    assert.ok(JSON.stringify(slim).length < JSON.stringify(raw).length / 2, 'slim is much smaller');
    const fromSlim = new ManifestIndex(slim);
    assert.deepEqual(fromSlim.stats, index.stats);
    for (const id of Object.keys(raw.nodes)) assert.deepEqual(fromSlim.get(id), index.get(id), id);
    for (const id of Object.keys(raw.sources)) assert.deepEqual(fromSlim.get(id), index.get(id), id);
    assert.deepEqual(fromSlim.get('macro.jaffle.cents_to_dollars'), index.get('macro.jaffle.cents_to_dollars'));
  });
});

void describe('ManifestIndex on bad input', () => {
  void it('rejects what is not a manifest with a clear error', () => {
    assert.throws(() => new ManifestIndex(null), ManifestError);
    assert.throws(() => new ManifestIndex([1, 2]), /not a JSON object/);
    assert.throws(() => new ManifestIndex({ metadata: {} }), /no "nodes" object/);
    assert.throws(() => indexManifestText('{"nodes": {"model.a.b": {"name": "b"'), SyntaxError);
  });

  void it('skips malformed entries, tolerates unknown keys and schema versions', () => {
    const raw = jaffleManifest() as Json;
    raw.metadata.dbt_schema_version = 'https://schemas.getdbt.com/dbt/manifest/v99.json' as never;
    raw.nodes['model.jaffle.bad'] = 42 as never;
    raw.nodes['model.jaffle.nameless'] = { resource_type: 'model' };
    raw.nodes['model.jaffle.orders'].some_future_key = { nested: true };
    (raw as Record<string, unknown>).future_section = { x: 1 };
    const index = new ManifestIndex(raw);
    assert.equal(index.stats.skipped, 2);
    assert.equal(index.warnings.length, 2);
    assert.match(index.warnings[0], /schema v99/);
    assert.match(index.warnings[1], /skipped 2 malformed/);
    assert.equal(index.resolveRef('orders').kind, 'found');
  });

  void it('reads refs in the pre-1.5 list form and computes lineage when the maps are missing', () => {
    const e = toEntry({ name: 'm', refs: [['pkg', 'a'], ['b']], depends_on: { nodes: ['model.p.a'] } }, 'model.p.m', 'model');
    assert.deepEqual(e?.refs, [
      { name: 'a', package: 'pkg', version: null },
      { name: 'b', package: null, version: null },
    ]);
    const raw = jaffleManifest() as Json;
    const expected = raw.parent_map['model.jaffle.orders'];
    delete (raw as Record<string, unknown>).parent_map;
    delete (raw as Record<string, unknown>).child_map;
    const index = new ManifestIndex(raw);
    assert.deepEqual([...index.parents('model.jaffle.orders')].sort(), [...(expected as unknown as string[])].sort());
    assert.ok(index.children('model.jaffle.orders').includes('exposure.jaffle.weekly_revenue_dashboard'));
  });
});

void describe('suggestions', () => {
  void it('ranks close names first and ignores far ones', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.deepEqual(suggest('custmers', ['customers', 'orders', 'stg_customers']), ['customers']);
    assert.deepEqual(suggest('customer', ['customers', 'orders', 'stg_customers']), ['customers', 'stg_customers']);
    assert.deepEqual(suggest('zzz', ['customers', 'orders']), []);
  });
});
