// The model docs panel's content (src/dbt/modelDocs.ts) on the jaffle
// fixture's real manifest, and the dbt docs site page (src/dbt/docsSite.ts)
// built from the index.html of the installed dbt-core.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addScriptNonce, docsSiteCsp, docsSiteHtml } from '../../src/dbt/docsSite';
import { catalogTypes, manifestFacts, modelDocs, resolveDocBlocks } from '../../src/dbt/modelDocs';
import { jaffleIndex, jaffleManifest, repoRoot } from './server-fixture';

void describe('model docs', () => {
  const index = jaffleIndex();

  void it('description, columns with their tests, facts, files, parents and children of a model', () => {
    const docs = modelDocs(index, '/p', 'model.jaffle.orders')!;
    assert.equal(docs.label, 'orders');
    assert.match(docs.description, /One row per order/);
    assert.deepEqual(docs.columns.map((c) => c.name).slice(0, 2), ['order_id', 'customer_id']);
    const id = docs.columns.find((c) => c.name === 'order_id')!;
    assert.deepEqual(id.tests.sort(), ['not_null', 'unique']);
    assert.match(docs.columns.find((c) => c.name === 'status')!.description, /\| return_pending \|/);
    assert.deepEqual(Object.fromEntries(docs.facts).materialized, 'table');
    assert.equal(Object.fromEntries(docs.facts).access, 'protected');
    assert.equal(docs.file, 'models/marts/orders.sql');
    assert.equal(docs.documentedIn, 'models/marts/schema.yml');
    assert.deepEqual(docs.parents.map((p) => p.label).sort(), ['int_order_payments', 'stg_orders']);
    assert.deepEqual(docs.children.map((c) => c.resourceType), ['exposure'], 'tests are not children here');
    assert.ok(docs.tests.some((t) => /assert_order_amounts_are_not_negative/.test(t)), 'a singular test on the model');
    assert.equal(docs.typesFromCatalog, false);
    assert.equal(modelDocs(index, '/p', 'model.jaffle.nope'), undefined);
  });

  void it('types from the catalog, warehouse-only columns, and contract, group and owner from manifest.json', () => {
    const catalog = { nodes: { 'model.jaffle.orders': { columns: { ORDER_ID: { name: 'ORDER_ID', type: 'INTEGER' }, extra_col: { name: 'extra_col', type: 'VARCHAR' } } } } };
    const types = catalogTypes(catalog, 'model.jaffle.orders');
    const raw = jaffleManifest() as { nodes: Record<string, { config: Record<string, unknown>; group?: string | null }>; groups: Record<string, unknown> };
    raw.nodes['model.jaffle.orders']!.config.contract = { enforced: true };
    raw.nodes['model.jaffle.orders']!.group = 'finance';
    raw.groups = { 'group.jaffle.finance': { name: 'finance', owner: { name: 'Finance', email: 'fin@example.com' } } };
    const docs = modelDocs(index, '/p', 'model.jaffle.orders', { ...manifestFacts(raw, 'model.jaffle.orders'), catalogTypes: types })!;
    assert.equal(docs.columns.find((c) => c.name === 'order_id')!.type, 'INTEGER');
    assert.deepEqual(docs.columns.at(-1), { name: 'extra_col', type: 'VARCHAR', description: '', tests: [] });
    assert.equal(docs.typesFromCatalog, true);
    const facts = Object.fromEntries(docs.facts);
    assert.equal(facts.contract, 'enforced');
    assert.equal(facts.group, 'finance');
    assert.equal(facts.owner, 'Finance <fin@example.com>');
    assert.equal(manifestFacts(jaffleManifest(), 'exposure.jaffle.weekly_revenue_dashboard').owner, 'Finance analytics <finance-analytics@example.com>');
    assert.equal(catalogTypes({ nodes: {} }, 'model.jaffle.orders'), undefined);
  });

  void it('resolves docs blocks left in a description', () => {
    const text = resolveDocBlocks(`Status: {{ doc("order_status") }} and {{ doc('jaffle', 'order_status') }} and {{ doc('missing') }}`, index, 'jaffle');
    assert.equal((text.match(/return_pending/g) ?? []).length, 2);
    assert.match(text, /\{\{ doc\('missing'\) \}\}/, 'an unknown block stays as written');
  });
});

void describe('dbt docs site page', () => {
  const site = join(repoRoot, '.venv', 'lib', readdirSync(join(repoRoot, '.venv', 'lib')).find((d) => d.startsWith('python'))!, 'site-packages', 'dbt', 'task', 'docs', 'index.html');
  const index = readFileSync(site, 'utf8');

  void it('every script of the real site gets the nonce; script text that mentions <script is left alone', () => {
    const out = addScriptNonce(index, 'abc123');
    // Each script element ends with the first </script after it, so the closers count the elements.
    const elements = index.match(/<\/script/gi)?.length ?? 0;
    assert.ok(elements >= 1);
    assert.equal(out.match(/<script nonce="abc123"/g)?.length, elements);
    assert.equal(out.replace(/ nonce="abc123"/g, ''), index, 'nothing else changed');
    const tricky = '<script>var s = "<script>"; var t = \'<scripts>\';</script><p><script src="a.js"></script>';
    assert.equal(addScriptNonce(tricky, 'n'), '<script nonce="n">var s = "<script>"; var t = \'<scripts>\';</script><p><script nonce="n" src="a.js"></script>');
  });

  void it('the policy comes first in <head>, allows only the webview origin, and a base points at the target folder', () => {
    const html = docsSiteHtml(index, { cspSource: 'https://*.vscode-cdn.net', nonce: 'f00d', baseHref: 'https://file+.vscode-resource.vscode-cdn.net/p/target/' });
    const head = html.indexOf('<head>') + '<head>'.length;
    assert.ok(html.slice(head).startsWith('<meta http-equiv="Content-Security-Policy"'));
    assert.ok(html.indexOf('Content-Security-Policy') < html.search(/<script\b/i));
    assert.match(html, /<base href="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/p\/target\/">/);
    const policy = docsSiteCsp('https://*.vscode-cdn.net', 'f00d');
    assert.match(policy, /^default-src 'none'; script-src 'nonce-f00d';/);
    assert.match(policy, /connect-src https:\/\/\*\.vscode-cdn\.net;/);
    assert.doesNotMatch(policy.split('https://*.vscode-cdn.net').join(''), /https?:|\*|unsafe-eval/);
    assert.throws(() => docsSiteHtml(index, { cspSource: 'x', nonce: 'a"b', baseHref: '/' }), /letters and digits/);
  });
});
