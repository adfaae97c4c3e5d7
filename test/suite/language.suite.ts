// The dbt language in a real VS Code: model files open as Jinja SQL (and
// .sql files outside the project's paths do not), the grammar tokenizes a
// model on this VS Code's own SQL grammar, a quick fix applies, rename edits
// every file, the outline lists CTEs, snippets
// are offered, compiled SQL opens as `name.sql (compiled)` and refreshes,
// and the language server restarts on command.
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { loadJinjaSqlGrammar, scopesOf, tokenizeLines } from '../unit/textmate';
import { closeEditors, conductor, ensureParsed, EXTENSION_ID, fileText, fileUri, lineOf, openFile, projectRoot, runCommand, waitFor } from './helpers';

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'dbt');

function hoverText(hovers: vscode.Hover[]): string {
  return hovers.flatMap((h) => h.contents).map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : '')).join('\n');
}

suite('dbt language', () => {
  suiteSetup(async () => {
    await ensureParsed(await conductor());
  });

  teardown(closeEditors);

  test('model files open as Jinja SQL; a .sql file outside the model/macro/test paths keeps SQL', async () => {
    const macro = await openFile('macros/cents_to_dollars.sql');
    await waitFor('the macro file to be jinja-sql', () => macro.document.languageId === 'jinja-sql' || undefined, 30_000);
    mkdirSync(join(projectRoot(), 'scratch'), { recursive: true });
    writeFileSync(join(projectRoot(), 'scratch', 'adhoc.sql'), 'select 1');
    const adhoc = await vscode.workspace.openTextDocument(fileUri('scratch/adhoc.sql'));
    // Opened after the ad-hoc file: once it has switched, the extension has decided about both.
    const model = await openFile('models/staging/stg_payments.sql');
    await waitFor('stg_payments.sql to be jinja-sql', () => model.document.languageId === 'jinja-sql' || undefined, 30_000);
    const now = vscode.workspace.textDocuments.find((d) => d.uri.toString() === adhoc.uri.toString());
    assert.equal(now?.languageId, 'sql');
  });

  test("the grammar tokenizes a model's Jinja on this VS Code's SQL grammar", async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed = (ext.packageJSON as { contributes: { grammars: { scopeName: string; path: string }[] } }).contributes.grammars;
    assert.ok(contributed.some((g) => g.scopeName === 'source.sql.jinja'));
    const sqlExt = vscode.extensions.getExtension('vscode.sql');
    assert.ok(sqlExt, "VS Code's built-in SQL extension");
    const grammar = await loadJinjaSqlGrammar(ext.extensionPath, join(sqlExt.extensionPath, 'syntaxes', 'sql.tmLanguage.json'));
    const lines = tokenizeLines(grammar, fileText('models/marts/customers.sql'));
    assert.ok(scopesOf(lines, 'ref').includes('support.function.builtin.dbt'));
    assert.ok(scopesOf(lines, '{{').includes('punctuation.section.embedded.begin.jinja'));
    assert.ok(scopesOf(lines, 'select').some((s) => s.startsWith('keyword.other.DML.sql')));
  });

  test('a quick fix replaces an unknown ref with the suggestion', async () => {
    const editor = await openFile('models/marts/orders.sql');
    const doc = editor.document;
    const at = doc.getText().indexOf("'stg_orders'") + 1;
    const range = new vscode.Range(doc.positionAt(at), doc.positionAt(at + 'stg_orders'.length));
    await editor.edit((e) => e.replace(range, 'stg_ordrs'));
    const diag = await waitFor('the unknown-ref diagnostic', () => ours(doc.uri).find((d) => d.code === 'unknown-ref'), 60_000);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, diag.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.title === "Replace with 'stg_orders'");
    assert.ok(fix?.edit, `quick fixes: ${actions.map((a) => a.title).join(', ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.ok(doc.getText().includes("ref('stg_orders')"));
    await waitFor('the diagnostic to clear', () => ours(doc.uri).length === 0 || undefined, 60_000);
  });

  test('the outline lists the CTEs and the final select; the ref snippet inserts', async () => {
    const uri = fileUri('models/marts/customers.sql');
    const editor = await openFile('models/marts/customers.sql');
    await waitFor('customers.sql to be jinja-sql', () => editor.document.languageId === 'jinja-sql' || undefined, 30_000);
    const symbols = await waitFor('document symbols', async () => {
      const s = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', uri);
      return s && s.length > 0 ? s : undefined;
    }, 60_000);
    assert.deepEqual(symbols.map((s) => s.name), ['customer_orders', 'customer_payments', 'final select']);
    // The contributed snippets are VS Code's for jinja-sql: insert one by name as the snippet picker does.
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), '\n'));
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    await vscode.commands.executeCommand('editor.action.insertSnippet', { langId: 'jinja-sql', name: 'ref' });
    assert.equal(editor.document.lineAt(0).text, "{{ ref('model_name') }}");
  });

  test('rename a model: file, refs and YAML entry in one edit; then back', async () => {
    const rename = async (from: string, to: string, inFile: string) => {
      const editor = await openFile(inFile);
      const at = editor.document.positionAt(editor.document.getText().indexOf(`'${from}'`) + 2);
      const edit = await vscode.commands.executeCommand<vscode.WorkspaceEdit>('vscode.executeDocumentRenameProvider', editor.document.uri, at, to);
      const touched = edit.entries().map(([u]) => vscode.workspace.asRelativePath(u)).sort();
      assert.ok(await vscode.workspace.applyEdit(edit));
      // Edited files that no editor shows stay dirty in the background: save each, as the user's Save All would.
      for (const [u] of edit.entries()) await vscode.workspace.textDocuments.find((d) => d.uri.toString() === u.toString())?.save();
      return touched;
    };
    const touched = await rename('int_order_payments', 'int_payments_per_order', 'models/marts/orders.sql');
    assert.ok(touched.includes('models/marts/orders.sql') && touched.includes('models/intermediate/schema.yml'), touched.join(', '));
    assert.ok(fileText('models/marts/orders.sql').includes("ref('int_payments_per_order')"));
    assert.match(fileText('models/intermediate/schema.yml'), /- name: int_payments_per_order/);
    assert.ok(fileText('models/intermediate/int_payments_per_order.sql').length > 0);
    // The project parses again after the save; then rename back, so the other suites see the fixture as it was.
    await waitFor('the renamed model in the manifest', async () => (await conductor()).manifests.get(projectRoot())?.index.get('model.jaffle.int_payments_per_order'), 120_000);
    await rename('int_payments_per_order', 'int_order_payments', 'models/marts/orders.sql');
    assert.ok(fileText('models/intermediate/int_order_payments.sql').length > 0);
    await waitFor('the original name back in the manifest', async () => (await conductor()).manifests.get(projectRoot())?.index.get('model.jaffle.int_order_payments'), 120_000);
  });

  test('compiled SQL opens as name.sql (compiled) and refreshes when compiled again', async () => {
    const rel = 'models/staging/stg_customers.sql';
    const original = fileText(rel);
    await openFile(rel);
    await runCommand('compile');
    const label = 'stg_customers.sql (compiled)';
    const compiledDoc = () => vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'dbt-compiled' && d.uri.path.endsWith(label));
    await waitFor(`a tab named ${label}`, () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === label), 30_000);
    assert.ok(compiledDoc() && !compiledDoc()!.getText().includes('-- compiled again'));
    try {
      writeFileSync(join(projectRoot(), rel), `${original}\n-- compiled again\n`);
      await runCommand('compile', { kind: 'node', projectRoot: projectRoot(), name: 'stg_customers' });
      await waitFor('the compiled tab to show the new code', () => compiledDoc()?.getText().includes('-- compiled again') || undefined, 30_000);
    } finally {
      writeFileSync(join(projectRoot(), rel), original);
    }
  });

  test('Go to Compiled Line and back: a line below an injected ephemeral CTE, and a line of the CTE itself', async () => {
    const rel = 'models/marts/orders.sql';
    const editor = await openFile(rel);
    const sourceLine = lineOf(rel, 'coalesce(p.coupon_amount, 0)');
    editor.selection = new vscode.Selection(sourceLine, 4, sourceLine, 4);
    const compiled = await vscode.commands.executeCommand<vscode.TextEditor | undefined>('dbtConductor.goToCompiledLine');
    assert.ok(compiled, 'the compiled tab is shown');
    assert.equal(compiled.document.uri.scheme, 'dbt-compiled');
    const at = compiled.selection.start.line;
    // The injected CTE of int_order_payments pushes the model's own lines down.
    assert.ok(at > sourceLine, `compiled line ${at} is below source line ${sourceLine}`);
    assert.match(compiled.document.lineAt(at).text, /coalesce\(p\.coupon_amount, 0\) as coupon_amount/);

    const back = await vscode.commands.executeCommand<vscode.TextEditor | undefined>('dbtConductor.goToSourceLine');
    assert.ok(back);
    assert.equal(back.document.uri.fsPath, fileUri(rel).fsPath);
    assert.equal(back.selection.start.line, sourceLine);

    // A line of the inlined ephemeral model leads to the ref() that pulled it in.
    const cteLine = compiled.document.getText().split('\n').findIndex((l) => l.includes("payment_method = 'coupon'"));
    assert.ok(cteLine >= 0, 'the compiled SQL holds the ephemeral CTE');
    const again = await vscode.window.showTextDocument(compiled.document, compiled.viewColumn);
    again.selection = new vscode.Selection(cteLine, 0, cteLine, 0);
    const ref = await vscode.commands.executeCommand<vscode.TextEditor | undefined>('dbtConductor.goToSourceLine');
    assert.equal(ref?.selection.start.line, lineOf(rel, "ref('int_order_payments')"));
  });

  test('dbt: Restart Language Server: hovers work again afterwards', async () => {
    const uri = fileUri('models/marts/orders.sql');
    await openFile('models/marts/orders.sql');
    await vscode.commands.executeCommand('dbtConductor.restartLanguageServer');
    const at = (await vscode.workspace.openTextDocument(uri)).positionAt(fileText('models/marts/orders.sql').indexOf("ref('stg_orders')") + 7);
    const text = await waitFor('a hover from the restarted server', async () => {
      const t = hoverText((await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, at)) ?? []);
      return t.includes('`stg_orders`') ? t : undefined;
    }, 60_000);
    assert.match(text, /\*\*model\*\* `stg_orders`/);
  });
});
