// Compiled SQL in read-only editors, one tab per node named
// `name.sql (compiled)` (so it is never mistaken for the source file),
// served by a content provider (scheme dbt-compiled, so it cannot be saved
// over anything). An open tab is refreshed whenever an invocation compiles
// its node again (compile, run, build, show: every result carrying the
// node's compiled code).
import * as vscode from 'vscode';
import type { InvocationEntry } from '../dbt/treeModel';

export const COMPILED_SCHEME = 'dbt-compiled';

/** The tab's URI: its path's last segment is the tab title; the query tells nodes of different projects apart. */
export function compiledUri(projectRoot: string, uniqueId: string): vscode.Uri {
  const name = uniqueId.split('.').pop() ?? uniqueId;
  return vscode.Uri.from({ scheme: COMPILED_SCHEME, path: `/${name}.sql (compiled)`, query: new URLSearchParams({ project: projectRoot, node: uniqueId }).toString() });
}

/** The node a compiled SQL tab shows (the inverse of compiledUri). */
export function nodeOfCompiledUri(uri: vscode.Uri): { projectRoot: string; uniqueId: string } | undefined {
  const q = new URLSearchParams(uri.query);
  const projectRoot = q.get('project');
  const uniqueId = q.get('node');
  return projectRoot && uniqueId ? { projectRoot, uniqueId } : undefined;
}

export class CompiledSql implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(COMPILED_SCHEME, this);

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '-- Compiled SQL is no longer available: compile the node again.';
  }

  /** Opens (or refreshes and reveals) the compiled code of a node beside the current editor. */
  async show(projectRoot: string, uniqueId: string, code: string): Promise<vscode.TextEditor> {
    const uri = compiledUri(projectRoot, uniqueId);
    this.update(uri, code);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'sql');
    return vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  }

  /** New compiled code from a finished invocation refreshes the tabs of its nodes that were opened. */
  refreshFrom(entry: InvocationEntry): void {
    for (const node of entry.result?.nodes ?? []) {
      if (node.compiledCode) this.refresh(entry.projectRoot, node.uniqueId, node.compiledCode);
    }
    if (entry.result?.output.kind === 'compile') for (const n of entry.result.output.nodes) this.refresh(entry.projectRoot, n.uniqueId, n.compiledCode);
  }

  private refresh(projectRoot: string, uniqueId: string, code: string): void {
    const uri = compiledUri(projectRoot, uniqueId);
    if (this.contents.has(uri.toString()) && this.contents.get(uri.toString()) !== code) this.update(uri, code);
  }

  private update(uri: vscode.Uri, code: string): void {
    this.contents.set(uri.toString(), code);
    this.changed.fire(uri);
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
