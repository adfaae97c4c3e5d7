// The model docs panel: one panel, showing the docs of one node at a time
// (src/dbt/modelDocs.ts), from the cached manifest plus dbt's catalog.json
// and manifest.json in the project's target folder when dbt wrote them.
import { stat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { catalogTypes, manifestFacts, modelDocs, type ArtifactFacts, type FromDocsPage, type ModelDocs, type ToDocsPage } from '../dbt/modelDocs';
import type { ManifestStore } from './manifests';
import type { Projects } from './projects';
import { channel, pageHtml, webviewOptions } from './webviews';

export class ModelDocsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private port: ReturnType<typeof channel<ToDocsPage, FromDocsPage>> | undefined;
  private ready = false;
  /** The docs shown (or being shown): tests read it. */
  docs: ModelDocs | undefined;
  private readonly renderedEmitter = new vscode.EventEmitter<string>();
  /** Fires with the node id once the page has drawn its docs. */
  readonly onDidRender = this.renderedEmitter.event;
  private readonly artifacts = new JsonFiles();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly projects: Projects,
    private readonly manifests: ManifestStore,
    private readonly actions: { openFile: (projectRoot: string, uniqueId: string, path: string) => Promise<unknown>; showLineage: (projectRoot: string, uniqueId: string) => unknown },
  ) {}

  /** Shows the docs of a node (false when the project is not parsed or has no such node). */
  async show(projectRoot: string, uniqueId: string): Promise<boolean> {
    const index = this.manifests.get(projectRoot)?.index;
    const docs = index && modelDocs(index, projectRoot, uniqueId, await this.facts(projectRoot, uniqueId));
    if (!docs) {
      void vscode.window.showInformationMessage(index ? `${uniqueId} is not in the parsed project.` : 'The project is not parsed yet: run any dbt command (or "dbt: Parse") first.');
      return false;
    }
    this.docs = docs;
    this.open(docs.label);
    this.post({ type: 'docs', docs });
    return true;
  }

  private open(label: string): void {
    if (this.panel) {
      this.panel.title = `Docs: ${label}`;
      this.panel.reveal(undefined, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel('dbtConductor.modelDocs', `Docs: ${label}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { ...webviewOptions(this.extensionUri), retainContextWhenHidden: true });
    panel.webview.html = pageHtml(panel.webview, this.extensionUri, { script: 'docs', title: 'dbt docs' });
    const port = channel<ToDocsPage, FromDocsPage>(panel.webview);
    const listener = port.onMessage((m) => void this.onMessage(m));
    this.panel = panel;
    this.port = port;
    this.ready = false;
    panel.onDidDispose(() => {
      listener.dispose();
      this.panel = undefined;
      this.port = undefined;
    });
  }

  private post(message: ToDocsPage): void {
    if (this.ready) void this.port?.post(message);
  }

  private async onMessage(m: FromDocsPage): Promise<void> {
    const root = this.docs?.projectRoot;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        if (this.docs) this.post({ type: 'docs', docs: this.docs });
        return;
      case 'rendered':
        this.renderedEmitter.fire(m.id);
        return;
      case 'show':
        if (root) await this.show(root, m.id);
        return;
      case 'openFile':
        if (root) await this.actions.openFile(root, m.id, m.path);
        return;
      case 'lineage':
        if (root) this.actions.showLineage(root, m.id);
        return;
    }
  }

  /** Column types from target/catalog.json, contract/group/owner from target/manifest.json, when dbt wrote them. */
  private async facts(projectRoot: string, uniqueId: string): Promise<ArtifactFacts> {
    const target = join(projectRoot, this.projects.get(projectRoot)?.targetPath ?? 'target');
    const [catalog, manifest] = await Promise.all([this.artifacts.read(join(target, 'catalog.json')), this.artifacts.read(join(target, 'manifest.json'))]);
    return { ...manifestFacts(manifest, uniqueId), catalogTypes: catalogTypes(catalog, uniqueId) };
  }

  dispose(): void {
    this.panel?.dispose();
    this.renderedEmitter.dispose();
  }
}

/** JSON files read once per modification time (a 3,000-model manifest.json takes a while to parse). */
class JsonFiles {
  private readonly cache = new Map<string, { mtimeMs: number; value: unknown }>();

  async read(path: string): Promise<unknown> {
    try {
      const { mtimeMs } = await stat(path);
      const hit = this.cache.get(path);
      if (hit?.mtimeMs === mtimeMs) return hit.value;
      const value: unknown = JSON.parse(await readFile(path, 'utf8'));
      this.cache.set(path, { mtimeMs, value });
      return value;
    } catch {
      // Missing (dbt docs generate not run yet) or half-written: the panel shows what the manifest has.
      return undefined;
    }
  }
}
