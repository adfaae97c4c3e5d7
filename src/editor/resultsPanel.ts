// The query results panel: one webview for Preview, Show Failing Rows and
// ad-hoc queries (Run Selected SQL). The page (src/webview/results.ts)
// draws the grid; this side answers its requests: copy to the clipboard,
// export to a file, re-run at a larger limit, go to an error's line.
import * as vscode from 'vscode';
import { toDelimited, toJson, viewRows } from '../dbt/grid';
import type { FromResultsPage, ResultsContent, ToResultsPage } from '../dbt/resultsPage';
import { channel, pageHtml, webviewOptions } from './webviews';

/** What the panel can do for the result it shows, besides copy and export. */
export interface ResultActions {
  rerun?: (limit: number) => unknown;
  revealError?: () => unknown;
}

export class ResultsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private post: ((m: ToResultsPage) => Thenable<boolean>) | undefined;
  private pageReady: Promise<void> | undefined;
  private seq = 0;
  private actions: ResultActions = {};
  /** The last result shown (the extension-host tests read it). */
  lastShown: ResultsContent | undefined;
  /** The last text put on the clipboard or written to a file by the panel (tests). */
  lastCopied: string | undefined;
  lastExported: vscode.Uri | undefined;

  constructor(private readonly extensionUri: vscode.Uri) {}

  /** Says a query is running (the panel opens at once, the rows follow). */
  async running(title: string, subtitle: string): Promise<void> {
    await this.open();
    await this.post?.({ type: 'running', title, subtitle });
  }

  async show(content: Omit<ResultsContent, 'seq'>, actions: ResultActions = {}): Promise<ResultsContent> {
    const shown: ResultsContent = { ...content, seq: ++this.seq };
    this.actions = actions;
    this.lastShown = shown;
    await this.open();
    this.panel!.title = content.title;
    await this.post?.({ type: 'show', content: shown });
    return shown;
  }

  private async open(): Promise<void> {
    if (this.panel) {
      if (!this.panel.visible) this.panel.reveal(undefined, true);
      return this.pageReady;
    }
    const panel = vscode.window.createWebviewPanel('dbtConductor.results', 'dbt Results', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      ...webviewOptions(this.extensionUri),
      // The rows live in the page; keeping it alive when hidden avoids sending them again.
      retainContextWhenHidden: true,
    });
    const ch = channel<ToResultsPage, FromResultsPage>(panel.webview);
    let ready!: () => void;
    this.pageReady = new Promise<void>((resolve) => (ready = resolve));
    const listener = ch.onMessage((m) => (m.type === 'ready' ? ready() : void this.onMessage(m)));
    panel.onDidDispose(() => {
      listener.dispose();
      this.panel = undefined;
      this.post = undefined;
    });
    panel.webview.html = pageHtml(panel.webview, this.extensionUri, { script: 'results', title: 'dbt Results' });
    this.panel = panel;
    this.post = ch.post;
    return this.pageReady;
  }

  private async onMessage(m: FromResultsPage): Promise<void> {
    const current = this.lastShown;
    switch (m.type) {
      case 'copy':
        this.lastCopied = m.text;
        await vscode.env.clipboard.writeText(m.text);
        return;
      case 'export':
        if (current && m.seq === current.seq) await this.export(current, m.format, m.view);
        return;
      case 'rerun':
        if (current && m.seq === current.seq) await this.actions.rerun?.(m.limit);
        return;
      case 'revealError':
        if (current && m.seq === current.seq) await this.actions.revealError?.();
        return;
      case 'history':
        await vscode.commands.executeCommand('dbtConductor.queryHistory');
        return;
    }
  }

  /** Writes the rows the page shows (its sort and filters) to a file the user picks. */
  async export(content: ResultsContent, format: 'csv' | 'json', view: Parameters<typeof viewRows>[1], target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const data = { columns: content.columns, rows: content.rows };
    const rows = viewRows(data, view);
    const name = content.title.replace(/^[^:]*:\s*/, '').replace(/[^\w.-]+/g, '_') || 'results';
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri =
      target ??
      (await vscode.window.showSaveDialog({
        defaultUri: folder ? vscode.Uri.joinPath(folder, `${name}.${format}`) : undefined,
        filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
        title: `Export ${rows.length} rows as ${format.toUpperCase()}`,
      }));
    if (!uri) return undefined;
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(format === 'csv' ? toDelimited(data, rows, 'csv') : toJson(data, rows)));
    this.lastExported = uri;
    void vscode.window.showInformationMessage(`Exported ${rows.length} rows to ${vscode.workspace.asRelativePath(uri)}.`);
    return uri;
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
