// The dbt language server in a real VS Code: hover, go to definition,
// completion and a diagnostic, through VS Code's own provider commands, on
// the jaffle fixture after the extension parsed it.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeEditors, conductor, ensureParsed, fileText, fileUri, lineOf, waitFor } from './helpers';

/** Position of the first occurrence of `needle` in a project file, plus `delta` characters. */
function positionOf(rel: string, needle: string, delta = 1): vscode.Position {
  const lines = fileText(rel).split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  if (line < 0) throw new Error(`"${needle}" not in ${rel}`);
  return new vscode.Position(line, lines[line]!.indexOf(needle) + delta);
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

suite('language server', () => {
  suiteSetup(async () => {
    await ensureParsed(await conductor());
  });

  teardown(closeEditors);

  test('hover on ref() shows the model from the manifest', async () => {
    const rel = 'models/marts/orders.sql';
    await vscode.window.showTextDocument(fileUri(rel));
    const at = positionOf(rel, "ref('stg_orders')", 7);
    const text = await waitFor('a dbt hover', async () => {
      const t = hoverText((await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', fileUri(rel), at)) ?? []);
      return t.includes('`stg_orders`') && t;
    });
    assert.match(text, /\*\*model\*\* `stg_orders`/);
    assert.match(text, /materialized \| view/);
  });

  test('go to definition of a source opens its YAML entry', async () => {
    const rel = 'models/staging/stg_orders.sql';
    await vscode.window.showTextDocument(fileUri(rel));
    const at = positionOf(rel, "'raw', 'raw_orders'", 9);
    const locations = await waitFor('a definition', async () => {
      const l = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', fileUri(rel), at);
      return l && l.length > 0 && l;
    });
    const first = locations[0]!;
    const uri = 'targetUri' in first ? first.targetUri : first.uri;
    const range = 'targetRange' in first ? first.targetRange : first.range;
    assert.equal(uri.fsPath, fileUri('models/staging/sources.yml').fsPath);
    assert.equal(range.start.line, lineOf('models/staging/sources.yml', '- name: raw_orders'));
  });

  test("completion inside ref(' lists the project's models matching what is typed", async () => {
    const rel = 'models/marts/orders.sql';
    const editor = await vscode.window.showTextDocument(fileUri(rel));
    const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
    await editor.edit((e) => e.insert(end, "\n{{ ref('stg_"));
    const after = editor.document.lineAt(editor.document.lineCount - 1).range.end;
    const list = await waitFor('ref completions', async () => {
      const l = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', editor.document.uri, after, "'");
      const labels = l?.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label)) ?? [];
      return labels.includes('stg_orders') && labels;
    });
    // Filtered by the typed prefix: the staging models, not the marts.
    assert.ok(list.includes('stg_customers') && list.includes('stg_payments'));
    assert.ok(!list.includes('customers'));
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  test('an unknown ref is a diagnostic with a did-you-mean, gone when fixed', async () => {
    const rel = 'models/marts/orders.sql';
    const editor = await vscode.window.showTextDocument(fileUri(rel));
    const doc = editor.document;
    const start = doc.positionAt(doc.getText().indexOf("'stg_orders'") + 1);
    await editor.edit((e) => e.replace(new vscode.Range(start, start.translate(0, 'stg_orders'.length)), 'stg_ordrs'));
    const ours = () => vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'dbt');
    const diag = await waitFor('the unknown-ref diagnostic', () => ours().find((d) => d.code === 'unknown-ref'), 30_000);
    assert.match(diag.message, /Did you mean 'stg_orders'\?/);
    assert.equal(diag.range.start.line, start.line);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await waitFor('the diagnostic to clear', () => ours().length === 0, 30_000);
  });
});
