// The language server over the LSP protocol, in plain Node: starts
// dist/server.js (`node scripts/build.mjs` first) with --stdio, feeds it a
// manifest made by real `dbt parse` of the fixture (plus a versioned and a
// public model), and checks hover, definition, completion, references,
// diagnostics, settings, parse errors, save -> re-parse requests, a deleted
// model and malformed manifests.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DiagnosticCodes, manifestChanged, parseError } from '../../src/dbt/lspProtocol';
import { ManifestIndex, slimManifest } from '../../src/dbt/manifest';
import { copyJaffle, dbtParse, extraFiles } from '../unit/server-fixture';
import { serverOnJaffle, startServer, uri, writeAtomically, type Client, type JaffleServer, type Location } from './lspTestClient';

void describe('language server over LSP (real dbt manifest)', () => {
  let server: JaffleServer | undefined;
  let root: string;
  let slimPath: string;
  let client: Client;
  const p = (rel: string) => join(root, rel);

  before(async () => {
    server = await serverOnJaffle((r) => slimManifest(dbtParse(r)), { loaded: /manifest for jaffle: \d+ models/ });
    ({ root, manifestPath: slimPath, client } = server);
  });

  after(() => server?.stop());

  void it('hover on ref() shows the model with its description, materialization and columns', async () => {
    const path = p('models/marts/orders.sql');
    const text = readFileSync(path, 'utf8');
    await client.open(path, text);
    const hover = await client.request<{ contents: { kind: string; value: string } }>('textDocument/hover', path, text, "ref('stg_orders')", 7);
    assert.equal(hover.contents.kind, 'markdown');
    assert.match(hover.contents.value, /\*\*model\*\* `stg_orders`/);
    assert.match(hover.contents.value, /Orders, renamed from the raw export\./);
    assert.match(hover.contents.value, /\| materialized \| view \|/);
    assert.match(hover.contents.value, /\| order_id \| Primary key\. \|/);
  });

  void it('hover on a versioned ref names the version; on a YAML column its tests', async () => {
    const path = p('models/marts/uses_versions.sql');
    const text = "select * from {{ ref('customer_tiers', v=1) }} join {{ ref('customer_tiers') }}";
    await client.open(path, text);
    const v1 = await client.request<{ contents: { value: string } }>('textDocument/hover', path, text, "'customer_tiers', v=1", 2);
    assert.match(v1.contents.value, /version 1, versions 1, 2/);
    const latest = await client.request<{ contents: { value: string } }>('textDocument/hover', path, text, "ref('customer_tiers') }}", 6);
    assert.match(latest.contents.value, /version 2 \(latest\)/);
    const yml = p('models/marts/schema.yml');
    const ymlText = readFileSync(yml, 'utf8');
    await client.open(yml, ymlText);
    const col = await client.request<{ contents: { value: string } }>('textDocument/hover', yml, ymlText, 'name: order_id', 7);
    assert.match(col.contents.value, /\*\*column\*\* `order_id` of model `customers`|\*\*column\*\* `order_id` of model `orders`/);
    assert.match(col.contents.value, /tests \| unique, not_null/);
  });

  void it('definition: ref -> model file, source -> YAML line, macro -> definition, doc -> docs block', async () => {
    const orders = p('models/marts/orders.sql');
    const ordersText = readFileSync(orders, 'utf8');
    const ref = await client.request<Location>('textDocument/definition', orders, ordersText, "ref('int_order_payments')", 7);
    assert.equal(ref.uri, uri(p('models/intermediate/int_order_payments.sql')));

    const stg = p('models/staging/stg_payments.sql');
    const stgText = readFileSync(stg, 'utf8');
    await client.open(stg, stgText);
    const source = await client.request<Location>('textDocument/definition', stg, stgText, "'raw', 'raw_payments'", 9);
    assert.equal(source.uri, uri(p('models/staging/sources.yml')));
    const sourcesLines = readFileSync(p('models/staging/sources.yml'), 'utf8').split('\n');
    assert.equal(sourcesLines[source.range.start.line].trim(), '- name: raw_payments');

    const macro = await client.request<Location>('textDocument/definition', stg, stgText, 'cents_to_dollars', 2);
    assert.equal(macro.uri, uri(p('macros/cents_to_dollars.sql')));
    assert.match(readFileSync(p('macros/cents_to_dollars.sql'), 'utf8').split('\n')[macro.range.start.line], /macro cents_to_dollars/);

    const yml = p('models/marts/schema.yml');
    const doc = await client.request<Location>('textDocument/definition', yml, readFileSync(yml, 'utf8'), 'doc("order_status")', 6);
    assert.equal(doc.uri, uri(p('models/docs.md')));
    assert.match(readFileSync(p('models/docs.md'), 'utf8').split('\n')[doc.range.start.line], /docs order_status/);
  });

  void it("completion inside ref(' (filtered by the typed prefix) and source('raw', '", async () => {
    const path = p('models/marts/typing.sql');
    const text = "select * from {{ ref('stg_\n{{ source('raw', '";
    await client.open(path, text);
    const refs = await client.connection.sendRequest<{ items: { label: string; textEdit: { range: { start: { character: number } } } }[] }>('textDocument/completion', {
      textDocument: { uri: uri(path) },
      position: { line: 0, character: text.indexOf('\n') },
    });
    const labels = refs.items.map((i) => i.label);
    // Filtered by what is typed: the staging models, not the others.
    assert.ok(labels.includes('stg_orders') && labels.includes('stg_payments'));
    assert.ok(!labels.includes('customer_tiers') && !labels.includes('raw_orders'));
    assert.equal(refs.items[0].textEdit.range.start.character, text.indexOf('stg_'), 'replaces the typed prefix');
    const tables = await client.connection.sendRequest<{ items: { label: string }[] }>('textDocument/completion', {
      textDocument: { uri: uri(path) },
      position: { line: 1, character: text.split('\n')[1].length },
    });
    assert.deepEqual(tables.items.map((i) => i.label).sort(), ['raw_customers', 'raw_orders', 'raw_payments']);
  });

  void it('references: every ref to customers', async () => {
    const path = p('models/marts/customer_tiers_v1.sql');
    const text = readFileSync(path, 'utf8');
    await client.open(path, text);
    const refs = await client.request<Location[]>('textDocument/references', path, text, "'customers'", 2, { context: { includeDeclaration: false } });
    const found = refs.map((r) => r.uri.slice(uri(root).length + 1)).sort();
    assert.deepEqual(found, ['models/marts/customer_tiers_v1.sql', 'models/marts/customer_tiers_v2.sql', 'models/marts/schema.yml', 'models/marts/schema.yml']);
  });

  void it('publishes an unknown ref with a did-you-mean, and clears it when fixed', async () => {
    const path = p('models/marts/new_model.sql');
    await client.open(path, "select * from {{ ref('stg_ordrs') }}");
    const diags = await client.waitFor('unknown-ref diagnostic', () => client.diagnostics.get(uri(path))?.filter((d) => d.code === DiagnosticCodes.unknownRef));
    assert.equal(diags.length, 1);
    assert.match(diags[0].message, /Did you mean 'stg_orders'\?/);
    assert.deepEqual(diags[0].range.start, { line: 0, character: 21 });
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri(path), version: 2 },
      contentChanges: [{ text: "select * from {{ ref('stg_orders') }}" }],
    });
    await client.waitFor('diagnostics cleared', () => client.diagnostics.get(uri(path))?.length === 0);
  });

  void it('flags the public model without a description in its YAML; settings add the no-tests check', async () => {
    const yml = uri(p('models/marts/extra.yml'));
    const pub = await client.waitFor('public-model diagnostic', () => client.diagnostics.get(yml)?.find((d) => d.code === DiagnosticCodes.publicModelWithoutDescription));
    const ymlLines = extraFiles['models/marts/extra.yml'].split('\n');
    assert.match(ymlLines[pub.range.start.line], /- name: public_orders/);
    const hasNoTestsDiag = (u: string) => client.diagnostics.get(u)?.some((d) => d.code === DiagnosticCodes.modelWithoutTests) ?? false;

    // Which models lack tests comes from the manifest; each is flagged in its YAML entry, or its SQL file without one.
    const index = new ManifestIndex(JSON.parse(readFileSync(slimPath, 'utf8')));
    const untested = [...index.projectModels()].filter((m) => index.testsOf(m.uniqueId).length === 0);
    assert.ok(untested.length > 0);
    const expectedUris = [...new Set(untested.map((m) => uri(p(m.patchPath ?? m.originalFilePath))))].sort();
    assert.ok(expectedUris.every((u) => !hasNoTestsDiag(u)), 'off by default');

    client.settings = { modelWithoutTests: true };
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await client.waitFor('model-without-tests diagnostics', () => expectedUris.every(hasNoTestsDiag));
    const flagged = [...client.diagnostics.entries()].filter(([, ds]) => ds.some((d) => d.code === DiagnosticCodes.modelWithoutTests)).map(([u]) => u);
    assert.deepEqual(flagged.sort(), expectedUris);
    const count = [...client.diagnostics.values()].flat().filter((d) => d.code === DiagnosticCodes.modelWithoutTests).length;
    assert.equal(count, untested.length, 'one per untested model (each version counts)');

    client.settings = {};
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await client.waitFor('no-tests diagnostics cleared', () => expectedUris.every((u) => !hasNoTestsDiag(u)));
  });

  void it('shows a parse error on the file and line dbt reports, and clears it', async () => {
    const file = 'models/marts/schema.yml';
    await client.connection.sendNotification(parseError, { projectRoot: root, error: { file, line: 3, message: "Parsing Error: mapping values are not allowed here" } });
    const diag = await client.waitFor('parse-error diagnostic', () => client.diagnostics.get(uri(p(file)))?.find((d) => d.code === DiagnosticCodes.parseError));
    assert.equal(diag.range.start.line, 2);
    assert.match(diag.message, /mapping values are not allowed/);
    await client.connection.sendNotification(parseError, { projectRoot: root, error: null });
    await client.waitFor('parse error cleared', () => !client.diagnostics.get(uri(p(file)))?.some((d) => d.code === DiagnosticCodes.parseError));
  });

  void it('asks for a re-parse once, debounced, when project files are saved; not for target/', async () => {
    const before = client.parseRequests.length;
    for (const rel of ['models/marts/orders.sql', 'models/marts/schema.yml', 'models/marts/orders.sql']) {
      await client.connection.sendNotification('textDocument/didSave', { textDocument: { uri: uri(p(rel)) } });
    }
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri(p('target/manifest.json')), type: 2 }] });
    const req = await client.waitFor('parseRequested', () => client.parseRequests[before]);
    assert.equal(req.projectRoot, root);
    assert.deepEqual([...req.files].sort(), [p('models/marts/orders.sql'), p('models/marts/schema.yml')]);
    // A later change is the marker: had the burst asked twice, its second request would come
    // before the marker's, or (still debounced) take the marker's file in with its own.
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri(p('models/staging/stg_orders.sql')), type: 2 }] });
    const marker = await client.waitFor('the marker\'s parseRequested', () => client.parseRequests[before + 1]);
    assert.deepEqual(marker.files, [p('models/staging/stg_orders.sql')], 'the marker\'s request holds only its own file');
    assert.equal(client.parseRequests.length, before + 2, 'one request for the burst, one for the marker');
  });

  void it('a deleted model: its diagnostics go, refs to it become unknown', async () => {
    const user = p('models/marts/uses_public.sql');
    await client.open(user, "select * from {{ ref('public_orders') }}");
    const yml = uri(p('models/marts/extra.yml'));
    await client.waitFor('public-model diagnostic present', () => client.diagnostics.get(yml)?.some((d) => d.code === DiagnosticCodes.publicModelWithoutDescription));
    assert.equal(client.diagnostics.get(uri(user))?.length ?? 0, 0);

    unlinkSync(p('models/marts/public_orders.sql'));
    writeFileSync(p('models/marts/extra.yml'), extraFiles['models/marts/extra.yml'].replace(/ {2}- name: public_orders\n {4}access: public\n/, ''));
    rmSync(p('models/marts/uses_versions.sql'), { force: true });
    const deletedLog = client.nextLog(/public_orders\.sql was deleted/);
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri(p('models/marts/public_orders.sql')), type: 3 }] });
    await deletedLog;
    writeAtomically(slimPath, slimManifest(dbtParse(root)));
    await client.connection.sendNotification(manifestChanged, { projectRoot: root, manifestPath: slimPath, stale: false });
    await client.waitFor('public-model diagnostic gone', () => client.diagnostics.get(yml)?.length === 0);
    const unknown = await client.waitFor('ref to the deleted model is unknown', () => client.diagnostics.get(uri(user))?.find((d) => d.code === DiagnosticCodes.unknownRef));
    assert.match(unknown.message, /Unknown ref 'public_orders'/);
  });

  void it('survives partial, malformed and misaddressed manifests, keeps answering from the last good one', async () => {
    const broken = join(dirname(slimPath), 'partial.json');
    writeFileSync(broken, readFileSync(slimPath, 'utf8').slice(0, 5000));
    let logged = client.nextLog(/not read: it is not complete JSON/);
    await client.connection.sendNotification(manifestChanged, { projectRoot: root, manifestPath: broken, stale: false });
    assert.match(await logged, /keeping the previous manifest/);

    writeFileSync(broken, JSON.stringify({ hello: 'world' }));
    logged = client.nextLog(/no "nodes" object/);
    await client.connection.sendNotification(manifestChanged, { projectRoot: root, manifestPath: broken, stale: false });
    await logged;

    logged = client.nextLog(/the file does not exist/);
    await client.connection.sendNotification(manifestChanged, { projectRoot: root, manifestPath: join(root, 'nope.json'), stale: false });
    await logged;

    logged = client.nextLog(/projectRoot must be an absolute path/);
    await client.connection.sendNotification(manifestChanged, { projectRoot: 'relative/dir', manifestPath: slimPath, stale: false });
    await logged;

    const path = p('models/marts/orders.sql');
    const text = readFileSync(path, 'utf8');
    const hover = await client.request<{ contents: { value: string } }>('textDocument/hover', path, text, "ref('stg_orders')", 7);
    assert.match(hover.contents.value, /`stg_orders`/);
  });

  void it('files outside any project get nothing, with one log line', async () => {
    const outside = join(dirname(root), 'elsewhere', 'query.sql');
    mkdirSync(dirname(outside), { recursive: true });
    writeFileSync(outside, "select * from {{ ref('orders') }}");
    await client.open(outside);
    const text = readFileSync(outside, 'utf8');
    const logged = client.nextLog(/not inside a dbt project/);
    assert.equal(await client.request('textDocument/hover', outside, text, "'orders'", 2), null);
    await logged;
    assert.equal(await client.request('textDocument/definition', outside, text, "'orders'", 2), null);
    assert.equal(client.logs.filter((l) => l.includes(uri(outside))).length, 1);
  });
});

void describe('language server without a worker: reads target/manifest.json itself, marked stale', () => {
  void it('finds the project of an opened file and answers from its target/ manifest', async () => {
    const root = copyJaffle();
    const client = startServer();
    try {
      const index = new ManifestIndex(dbtParse(root));
      assert.ok(index.stats.models > 0);
      await client.start(dirname(root));
      const path = join(root, 'models', 'marts', 'customers.sql');
      const loaded = client.nextLog(/manifest for jaffle: .*\[stale/);
      await client.open(path);
      await loaded;
      const text = readFileSync(path, 'utf8');
      const hover = await client.request<{ contents: { value: string } }>('textDocument/hover', path, text, "ref('stg_customers')", 7);
      assert.match(hover.contents.value, /`stg_customers`/);
      assert.match(hover.contents.value, /may be stale/);
    } finally {
      await client.stop();
      rmSync(dirname(root), { recursive: true, force: true });
    }
  });
});
