// Quick fixes, refactors, rename, outline, workspace symbols and folding of
// the language server, over LSP on a real manifest of the jaffle fixture.
// The rename is applied to the files and the project parsed again by real
// dbt: it must still parse, with the model under its new name.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { columnsSeen, DiagnosticCodes } from '../../src/dbt/lspProtocol';
import { ManifestIndex, slimManifest } from '../../src/dbt/manifest';
import { dbtParse } from '../unit/server-fixture';
import { serverOnJaffle, uri, type Client, type JaffleServer } from './lspTestClient';

interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}
interface TextEdit {
  range: Range;
  newText: string;
}
interface CodeAction {
  title: string;
  kind: string;
  isPreferred?: boolean;
  edit: { changes?: Record<string, TextEdit[]>; documentChanges?: ({ textDocument: { uri: string }; edits: TextEdit[] } | { kind: string; uri?: string; oldUri?: string; newUri?: string; annotationId?: string })[]; changeAnnotations?: Record<string, { needsConfirmation?: boolean }> };
}
interface DocumentSymbol {
  name: string;
  kind: number;
  children?: DocumentSymbol[];
}

function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  let out = text;
  for (const e of [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start))) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

void describe('language server edits and symbols (jaffle)', () => {
  let server: JaffleServer | undefined;
  let root: string;
  let client: Client;
  const p = (rel: string) => join(root, rel);
  const zero = { line: 0, character: 0 };

  function actions(path: string, range: Range, diagnostics: unknown[] = []): Promise<CodeAction[]> {
    return client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri: uri(path) }, range, context: { diagnostics } });
  }

  before(async () => {
    server = await serverOnJaffle((r) => slimManifest(dbtParse(r)), {
      loaded: /manifest for jaffle: \d+ models/,
      files: { 'models/marts/undocumented.sql': "select order_id, status from {{ ref('orders') }}\n" },
    });
    ({ root, client } = server);
  });

  after(() => server?.stop());

  void it('quick fix: an unknown ref is replaced by the suggestion', async () => {
    const path = p('models/marts/typo.sql');
    const text = "select * from {{ ref('stg_ordrs') }}";
    await client.open(path, text);
    const diag = await client.waitFor('the unknown ref', () => client.diagnostics.get(uri(path))?.find((d) => d.code === DiagnosticCodes.unknownRef));
    const fixes = await actions(path, diag.range, [diag]);
    assert.equal(fixes[0]!.title, "Replace with 'stg_orders'");
    assert.equal(fixes[0]!.isPreferred, true);
    assert.equal(applyEdits(text, fixes[0]!.edit.changes![uri(path)]!), "select * from {{ ref('stg_orders') }}");
  });

  void it("adds a model missing from schema YAML to the folder's schema file, with the columns dbt show returned", async () => {
    const path = p('models/marts/undocumented.sql');
    await client.open(path);
    const without = (await actions(path, { start: zero, end: zero })).find((a) => a.title.startsWith("Add 'undocumented'"));
    assert.ok(without, 'offered without columns too');
    assert.match(without.title, /no columns known yet/);
    await client.connection.sendNotification(columnsSeen, { projectRoot: root, uniqueId: 'model.jaffle.undocumented', columns: ['order_id', 'status'] });
    // The server handles messages in order: the notification is in before the next request.
    const action = (await actions(path, { start: zero, end: zero })).find((a) => a.title.startsWith("Add 'undocumented'"))!;
    // The first YAML file of the model's folder that has a models: list (extra.yml, then schema.yml).
    assert.equal(action.title, "Add 'undocumented' to extra.yml with 2 columns");
    const [[target, yamlEdits]] = Object.entries(action.edit.changes!) as [[string, TextEdit[]]];
    const yml = fileURLToPath(target);
    writeFileSync(yml, applyEdits(readFileSync(yml, 'utf8'), yamlEdits));
    const index = new ManifestIndex(dbtParse(root));
    const model = index.get('model.jaffle.undocumented')!;
    assert.equal(model.patchPath, 'models/marts/extra.yml');
    assert.deepEqual(model.columns.map((c) => c.name), ['order_id', 'status']);
  });

  void it('description stubs for a YAML model entry and its columns', async () => {
    const yml = p('models/marts/extra.yml');
    const text = readFileSync(yml, 'utf8');
    await client.open(yml, text);
    const at = text.split('\n').findIndex((l) => l.includes('- name: public_orders'));
    const stub = (await actions(yml, { start: { line: at, character: 6 }, end: { line: at, character: 6 } })).find((a) => a.title.startsWith('Add description stubs'));
    assert.ok(stub);
    const out = applyEdits(text, stub.edit.changes![uri(yml)]!);
    assert.match(out, / {2}- name: public_orders\n {4}description: ""\n {4}access: public/);
  });

  void it('outline: CTEs and the final select of a model, models > columns > tests of YAML, macros of a macro file', async () => {
    const names = async (rel: string) => client.connection.sendRequest<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: uri(p(rel)) } });
    assert.deepEqual((await names('models/marts/customers.sql')).map((s) => s.name), ['customer_orders', 'customer_payments', 'final select']);
    const yaml = await names('models/staging/schema.yml');
    const stgPayments = yaml.find((s) => s.name === 'stg_payments')!;
    const paymentId = stgPayments.children!.find((c) => c.name === 'payment_id')!;
    assert.deepEqual(paymentId.children!.map((c) => c.name).sort(), ['not_null', 'unique']);
    assert.deepEqual((await names('macros/cents_to_dollars.sql')).map((s) => s.name), ['cents_to_dollars']);
    const folds = await client.connection.sendRequest<{ startLine: number; endLine: number }[]>('textDocument/foldingRange', { textDocument: { uri: uri(p('models/marts/customers.sql')) } });
    assert.deepEqual(folds.map((f) => f.startLine), [0, 10], 'one fold per CTE');
  });

  void it('workspace symbols: a model by part of its name, a source table, ranked', async () => {
    const found = await client.connection.sendRequest<{ name: string; location: { uri: string } }[]>('workspace/symbol', { query: 'stg_cust' });
    assert.equal(found[0]!.name, 'stg_customers');
    assert.equal(found[0]!.location.uri, uri(p('models/staging/stg_customers.sql')));
    const sources = await client.connection.sendRequest<{ name: string; location: { uri: string; range: Range } }[]>('workspace/symbol', { query: 'raw.raw_ord' });
    assert.equal(sources[0]!.name, 'raw.raw_orders');
    assert.equal(readFileSync(fileURLToPath(sources[0]!.location.uri), 'utf8').split('\n')[sources[0]!.location.range.start.line]!.trim(), '- name: raw_orders');
  });

  void it('rename a model: every ref, its YAML entry and its file in one edit; dbt parses the result', async () => {
    const orders = p('models/marts/orders.sql');
    const text = readFileSync(orders, 'utf8');
    await client.open(orders, text);
    const prepared = await client.request<{ range: Range; placeholder: string }>('textDocument/prepareRename', orders, text, "'stg_orders'", 2);
    assert.equal(prepared.placeholder, 'stg_orders');
    const edit = await client.request<CodeAction['edit']>('textDocument/rename', orders, text, "'stg_orders'", 2, { newName: 'stg_sales_orders' });
    const changes = edit.documentChanges!;
    const files = changes.filter((c): c is { textDocument: { uri: string }; edits: TextEdit[] } => 'textDocument' in c).map((c) => c.textDocument.uri.slice(uri(root).length + 1)).sort();
    assert.deepEqual(files, ['models/broken/broken_runtime.sql', 'models/marts/customers.sql', 'models/marts/order_events.sql', 'models/marts/orders.sql', 'models/staging/schema.yml']);
    const rename = changes.find((c) => 'kind' in c && c.kind === 'rename') as { oldUri: string; newUri: string; annotationId: string };
    assert.equal(rename.newUri, uri(p('models/staging/stg_sales_orders.sql')));
    // Labelled for VS Code's refactor preview; not needsConfirmation, which the preview would leave unchecked.
    assert.equal(edit.changeAnnotations![rename.annotationId]!.needsConfirmation, false);
    for (const c of changes) {
      if ('textDocument' in c) {
        const file = fileURLToPath(c.textDocument.uri);
        writeFileSync(file, applyEdits(readFileSync(file, 'utf8'), c.edits));
      } else renameSync(fileURLToPath(rename.oldUri), fileURLToPath(rename.newUri));
    }
    assert.ok(!existsSync(p('models/staging/stg_orders.sql')));
    const index = new ManifestIndex(dbtParse(root));
    assert.ok(index.get('model.jaffle.stg_sales_orders'));
    assert.ok(!index.get('model.jaffle.stg_orders'));
    assert.deepEqual(index.parents('model.jaffle.orders').filter((id) => id.includes('stg_')), ['model.jaffle.stg_sales_orders']);
    assert.equal(index.get('model.jaffle.stg_sales_orders')!.patchPath, 'models/staging/schema.yml');
  });

  void it('rename refuses what it cannot do, with the reason', async () => {
    const path = p('models/marts/uses_tiers.sql');
    const text = "select * from {{ ref('customer_tiers') }} join {{ ref('raw_orders') }}";
    await client.open(path, text);
    await assert.rejects(client.request('textDocument/prepareRename', path, text, "'customer_tiers'", 2), /versioned models/);
    await assert.rejects(client.request('textDocument/prepareRename', path, text, "'raw_orders'", 2), /only models can be renamed here, not a seed/);
  });
});
