// Shows rows from `dbt show` (a model preview, or a test's failing rows) in
// a webview table. No scripts run in it: the CSP allows only one nonce'd
// style block, and every cell is HTML-escaped.
import * as vscode from 'vscode';
import { escapeHtml, makeNonce } from '../dbt/html';
import type { PreviewTable } from '../dbt/protocol';

export interface PreviewContent {
  title: string;
  /** One line above the table, e.g. "dbt show -s orders --limit 100 · jaffle (dev)". */
  subtitle: string;
  table: PreviewTable;
  /** The limit asked for; when the table is that long, more rows may exist. */
  limit?: number;
}

export class PreviewPanels implements vscode.Disposable {
  /** One panel per title, reused when the same node is previewed again. */
  private readonly panels = new Map<string, vscode.WebviewPanel>();
  /** The last content shown, for tests and for "copy as CSV". */
  lastShown: PreviewContent | undefined;

  show(content: PreviewContent): vscode.WebviewPanel {
    let panel = this.panels.get(content.title);
    if (!panel) {
      panel = vscode.window.createWebviewPanel('dbtConductor.preview', content.title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: false, localResourceRoots: [] });
      const created = panel;
      this.panels.set(content.title, created);
      created.onDidDispose(() => this.panels.delete(content.title));
    }
    panel.webview.html = renderTableHtml(content, panel.webview.cspSource);
    panel.reveal(undefined, true);
    this.lastShown = content;
    return panel;
  }

  dispose(): void {
    for (const p of this.panels.values()) p.dispose();
    this.panels.clear();
  }
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function renderTableHtml(content: PreviewContent, cspSource: string): string {
  const nonce = makeNonce();
  const { table } = content;
  const head = table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = table.rows
    .map((row) => `<tr>${row.map((v) => (v === null ? '<td class="null">null</td>' : `<td>${escapeHtml(cellText(v))}</td>`)).join('')}</tr>`)
    .join('\n');
  const more = content.limit !== undefined && table.rows.length >= content.limit ? ` (limit ${content.limit} reached; there may be more)` : '';
  const count = `${table.rows.length} row${table.rows.length === 1 ? '' : 's'}${more}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${cspSource}; style-src 'nonce-${nonce}';">
<title>${escapeHtml(content.title)}</title>
<style nonce="${nonce}">
  body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 12px; }
  p { color: var(--vscode-descriptionForeground); }
  table { border-collapse: collapse; font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); }
  th, td { border: 1px solid var(--vscode-panel-border, #8884); padding: 2px 8px; text-align: left; white-space: pre; vertical-align: top; }
  th { position: sticky; top: 0; background: var(--vscode-editor-background); }
  td.null { color: var(--vscode-disabledForeground); font-style: italic; }
</style></head>
<body>
<p>${escapeHtml(content.subtitle)} · ${escapeHtml(count)}</p>
<table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table>
</body></html>`;
}
