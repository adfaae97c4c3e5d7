// Compiled SQL in read-only editors: the file dbt wrote under
// target/compiled/ when there is one, else the code from a compile result,
// served by a content provider (scheme dbt-compiled, so it cannot be saved
// over anything).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

const COMPILED_SCHEME = 'dbt-compiled';

export class CompiledSql implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(COMPILED_SCHEME, this);

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '-- Compiled SQL is no longer available: compile the node again.';
  }

  /** Opens compiled code from a result beside the current editor. */
  async show(name: string, code: string): Promise<vscode.TextEditor> {
    const uri = vscode.Uri.from({ scheme: COMPILED_SCHEME, path: `/${name}.sql` });
    this.contents.set(uri.toString(), code);
    this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'sql');
    return vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  }

  /** Opens target/compiled/<package>/<path> when dbt wrote it; false when there is no such file. */
  async openFile(projectRoot: string, packageName: string, originalFilePath: string): Promise<boolean> {
    const file = join(projectRoot, 'target', 'compiled', packageName, originalFilePath);
    if (!existsSync(file)) return false;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    return true;
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
