// The language server's pure feature logic on the real fixture manifest and
// the real fixture files: what the cursor points at, hover text, definition
// targets, completion candidates, checks and references.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { completionContextAt } from '../../src/dbt/jinjaRefs';
import { defaultChecks, DiagnosticCodes } from '../../src/dbt/lspProtocol';
import { completionCandidates, matchRank, MAX_ITEMS } from '../../src/server/completion';
import { definitionTarget, locateAnchor } from '../../src/server/definition';
import { checkModels, checkText } from '../../src/server/diagnostics';
import { hoverMarkdown } from '../../src/server/hover';
import { referencesInText, referencingFiles } from '../../src/server/references';
import { nodeOfFile, targetAt, type FileContext, type Target } from '../../src/server/targets';
import { ManifestIndex } from '../../src/dbt/manifest';
import { toChecksSettings } from '../../src/server/settings';
import { fixtureText, jaffleIndex, jaffleManifest } from './server-fixture';

const index = jaffleIndex();

function file(relPath: string): FileContext {
  return { packageName: 'jaffle', relPath, isYaml: /\.ya?ml$/.test(relPath) };
}

/** The target at the first occurrence of `needle` (plus `delta`) in a fixture file. */
function targetIn(relPath: string, needle: string, delta = 1, text = fixtureText(relPath)): Target | null {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `${needle} in ${relPath}`);
  return targetAt(index, text, i + delta, file(relPath));
}

void describe('hover', () => {
  void it('on ref() in a model: description, materialization, relation, columns, tests, file, lineage', () => {
    const t = targetIn('models/marts/customers.sql', "ref('stg_customers')", 6);
    assert.equal(t?.kind, 'node');
    const md = hoverMarkdown(index, t!);
    const e = index.get('model.jaffle.stg_customers')!;
    assert.match(md, /\*\*model\*\* `stg_customers`/);
    assert.ok(md.includes(e.description));
    assert.match(md, /\| materialized \| view \|/);
    assert.ok(md.includes(`\`${e.relationName}\``));
    assert.match(md, /\| file \| `models\/staging\/stg_customers.sql` \|/);
    assert.match(md, /unique \(customer_id\), not_null \(customer_id\)/);
    assert.ok(md.includes(`${index.parents(e.uniqueId).length} parent`));
    assert.ok(md.includes(`](command:dbtConductor.showLineage?${encodeURIComponent(JSON.stringify([{ uniqueId: e.uniqueId }]))} `), 'the lineage line opens the lineage panel');
    for (const c of e.columns) assert.ok(md.includes(`| ${c.name} |`), `column ${c.name}`);
  });

  void it('on source(), on a macro call and on doc()', () => {
    const src = targetIn('models/staging/stg_orders.sql', "'raw', 'raw_orders'", 9);
    assert.equal(src?.kind, 'source');
    const srcMd = hoverMarkdown(index, src!);
    assert.match(srcMd, /\*\*source\*\* `raw.raw_orders`/);
    assert.match(srcMd, /loaded at field \| `_etl_loaded_at`/);

    const macro = targetIn('models/staging/stg_payments.sql', 'cents_to_dollars');
    assert.equal(macro?.kind, 'macro');
    assert.match(hoverMarkdown(index, macro!), /jaffle\.cents_to_dollars\(/);

    const doc = targetIn('models/marts/schema.yml', 'doc("order_status")', 6);
    assert.equal(doc?.kind, 'doc');
    assert.match(hoverMarkdown(index, doc!), /return_pending/);
  });

  void it('on model and column names in schema YAML', () => {
    const yml = 'models/marts/schema.yml';
    const model = targetIn(yml, '- name: orders', 10);
    assert.equal(model?.kind === 'node' && model.entry.uniqueId, 'model.jaffle.orders');
    const text = fixtureText(yml);
    const colAt = text.indexOf('name: customer_id', text.indexOf('- name: orders')) + 8;
    const column = targetAt(index, text, colAt, file(yml));
    assert.equal(column?.kind, 'column');
    const md = hoverMarkdown(index, column!);
    assert.match(md, /\*\*column\*\* `customer_id` of model `orders`/);
    assert.match(md, /Who placed the order/);
    assert.match(md, /tests \| not_null, relationships/);
  });

  void it('on a ref to a disabled model says so', () => {
    const text = "select * from {{ ref('broken_compile') }}";
    const t = targetAt(index, text, text.indexOf('broken') + 1, file('models/x.sql'));
    assert.match(hoverMarkdown(index, t!), /\*\*disabled\*\*/);
  });

  void it('nothing on plain SQL', () => {
    assert.equal(targetIn('models/marts/orders.sql', 'coalesce'), null);
  });
});

void describe('definition', () => {
  void it('ref -> the model file', () => {
    const def = definitionTarget(targetIn('models/marts/orders.sql', "ref('int_order_payments')", 6)!);
    assert.deepEqual(def, { packageName: 'jaffle', path: 'models/intermediate/int_order_payments.sql', anchor: { kind: 'start' } });
  });

  void it('source -> its YAML entry line', () => {
    const def = definitionTarget(targetIn('models/staging/stg_orders.sql', "'raw', 'raw_orders'", 9)!)!;
    assert.equal(def.path, 'models/staging/sources.yml');
    const text = fixtureText(def.path);
    const [start, end] = locateAnchor(text, def.anchor);
    assert.equal(text.slice(start, end), 'raw_orders');
    assert.match(text.slice(text.lastIndexOf('\n', start), end), /- name: raw_orders$/);
  });

  void it('macro -> its definition; doc -> the docs block', () => {
    const macro = definitionTarget(targetIn('models/staging/stg_payments.sql', 'cents_to_dollars')!)!;
    const macroText = fixtureText(macro.path);
    const [ms] = locateAnchor(macroText, macro.anchor);
    assert.match(macroText.slice(0, ms + 20), /\{%-?\s*macro cents_to_dollars/);
    const doc = definitionTarget(targetIn('models/marts/schema.yml', 'doc("order_status")', 6)!)!;
    assert.equal(doc.path, 'models/docs.md');
    const docText = fixtureText(doc.path);
    const [ds, de] = locateAnchor(docText, doc.anchor);
    assert.equal(docText.slice(ds, de), 'order_status');
  });

  void it('exposure and column names in YAML -> their YAML entries; macros of dbt itself keep their package', () => {
    const exposure = index.exposuresByName.get('weekly_revenue_dashboard')![0];
    const def = definitionTarget({ kind: 'node', entry: exposure, start: 0, end: 0 })!;
    const text = fixtureText(def.path);
    const [s, e] = locateAnchor(text, def.anchor);
    assert.equal(text.slice(s, e), 'weekly_revenue_dashboard');
    const dbtMacro = index.resolveMacro('is_incremental')!;
    assert.equal(definitionTarget({ kind: 'macro', entry: dbtMacro, start: 0, end: 0 })?.packageName, 'dbt');
  });
});

void describe('completion', () => {
  const labels = (text: string, yaml = false) => {
    const ctx = completionContextAt(text, text.length, { yaml });
    assert.ok(ctx, `a completion context in ${text}`);
    return completionCandidates(index, ctx).items.map((i) => i.label);
  };

  void it("ref(' offers every model, seed and snapshot of the manifest", () => {
    const got = labels("select * from {{ ref('").sort();
    const expected = [...index.refableByName.keys()].sort();
    assert.deepEqual(got, expected);
    assert.ok(got.includes('stg_orders') && got.includes('raw_orders') && got.includes('customers_snapshot'));
    assert.ok(!got.includes('broken_compile'), 'not disabled models');
  });

  void it("source(' offers sources, source('raw', ' its tables, doc(' docs blocks", () => {
    assert.deepEqual(labels("{{ source('"), ['raw']);
    assert.deepEqual(labels("{{ source('raw', '").sort(), ['raw_customers', 'raw_orders', 'raw_payments']);
    assert.ok(labels("description: '{{ doc(\"", true).includes('order_status'));
  });

  void it('macros: the project and dbt, not adapter implementations; namespaced by package', () => {
    const got = labels('{{ ');
    assert.ok(got.includes('cents_to_dollars'));
    assert.ok(got.includes('is_incremental'));
    assert.ok(!got.some((l) => l.includes('__')), 'no dispatch implementations');
    assert.deepEqual(labels('{{ jaffle.'), ['cents_to_dollars']);
    assert.deepEqual(labels('{{ no_such_package.'), []);
  });

  void it('filters by prefix and says "incomplete" above the item limit', () => {
    const raw = jaffleManifest() as { nodes: Record<string, Record<string, unknown>> };
    const model = raw.nodes['model.jaffle.orders'];
    for (let i = 0; i < MAX_ITEMS + 50; i++) raw.nodes[`model.jaffle.copy_${i}`] = { ...model, name: `copy_${i}`, unique_id: `model.jaffle.copy_${i}` };
    const big = new ManifestIndex(raw);
    const ctx = completionContextAt("{{ ref('copy_10", 15)!;
    const result = completionCandidates(big, ctx);
    assert.equal(result.incomplete, true);
    assert.ok(result.items.length <= MAX_ITEMS);
    assert.ok(result.items.every((i) => matchRank(i.label, 'copy_10') !== null));
    assert.deepEqual(result.items.slice(0, 11).map((i) => i.label), ['copy_10', ...Array.from({ length: 10 }, (_, i) => `copy_10${i}`)]);
  });

  void it("ref(' filters and ranks by the typed prefix: starts-with, then a word, then contains, then in order", () => {
    assert.deepEqual(labels("{{ ref('stg_o"), ['stg_orders', 'stg_customers'], 'stg_customers has the letters in order, after the prefix match');
    // Prefix matches, then word matches (stg_orders, raw_orders), then substrings; customers does not match.
    const got = labels("{{ ref('ord");
    assert.deepEqual(got.slice(0, 2), ['order_events', 'orders']);
    assert.ok(got.indexOf('stg_orders') > 1 && got.indexOf('raw_orders') > 1);
    assert.ok(!got.includes('customers'));
    assert.deepEqual([matchRank('orders', 'ord'), matchRank('stg_orders', 'ord'), matchRank('reorders', 'ord'), matchRank('o_r_d', 'ord'), matchRank('abc', 'ord')], [0, 1, 2, 3, null]);
    assert.equal(matchRank('stgOrders', 'ord'), 1, 'camelCase words count');
    const ctx = completionContextAt("{{ ref('ord", 11)!;
    const result = completionCandidates(index, ctx);
    assert.equal(result.incomplete, true, 'filtered lists are incomplete, so the client asks again as the user types');
    assert.deepEqual(result.items.map((i) => i.sortText[0]), [...result.items.map((i) => i.sortText[0])].sort(), 'ranked by match');
  });
});

void describe('checks', () => {
  void it('unknown ref with a did-you-mean, unknown source and table, disabled ref', () => {
    const text = [
      "select * from {{ ref('stg_ordrs') }}",
      "join {{ source('rw', 'raw_orders') }}",
      "join {{ source('raw', 'raw_order') }}",
      "join {{ ref('broken_runtime') }}",
      "join {{ ref('stg_orders') }}",
      "join {{ ref('jaffle', 'customers') }}",
      "join {{ ref('dbt_utils', 'x') }}",
    ].join('\n');
    const findings = checkText(index, text, file('models/new.sql'), defaultChecks);
    const byCode = findings.map((f) => [f.code, text.slice(f.start, f.end), f.severity]);
    assert.deepEqual(byCode, [
      [DiagnosticCodes.unknownRef, "'stg_ordrs'", 'error'],
      [DiagnosticCodes.unknownSource, "'rw'", 'error'],
      [DiagnosticCodes.unknownSource, "'raw_order'", 'error'],
      [DiagnosticCodes.disabledRef, "'broken_runtime'", 'error'],
      [DiagnosticCodes.unknownRef, "'x'", 'error'],
    ]);
    assert.match(findings[0].message, /Did you mean 'stg_orders'\?/);
    assert.match(findings[1].message, /Did you mean 'raw'\?/);
    assert.match(findings[2].message, /Did you mean 'raw_orders'\?/);
    assert.match(findings[3].message, /disabled model/);
    assert.match(findings[4].message, /Unknown package 'dbt_utils'/);
  });

  void it('nothing on a ref still being typed', () => {
    assert.deepEqual(checkText(index, "select * from {{ ref('stg_ord", file('models/a.sql'), defaultChecks), []);
    assert.deepEqual(checkText(index, "{{ source('raw', 'raw_o", file('models/a.sql'), defaultChecks), []);
  });

  void it('settings turn checks off; a stale manifest downgrades errors to warnings', () => {
    const text = "{{ ref('stg_ordrs') }} {{ ref('broken_runtime') }}";
    assert.equal(checkText(index, text, file('models/a.sql'), { ...defaultChecks, unknownRef: false }).length, 1);
    assert.equal(checkText(index, text, file('models/a.sql'), { ...defaultChecks, unknownRef: false, disabledRef: false }).length, 0);
    const stale = checkText(index, text, file('models/a.sql'), defaultChecks, true);
    assert.ok(stale.every((f) => f.severity === 'warning' && /may be stale/.test(f.message)));
  });

  void it("a disabled model's file: one information note, none of its refs checked", () => {
    const rel = 'models/broken/broken_compile.sql';
    const text = fixtureText(rel) + "\nselect * from {{ ref('no_such_model') }}";
    const findings = checkText(index, text, file(rel), defaultChecks);
    assert.deepEqual(findings.map((f) => [f.code, f.severity]), [[DiagnosticCodes.disabledNode, 'information']]);
    assert.match(findings[0]!.message, /model 'broken_compile' is disabled by config\(enabled=\.\.\.\) in this file/);
  });

  void it('refs under Jinja control flow: a hint where dbt parsed the node, a warning where it did not; top level stays an error', () => {
    const rel = 'models/marts/orders.sql';
    const conditional = "{% if var('x', false) %} select * from {{ ref('stg_ordrs') }} {% endif %}";
    const inNode = checkText(index, fixtureText(rel) + conditional, file(rel), defaultChecks);
    assert.deepEqual(inNode.map((f) => [f.code, f.severity]), [[DiagnosticCodes.untakenBranch, 'hint']]);
    assert.match(inNode[0]!.message, /Unknown ref 'stg_ordrs'.*did not take/);
    assert.deepEqual(inNode[0]!.data, { suggestions: ['stg_orders'] });
    const inNewFile = checkText(index, conditional, file('models/new.sql'), defaultChecks);
    assert.deepEqual(inNewFile.map((f) => [f.code, f.severity]), [[DiagnosticCodes.unknownRef, 'warning']]);
    const inline = checkText(index, "{{ ref('orders') if true else ref('ordrs') }}", file('models/new.sql'), defaultChecks);
    assert.deepEqual(inline.map((f) => f.severity), ['warning']);
    const topLevel = checkText(index, fixtureText(rel) + "\n{{ ref('stg_ordrs') }}", file(rel), defaultChecks);
    assert.deepEqual(topLevel.map((f) => [f.code, f.severity]), [[DiagnosticCodes.unknownRef, 'error']]);
  });

  void it('the fixture files themselves are clean', () => {
    for (const rel of ['models/marts/orders.sql', 'models/marts/customers.sql', 'models/staging/stg_orders.sql', 'models/marts/schema.yml']) {
      assert.deepEqual(checkText(index, fixtureText(rel), file(rel), defaultChecks), [], rel);
    }
  });

  void it('models without tests (when on), anchored in their YAML entry or SQL file', () => {
    assert.deepEqual(checkModels(index, defaultChecks), [], 'no public model in the fixture; the test check is off by default');
    const findings = checkModels(index, { ...defaultChecks, modelWithoutTests: true });
    const untested = findings.map((f) => f.entry.name).sort();
    const expected = [...index.projectModels()].filter((m) => index.testsOf(m.uniqueId).length === 0).map((m) => m.name).sort();
    assert.deepEqual(untested, expected);
    assert.ok(untested.length > 0, 'the fixture has untested models');
    for (const f of findings) {
      const expected = f.entry.patchPath
        ? { path: f.entry.patchPath, anchor: { kind: 'yaml', query: { kind: 'model', name: f.entry.name } } }
        : { path: f.entry.originalFilePath, anchor: { kind: 'start' } };
      assert.deepEqual({ path: f.path, anchor: f.anchor }, expected, f.entry.name);
    }
  });

  void it('settings from the client are merged over the defaults', () => {
    assert.deepEqual(toChecksSettings({ modelWithoutTests: true, unknownRef: 'yes' }), { ...defaultChecks, modelWithoutTests: true });
    assert.deepEqual(toChecksSettings(null), defaultChecks);
  });
});

void describe('references', () => {
  void it('every ref to customers: the exposure YAML and the relationships test', () => {
    const customers = index.get('model.jaffle.customers')!;
    const files = referencingFiles(index, customers).map((f) => f.path).sort();
    assert.ok(files.includes('models/marts/schema.yml'));
    const found: string[] = [];
    for (const path of files) {
      const text = fixtureText(path);
      for (const [s, e] of referencesInText(index, text, file(path), customers)) found.push(`${path}:${text.slice(s, e)}`);
    }
    // schema.yml: `to: ref('customers')` and the exposure's `- ref('customers')`.
    assert.deepEqual(found, ["models/marts/schema.yml:'customers'", "models/marts/schema.yml:'customers'"]);
  });

  void it('every ref to stg_orders, from the SQL files that use it', () => {
    const stg = index.get('model.jaffle.stg_orders')!;
    const sqlFiles = referencingFiles(index, stg).filter((f) => f.path.endsWith('.sql'));
    const hits = sqlFiles.filter((f) => referencesInText(index, fixtureText(f.path), file(f.path), stg).length > 0).map((f) => f.path);
    const expected = Object.values((jaffleManifest() as { nodes: Record<string, { refs: { name: string }[]; original_file_path: string; resource_type: string }> }).nodes)
      .filter((n) => n.resource_type === 'model' && n.refs.some((r) => r.name === 'stg_orders'))
      .map((n) => n.original_file_path);
    assert.deepEqual(hits.sort(), expected.sort());
  });

  void it('the model of a SQL file, for references from anywhere in it', () => {
    assert.equal(nodeOfFile(index, file('models/marts/orders.sql'))?.uniqueId, 'model.jaffle.orders');
    assert.equal(nodeOfFile(index, file('models/marts/schema.yml')), null);
  });
});
