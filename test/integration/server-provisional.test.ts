// The language server on the index of a project's files (src/dbt/fileIndex.ts),
// sent before dbt has parsed the project: hover (saying the answer comes from
// files, not a parse), definition and completion of ref/source work from it;
// no check runs on it (an unknown ref, a public model without a description);
// the manifest of real `dbt parse` replaces it, and an index sent after that
// manifest is ignored. `node scripts/build.mjs` first (dist/server.js).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DiagnosticCodes, manifestChanged } from '../../src/dbt/lspProtocol';
import { indexProjectFiles, nodeFileTree } from '../../src/dbt/fileIndex';
import { slimManifest } from '../../src/dbt/manifest';
import { dbtParse } from '../unit/server-fixture';
import { serverOnJaffle, uri, writeAtomically, type Client, type JaffleServer, type Location } from './lspTestClient';

type Hover = { contents: { kind: string; value: string } };

void describe('language server on the index of the files, before dbt parses', () => {
  let server: JaffleServer | undefined;
  let root: string;
  let indexPath: string;
  let client: Client;
  const p = (rel: string) => join(root, rel);

  before(async () => {
    server = await serverOnJaffle(async (r) => (await indexProjectFiles(r, nodeFileTree)).manifest, { file: 'files.json', loaded: /manifest for jaffle: \d+ models.*from files, not yet parsed/ });
    ({ root, manifestPath: indexPath, client } = server);
  });

  after(() => server?.stop());

  void it('hover on ref() names the model and says it comes from files, not yet parsed', async () => {
    const path = p('models/marts/orders.sql');
    const text = readFileSync(path, 'utf8');
    await client.open(path, text);
    const hover = await client.request<Hover>('textDocument/hover', path, text, "ref('stg_orders')", 7);
    assert.match(hover.contents.value, /\*\*model\*\* `stg_orders`/);
    assert.match(hover.contents.value, /From files, not yet parsed/);
  });

  void it('definition: ref -> model file, source -> its YAML line, macro -> its definition', async () => {
    const orders = p('models/marts/orders.sql');
    const ref = await client.request<Location>('textDocument/definition', orders, readFileSync(orders, 'utf8'), "ref('int_order_payments')", 7);
    assert.equal(ref.uri, uri(p('models/intermediate/int_order_payments.sql')));
    const stg = p('models/staging/stg_payments.sql');
    const stgText = readFileSync(stg, 'utf8');
    await client.open(stg, stgText);
    const source = await client.request<Location>('textDocument/definition', stg, stgText, "'raw', 'raw_payments'", 9);
    assert.equal(source.uri, uri(p('models/staging/sources.yml')));
    assert.equal(readFileSync(p('models/staging/sources.yml'), 'utf8').split('\n')[source.range.start.line].trim(), '- name: raw_payments');
    const macro = await client.request<Location>('textDocument/definition', stg, stgText, 'cents_to_dollars', 2);
    assert.equal(macro.uri, uri(p('macros/cents_to_dollars.sql')));
  });

  void it("completion inside ref('stg_ and source('raw', '", async () => {
    const path = p('models/marts/typing.sql');
    const text = "select * from {{ ref('stg_\n{{ source('raw', '";
    await client.open(path, text);
    const refs = await client.connection.sendRequest<{ items: { label: string }[] }>('textDocument/completion', {
      textDocument: { uri: uri(path) },
      position: { line: 0, character: text.indexOf('\n') },
    });
    const labels = refs.items.map((i) => i.label);
    assert.ok(labels.includes('stg_orders') && labels.includes('stg_payments') && !labels.includes('customers'), labels.join(', '));
    const tables = await client.connection.sendRequest<{ items: { label: string }[] }>('textDocument/completion', {
      textDocument: { uri: uri(path) },
      position: { line: 1, character: text.split('\n')[1].length },
    });
    assert.deepEqual(tables.items.map((i) => i.label).sort(), ['raw_customers', 'raw_orders', 'raw_payments']);
  });

  void it('runs no checks on it; the manifest of dbt parse replaces it, and then the checks run', async () => {
    const path = p('models/marts/misspelt.sql');
    await client.open(path, "select * from {{ ref('stg_ordrs') }}");
    // An opened document is always answered with its diagnostics, even none.
    const none = await client.waitFor('diagnostics of the opened file', () => client.diagnostics.get(uri(path)));
    assert.deepEqual(none, []);
    assert.deepEqual([...client.diagnostics.values()].flat(), [], 'no check at all: no unknown ref, no public model without a description');

    const slimPath = join(dirname(root), 'conductor', 'manifest.json');
    writeAtomically(slimPath, slimManifest(dbtParse(root)));
    const loaded = client.nextLog(/manifest for jaffle: \d+ models.*\(dbt \d/);
    await client.connection.sendNotification(manifestChanged, { projectRoot: root, manifestPath: slimPath, stale: false });
    await loaded;
    const unknown = await client.waitFor('the unknown ref checked', () => client.diagnostics.get(uri(path))?.find((d) => d.code === DiagnosticCodes.unknownRef));
    assert.match(unknown.message, /Did you mean 'stg_orders'\?/);
    await client.waitFor('the public model without a description flagged', () =>
      client.diagnostics.get(uri(p('models/marts/extra.yml')))?.some((d) => d.code === DiagnosticCodes.publicModelWithoutDescription),
    );
    const orders = p('models/marts/orders.sql');
    const hover = await client.request<Hover>('textDocument/hover', orders, readFileSync(orders, 'utf8'), "ref('stg_orders')", 7);
    assert.match(hover.contents.value, /Orders, renamed from the raw export\./, 'descriptions come with the parse');
    assert.doesNotMatch(hover.contents.value, /not yet parsed/);

    // An index that arrives after dbt's manifest (a slow file walk) does not replace it.
    const ignored = client.nextLog(/index of the files of .* ignored/);
    await client.connection.sendNotification(manifestChanged, { projectRoot: root, manifestPath: indexPath, stale: false });
    await ignored;
    const again = await client.request<Hover>('textDocument/hover', orders, readFileSync(orders, 'utf8'), "ref('stg_orders')", 7);
    assert.doesNotMatch(again.contents.value, /not yet parsed/);
  });
});
