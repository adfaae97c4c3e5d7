// The lineage panel (beside the editor) and the compact Lineage view in the
// dbt side bar: both follow the node of the active editor, show the
// manifest's lineage around it (src/editor/lineageView.ts), and redraw
// their run badges while dbt runs.
import * as vscode from 'vscode';
import { isLineageNode } from '../dbt/lineage';
import type { ManifestIndex } from '../dbt/manifest';
import { yamlEntities } from '../dbt/yamlPositions';
import { nodeFile, type ManifestStore } from './manifests';
import type { Projects } from './projects';
import type { RunnerHost } from './runnerHost';
import { relPath } from './target';
import { LineageView, type LineageDeps } from './lineageView';

export const LINEAGE_PANEL = 'dbtConductor.lineage';
export const LINEAGE_VIEW = 'dbtConductor.lineageView';

/** A node of a project: what "Show Lineage" and "Show Docs" take (the hover's command link sends it). */
export interface NodeRef {
  projectRoot?: string;
  uniqueId: string;
}

export function isNodeRef(v: unknown): v is NodeRef {
  return typeof v === 'object' && v !== null && typeof (v as NodeRef).uniqueId === 'string';
}

export class LineageViews implements vscode.Disposable, vscode.WebviewViewProvider {
  panel: LineageView | undefined;
  sidebar: LineageView | undefined;
  private webviewPanel: vscode.WebviewPanel | undefined;
  /** The last file editor that was active (the panel itself takes the focus from editors). */
  private lastEditor: vscode.TextEditor | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly deps: LineageDeps;

  constructor(
    private readonly projects: Projects,
    private readonly manifests: ManifestStore,
    host: RunnerHost,
    extensionUri: vscode.Uri,
    openDocs: (projectRoot: string, uniqueId: string) => Promise<unknown>,
  ) {
    this.deps = {
      extensionUri,
      manifests,
      invocations: () => host.history.list(),
      openNode: (root, id, inSidebar) => this.openNode(root, id, inSidebar),
      openDocs,
    };
    let selectionTimer: NodeJS.Timeout | undefined;
    this.disposables.push(
      vscode.window.registerWebviewViewProvider(LINEAGE_VIEW, this, { webviewOptions: { retainContextWhenHidden: true } }),
      vscode.window.onDidChangeActiveTextEditor((e) => this.followEditor(e)),
      // In schema YAML the node is the entry around the cursor.
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (!/\.ya?ml$/i.test(e.textEditor.document.uri.fsPath)) return;
        clearTimeout(selectionTimer);
        selectionTimer = setTimeout(() => this.followEditor(e.textEditor), 200);
      }),
      manifests.onDidChange((root) => {
        // A first parse gives the file shown a node to centre on; a re-parse redraws.
        const node = this.activeNode(this.lastEditor);
        for (const v of this.views()) if (!v.follow(node?.projectRoot, node?.uniqueId) && v.projectRoot === root) v.render();
      }),
      host.onDidChange(() => this.views().forEach((v) => v.refreshBadges())),
      { dispose: () => clearTimeout(selectionTimer) },
    );
  }

  private views(): LineageView[] {
    return [this.panel, this.sidebar].filter((v): v is LineageView => v !== undefined);
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.sidebar?.dispose();
    const lineage = new LineageView(view.webview, this.deps, true);
    this.sidebar = lineage;
    view.onDidDispose(() => {
      lineage.dispose();
      if (this.sidebar === lineage) this.sidebar = undefined;
    });
    this.followEditor(vscode.window.activeTextEditor);
  }

  /** Opens (or reveals) the panel beside the editor, centred on `ref` or on the active editor's node. */
  openPanel(ref?: NodeRef): LineageView {
    if (!this.webviewPanel || !this.panel) {
      const panel = vscode.window.createWebviewPanel(LINEAGE_PANEL, 'Lineage', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { retainContextWhenHidden: true });
      const lineage = new LineageView(panel.webview, this.deps, false);
      this.webviewPanel = panel;
      this.panel = lineage;
      panel.onDidDispose(() => {
        lineage.dispose();
        if (this.panel === lineage) {
          this.panel = undefined;
          this.webviewPanel = undefined;
        }
      });
      lineage.onDidRender(() => {
        const name = lineage.focus.focus?.split('.').pop();
        panel.title = name ? `Lineage: ${name}` : 'Lineage';
      });
    } else {
      this.webviewPanel.reveal(undefined, true);
    }
    const target = ref ? this.resolve(ref) : this.activeNode(vscode.window.activeTextEditor);
    if (target?.uniqueId) this.panel.show(target.projectRoot, target.uniqueId);
    else if (target) this.panel.follow(target.projectRoot, undefined);
    return this.panel;
  }

  /** Centres the open views on a node (explicit: also when locked). */
  showInViews(ref: NodeRef): void {
    const target = this.resolve(ref);
    if (target?.uniqueId) for (const v of this.views()) v.show(target.projectRoot, target.uniqueId);
  }

  private resolve(ref: NodeRef): { projectRoot: string; uniqueId: string } | undefined {
    const root = ref.projectRoot ?? this.projects.active()?.root;
    return root ? { projectRoot: root, uniqueId: ref.uniqueId } : undefined;
  }

  private followEditor(editor: vscode.TextEditor | undefined): void {
    if (!editor || editor.document.uri.scheme !== 'file') return;
    this.lastEditor = editor;
    const node = this.activeNode(editor);
    for (const v of this.views()) v.follow(node?.projectRoot, node?.uniqueId);
  }

  /** The project and lineage node of an editor's file (the YAML entry around the cursor). */
  activeNode(editor: vscode.TextEditor | undefined): { projectRoot: string; uniqueId: string | undefined } | undefined {
    if (!editor) return undefined;
    const project = this.projects.forUri(editor.document.uri);
    if (!project) return undefined;
    const index = this.manifests.get(project.root)?.index;
    if (!index) return { projectRoot: project.root, uniqueId: undefined };
    const rel = relPath(project.root, editor.document.uri.fsPath);
    const doc = editor.document;
    const id = /\.ya?ml$/i.test(rel) ? yamlNode(index, rel, doc.getText(), doc.offsetAt(editor.selection.active)) : fileNode(index, rel);
    return { projectRoot: project.root, uniqueId: id };
  }

  /** Opens a node's file: in the side bar's case in the active group, else beside the panel. */
  private async openNode(projectRoot: string, uniqueId: string, inSidebar: boolean): Promise<unknown> {
    const uri = this.fileOf(projectRoot, uniqueId);
    if (!uri) {
      void vscode.window.showInformationMessage(`dbt did not record a file for ${uniqueId}.`);
      return undefined;
    }
    const column = inSidebar || this.webviewPanel?.viewColumn !== vscode.ViewColumn.One ? vscode.ViewColumn.One : vscode.ViewColumn.Two;
    return vscode.window.showTextDocument(uri, { preview: true, viewColumn: column });
  }

  /** The file a node is defined in, or `path` relative to the node's package. */
  fileOf(projectRoot: string, uniqueId: string, path?: string): vscode.Uri | undefined {
    return nodeFile(this.manifests, this.projects, projectRoot, uniqueId, path);
  }

  dispose(): void {
    this.webviewPanel?.dispose();
    this.sidebar?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** The node a SQL, Python or CSV file defines. */
function fileNode(index: ManifestIndex, rel: string): string | undefined {
  return index.entriesInFile(rel).find((e) => e.originalFilePath === rel && isLineageNode(index, e.uniqueId))?.uniqueId;
}

const YAML_NODE_KINDS = new Set(['model', 'seed', 'snapshot', 'source-table', 'exposure', 'semantic_model', 'metric', 'saved_query', 'analysis']);

/** In schema YAML: the entry whose name is the last one at or above the cursor, else the first node the file documents. */
function yamlNode(index: ManifestIndex, rel: string, text: string, offset: number): string | undefined {
  const inFile = index.entriesInFile(rel).filter((e) => isLineageNode(index, e.uniqueId));
  const entries = yamlEntities(text).filter((e) => YAML_NODE_KINDS.has(e.kind) && e.nameStart <= offset);
  const around = entries[entries.length - 1];
  if (around) {
    const match = around.kind === 'source-table'
      ? inFile.find((e) => e.resourceType === 'source' && e.name === around.name && e.sourceName === around.parent?.name)
      : inFile.find((e) => e.resourceType === around.kind && e.name === around.name);
    if (match) return match.uniqueId;
  }
  return inFile[0]?.uniqueId;
}
