// The language server's checks agree with dbt, over LSP on real manifests of
// the language fixtures (test/fixtures/lang-*, parsed by real dbt):
// - a package opened at its own root, its models disabled by default vars:
//   no ref/source diagnostics in them, one information note per file;
// - a source() in a Jinja branch a var never selects: no error, a hint;
// - files of a `local:` package (opened from its own folder or through the
//   symlink under dbt_packages/) and of a package installed as a real folder
//   get checks, hover and definition, attributed to their package;
// - a local package that is also a project of its own is reported once.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DiagnosticCodes, manifestChanged } from '../../src/dbt/lspProtocol';
import { slimManifest } from '../../src/dbt/manifest';
import { copyLangFixtures, dbtParse, type LangFixtures } from '../unit/server-fixture';
import { startServer, uri, writeAtomically, type Client, type Diagnostic, type Location } from './lspTestClient';

const ERROR = 1;
const WARNING = 2;
const INFORMATION = 3;
const HINT = 4;

void describe('checks that agree with dbt (language fixtures)', () => {
  let fx: LangFixtures;
  let client: Client;

  /** Parses a project with real dbt and tells the server, as the extension does after a parse. */
  async function load(root: string, name: string): Promise<void> {
    const slim = join(fx.dir, 'conductor', `${name}.json`);
    writeAtomically(slim, slimManifest(dbtParse(root)));
    const loaded = client.nextLog(new RegExp(`manifest for ${name}: \\d+ models`));
    await client.connection.sendNotification(manifestChanged, { projectRoot: root, manifestPath: slim, stale: false });
    await loaded;
  }

  /** Opens a file (its text on disk, or `text`) and waits for the diagnostics published for that text. */
  async function diagnosticsAfterOpen(path: string, text?: string): Promise<Diagnostic[]> {
    client.diagnostics.delete(uri(path));
    await client.open(path, text);
    return client.waitFor(`diagnostics of ${path}`, () => client.diagnostics.get(uri(path)));
  }

  /** Replaces an open file's text and waits for diagnostics that satisfy `until`. */
  async function diagnosticsAfterEdit(path: string, text: string, version: number, until: (d: Diagnostic[]) => boolean): Promise<Diagnostic[]> {
    await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: uri(path), version }, contentChanges: [{ text }] });
    return client.waitFor(`diagnostics of ${path} after an edit`, () => {
      const d = client.diagnostics.get(uri(path));
      return d && until(d) ? d : undefined;
    });
  }

  before(async () => {
    fx = copyLangFixtures();
    client = startServer();
    await client.start(fx.dir);
    // Only the installing projects first: lang-connector is not a project the server knows yet.
    await load(fx.project, 'lang_project');
    await load(fx.vendored, 'lang_vendored');
  });

  after(async () => {
    await client?.stop();
    fx?.remove();
  });

  void it("a local package's files opened from its own folder are checked, attributed to the package", async () => {
    const events = join(fx.connector, 'models', 'core', 'events.sql');
    const text = readFileSync(events, 'utf8');
    // The else branch's unknown source is in a branch dbt did not take: a hint, never an error.
    const diags = await diagnosticsAfterOpen(events);
    assert.deepEqual(diags.filter((d) => d.severity !== HINT), []);
    assert.equal(diags.length, 1);
    assert.equal(diags[0]!.code, DiagnosticCodes.untakenBranch);
    assert.match(diags[0]!.message, /Unknown source 'source_input'.*branch dbt did not take/);

    const hover = await client.request<{ contents: { value: string } }>('textDocument/hover', events, text, "ref('base_events')", 6);
    assert.match(hover.contents.value, /\*\*model\*\* `base_events` \(package `lang_connector`\)/);

    // A real mistake in the package file, outside any branch, is an error with a did-you-mean.
    const typo = text.replace("{% if var('events_from', 'ref') == 'ref' %}", "select * from {{ ref('base_evnts') }}\n{% if var('events_from', 'ref') == 'ref' %}");
    const edited = await diagnosticsAfterEdit(events, typo, 2, (d) => d.some((x) => x.code === DiagnosticCodes.unknownRef));
    const unknown = edited.find((d) => d.code === DiagnosticCodes.unknownRef)!;
    assert.equal(unknown.severity, ERROR);
    assert.match(unknown.message, /Did you mean 'base_events'\?/);
  });

  void it('the same file through the dbt_packages/ symlink gets the same answers', async () => {
    const linked = join(fx.project, 'dbt_packages', 'lang_connector', 'models', 'core', 'base_events.sql');
    assert.deepEqual(await diagnosticsAfterOpen(linked, "select * from {{ ref('events') }}"), []);
    const refs = await client.request<Location[]>('textDocument/references', linked, "select * from {{ ref('events') }}", "'events'", 2, { context: { includeDeclaration: false } });
    const files = refs.map((r) => r.uri).sort();
    assert.ok(files.includes(uri(join(fx.project, 'models', 'report.sql'))), `report.sql refs events: ${files.join(', ')}`);
  });

  void it("the package's disabled models get no ref diagnostics, one note each", async () => {
    for (const name of ['conn_accounts', 'conn_orders', 'conn_summary']) {
      const diags = await diagnosticsAfterOpen(join(fx.connector, 'models', 'connector', `${name}.sql`));
      assert.equal(diags.length, 1, `${name}: ${JSON.stringify(diags)}`);
      assert.equal(diags[0]!.code, DiagnosticCodes.disabledNode);
      assert.equal(diags[0]!.severity, INFORMATION);
      assert.match(diags[0]!.message, new RegExp(`model '${name}' is disabled by its configuration`));
    }
  });

  void it('a package installed as a real folder: checks, hover and definition in and from its files', async () => {
    const totals = join(fx.vendored, 'dbt_packages', 'vendored_utils', 'models', 'vendored_totals.sql');
    assert.deepEqual(await diagnosticsAfterOpen(totals), []);
    const diags = await diagnosticsAfterEdit(totals, "select * from {{ ref('vendored_ordrs') }}", 2, (d) => d.length > 0);
    assert.equal(diags[0]!.code, DiagnosticCodes.unknownRef);
    assert.match(diags[0]!.message, /Did you mean 'vendored_orders'/);

    const model = join(fx.vendored, 'models', 'uses_vendored.sql');
    const text = readFileSync(model, 'utf8');
    await client.open(model, text);
    const def = await client.request<Location>('textDocument/definition', model, text, 'safe_divide', 2);
    assert.equal(def.uri, uri(join(fx.vendored, 'dbt_packages', 'vendored_utils', 'macros', 'safe_divide.sql')));
    const hover = await client.request<{ contents: { value: string } }>('textDocument/hover', model, text, "ref('vendored_orders')", 6);
    assert.match(hover.contents.value, /`vendored_orders` \(package `vendored_utils`\)/);
  });

  void it('opened at its own root: disabled models get one note, untaken branches a hint, and nothing is reported twice', async () => {
    await load(fx.connector, 'lang_connector');
    const orders = join(fx.connector, 'models', 'connector', 'conn_orders.sql');
    const diags = await diagnosticsAfterOpen(orders);
    assert.deepEqual(diags.map((d) => [d.code, d.severity]), [[DiagnosticCodes.disabledNode, INFORMATION]]);

    // An inline `a if c else b`: the ref dbt did not resolve is only a hint.
    const types = join(fx.connector, 'models', 'core', 'event_types.sql');
    const typeDiags = await diagnosticsAfterOpen(types);
    assert.deepEqual(typeDiags.map((d) => [d.code, d.severity]), [[DiagnosticCodes.untakenBranch, HINT]]);
    assert.match(typeDiags[0]!.message, /Unknown ref 'archived_events'/);

    // Nothing above a hint anywhere in the package's files.
    const loud = [...client.diagnostics.entries()].filter(([u]) => u.startsWith(uri(fx.connector))).flatMap(([, d]) => d).filter((d) => d.severity <= WARNING);
    assert.deepEqual(loud.filter((d) => d.code !== DiagnosticCodes.unknownRef), [], 'only the typo written by the first test may remain');
  });
});
