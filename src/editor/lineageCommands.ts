// The lineage panel and view, the model docs panel and the docs site: their
// set-up, and their commands as a table of factories like editor/commands.ts.
// The commands take a NodeRef
// ({projectRoot?, uniqueId}: the hover's command link, the lineage page's
// context menu) or work on the active editor's node.
import * as vscode from 'vscode';
import { buildArgs } from '../dbt/args';
import { commonOptions } from './commands';
import type { Config } from './config';
import { ModelDocsPanel } from './docsPanel';
import { DocsSite } from './docsSite';
import { isNodeRef, LineageViews, type NodeRef } from './lineage';
import type { ManifestStore } from './manifests';
import type { Projects } from './projects';
import type { RunnerHost } from './runnerHost';
import type { StatusBar } from './statusBar';

export interface LineageCommandContext {
  config: Config;
  statusBar: StatusBar;
  projects: Projects;
  host: RunnerHost;
  lineage: LineageViews;
  modelDocs: ModelDocsPanel;
  docsSite: DocsSite;
  ready: Promise<void>;
}

type Factory = (ctx: LineageCommandContext) => (...args: unknown[]) => unknown;

/** The node a command is about: its argument, else the active editor's node. */
function nodeOf(ctx: LineageCommandContext, arg: unknown): { projectRoot: string; uniqueId: string } | undefined {
  if (isNodeRef(arg)) {
    const root = arg.projectRoot ?? ctx.projects.active()?.root;
    return root ? { projectRoot: root, uniqueId: arg.uniqueId } : undefined;
  }
  const active = ctx.lineage.activeNode(vscode.window.activeTextEditor);
  return active?.uniqueId ? { projectRoot: active.projectRoot, uniqueId: active.uniqueId } : undefined;
}

const COMMANDS: Record<string, Factory> = {
  showLineage: (ctx) => (arg) => ctx.lineage.openPanel(isNodeRef(arg) ? (arg as NodeRef) : undefined),
  showModelDocs: (ctx) => async (arg) => {
    const node = nodeOf(ctx, arg);
    if (!node) {
      void vscode.window.showInformationMessage('Open a model, seed, snapshot or source file (of a parsed project) to see its docs.');
      return false;
    }
    return ctx.modelDocs.show(node.projectRoot, node.uniqueId);
  },
  openDocs: (ctx) => async (arg) => {
    const root = arg && typeof arg === 'object' && typeof (arg as NodeRef).projectRoot === 'string' ? (arg as NodeRef).projectRoot! : undefined;
    const project = (root ? ctx.projects.get(root) : undefined) ?? ctx.projects.active();
    if (!project) {
      void vscode.window.showWarningMessage('No dbt project found: open a folder that contains a dbt_project.yml.');
      return false;
    }
    const args = buildArgs({ ...commonOptions(ctx, project, 'docs generate'), command: 'docs generate' });
    return ctx.docsSite.open(project, () => ctx.host.run(project, args, { label: 'dbt docs generate' }));
  },
  'lineage.centre': (ctx) => (arg) => isNodeRef(arg) && ctx.lineage.showInViews(arg),
  'lineage.openFile': (ctx) => async (arg) => {
    const node = nodeOf(ctx, arg);
    const path = arg && typeof (arg as { path?: unknown }).path === 'string' ? (arg as { path: string }).path : undefined;
    const uri = node && ctx.lineage.fileOf(node.projectRoot, node.uniqueId, path);
    return uri ? vscode.window.showTextDocument(uri, { preview: true }) : undefined;
  },
};

export function registerLineageCommands(ctx: LineageCommandContext): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([name, factory]) => {
    const handler = factory(ctx);
    return vscode.commands.registerCommand(`dbtConductor.${name}`, async (...args: unknown[]) => {
      await ctx.ready;
      return handler(...args);
    });
  });
}

/** Creates the lineage views, the docs panel and the docs site, and registers their commands. */
export function setUpLineageAndDocs(
  extensionUri: vscode.Uri,
  deps: Omit<LineageCommandContext, 'lineage' | 'modelDocs' | 'docsSite'> & { manifests: ManifestStore },
): { lineage: LineageViews; modelDocs: ModelDocsPanel; docsSite: DocsSite; disposables: vscode.Disposable[] } {
  const run = async (name: string, ...args: unknown[]) => vscode.commands.executeCommand(`dbtConductor.${name}`, ...args);
  const modelDocs = new ModelDocsPanel(extensionUri, deps.projects, deps.manifests, {
    openFile: (projectRoot, uniqueId, path) => run('lineage.openFile', { projectRoot, uniqueId, path }),
    showLineage: (projectRoot, uniqueId) => run('showLineage', { projectRoot, uniqueId }),
  });
  const lineage = new LineageViews(deps.projects, deps.manifests, deps.host, extensionUri, (projectRoot, uniqueId) => modelDocs.show(projectRoot, uniqueId));
  const docsSite = new DocsSite();
  const disposables: vscode.Disposable[] = [
    modelDocs,
    lineage,
    docsSite,
    deps.host.onDidFinish((entry) => void docsSite.generated(entry)),
    ...registerLineageCommands({ ...deps, lineage, modelDocs, docsSite }),
  ];
  return { lineage, modelDocs, docsSite, disposables };
}
