// "dbt: Open Docs": the site `dbt docs generate` writes (target/index.html
// with manifest.json and catalog.json), shown in a webview under a policy
// that keeps it off the network (src/dbt/docsSite.ts). Generates the docs
// first when they are missing, and reloads after every later generate.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { docsSiteHtml } from '../dbt/docsSite';
import type { InvocationEntry } from '../dbt/treeModel';
import type { DbtProject } from './projects';

const FILES = ['index.html', 'manifest.json', 'catalog.json'];

export class DocsSite implements vscode.Disposable {
  panel: vscode.WebviewPanel | undefined;
  private project: DbtProject | undefined;

  /** Shows the docs site of `project`; `generate` runs `dbt docs generate` (undefined when nothing ran). */
  async open(project: DbtProject, generate: () => Promise<InvocationEntry | undefined>): Promise<boolean> {
    const target = join(project.root, project.targetPath);
    if (!FILES.every((f) => existsSync(join(target, f)))) {
      const entry = await generate();
      if (!entry?.result?.success) {
        if (entry) void vscode.window.showErrorMessage(`dbt docs generate failed, so there is no docs site to show. See the dbt output for why.`);
        return false;
      }
    }
    this.project = project;
    const panel = this.panelFor(target);
    panel.title = `dbt Docs: ${project.name}`;
    await this.load(panel, target);
    panel.reveal(undefined, false);
    return true;
  }

  /** After a `dbt docs generate` of the project shown: show the new site. */
  async generated(entry: InvocationEntry): Promise<void> {
    if (!this.panel || !this.project || entry.projectRoot !== this.project.root || !entry.result?.success) return;
    if (entry.args[0] !== 'docs' || entry.args[1] !== 'generate') return;
    await this.load(this.panel, join(this.project.root, this.project.targetPath));
  }

  private panelFor(target: string): vscode.WebviewPanel {
    const root = vscode.Uri.file(target);
    if (this.panel) {
      // Another project's target folder: a new panel, since resource roots are fixed per webview.
      if (this.panel.webview.options.localResourceRoots?.[0]?.fsPath === root.fsPath) return this.panel;
      this.panel.dispose();
    }
    const panel = vscode.window.createWebviewPanel('dbtConductor.docsSite', 'dbt Docs', vscode.ViewColumn.Active, {
      enableScripts: true,
      // The site's own files only: the target folder.
      localResourceRoots: [root],
      retainContextWhenHidden: true,
    });
    panel.onDidDispose(() => {
      if (this.panel === panel) this.panel = undefined;
    });
    this.panel = panel;
    return panel;
  }

  private async load(panel: vscode.WebviewPanel, target: string): Promise<void> {
    const index = await readFile(join(target, 'index.html'), 'utf8');
    const base = `${panel.webview.asWebviewUri(vscode.Uri.file(target)).toString()}/`;
    panel.webview.html = docsSiteHtml(index, { cspSource: panel.webview.cspSource, nonce: randomBytes(16).toString('hex'), baseHref: base });
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
