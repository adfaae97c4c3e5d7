// Activation wires the editor objects together and returns quickly: no
// Python runs here. dbt starts on the first command (or, when
// dbtConductor.parseOnOpen is on, with a background parse of the project of
// the first dbt file the user opens). In an untrusted workspace nothing
// runs Python or dbt at all. The language client and the runner are bundles
// of their own, loaded after activation when first needed (editor/lazyParts.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { buildArgs } from './dbt/args';
import { parseFailureOf } from './dbt/diagnosticsModel';
import { CODE_LENS_SELECTOR, DbtCodeLensProvider } from './editor/codeLens';
import { registerCommands, commonOptions } from './editor/commands';
import { CompiledSql } from './editor/compiled';
import { Config } from './editor/config';
import { ResultDiagnostics } from './editor/diagnostics';
import type { ModelDocsPanel } from './editor/docsPanel';
import type { DocsSite } from './editor/docsSite';
import { DbtLanguageClient } from './editor/languageClient';
import type { LineageViews } from './editor/lineage';
import { setUpLineageAndDocs } from './editor/lineageCommands';
import { JinjaSqlLanguage } from './editor/jinjaSql';
import { registerLanguageCommands } from './editor/languageCommands';
import { registerCompiledJump } from './editor/compiledJump';
import { ManifestStore } from './editor/manifests';
import { NodeTreeProvider } from './editor/nodeTree';
import { Output } from './editor/output';
import { Projects, type DbtProject } from './editor/projects';
import { PythonResolver } from './editor/python';
import { queryHistory } from './editor/queries';
import { ResultsPanel } from './editor/resultsPanel';
import { RunnerHost } from './editor/runnerHost';
import { StatusBar } from './editor/statusBar';
import { TestExplorer } from './editor/testExplorer';
import { TestTreeProvider } from './editor/testTree';
import { TimelinePanel } from './editor/timelinePanel';
import { isTrusted } from './editor/trust';

/** What the extension returns from activate(): the objects the extension-host tests inspect. */
export interface ConductorApi {
  projects: Projects;
  manifests: ManifestStore;
  host: RunnerHost;
  nodeTree: NodeTreeProvider;
  testTree: TestTreeProvider;
  diagnostics: ResultDiagnostics;
  results: ResultsPanel;
  timeline: TimelinePanel;
  testExplorer: TestExplorer;
  /** Run Selected SQL's history, newest first. */
  queryHistory: () => ReturnType<typeof queryHistory>;
  statusBar: StatusBar;
  lineage: LineageViews;
  modelDocs: ModelDocsPanel;
  docsSite: DocsSite;
  /** Resolves once the first project discovery is done. */
  ready: Promise<void>;
}

let host: RunnerHost | undefined;

export function activate(context: vscode.ExtensionContext): ConductorApi {
  const subs = context.subscriptions;
  const config = new Config();
  const output = new Output();
  const manifests = new ManifestStore((context.storageUri ?? context.globalStorageUri).fsPath, (m) => output.warn(m));
  const projects = new Projects((m) => output.info(m));
  const statusBar = new StatusBar(projects, config, context.workspaceState);
  const python = new PythonResolver(config);
  const diagnostics = new ResultDiagnostics(manifests);
  const results = new ResultsPanel(context.extensionUri);
  const compiled = new CompiledSql();
  const lsp = new DbtLanguageClient(context.asAbsolutePath('dist/server.js'), output.channel);
  subs.push(output, manifests, projects, statusBar, python, diagnostics, results, compiled, { dispose: () => void lsp.dispose() });

  host = new RunnerHost({
    config,
    python,
    output,
    manifests,
    diagnostics,
    statusBar,
    workerScript: context.asAbsolutePath('dist/dbt_worker.py'),
    onManifest: (root, path) => {
      void manifests.load(root, path).then((loaded) => loaded && lsp.notifyManifest(root, path, false));
    },
    onParseOutcome: (root, error) => {
      lsp.notifyParseError(root, error === null ? null : parseFailureOf(error, (rel) => existsSync(join(root, rel))));
    },
  });
  const runnerHost = host;
  subs.push({ dispose: () => void runnerHost.dispose() });

  const nodeTree = new NodeTreeProvider(runnerHost.history, manifests);
  const testTree = new TestTreeProvider(runnerHost.history, manifests);
  const codeLens = new DbtCodeLensProvider(config, projects, manifests);
  const testExplorer = new TestExplorer({ host: runnerHost, manifests, projects, ctx: () => ({ config, statusBar }) });
  const timeline = new TimelinePanel(context.extensionUri, { host: runnerHost, manifests, projects, nodeTree });
  subs.push(
    nodeTree,
    testTree,
    timeline,
    testExplorer,
    vscode.window.createTreeView('dbtConductor.invocations', { treeDataProvider: nodeTree, showCollapseAll: true }),
    vscode.window.createTreeView('dbtConductor.testResults', { treeDataProvider: testTree, showCollapseAll: true }),
    vscode.languages.registerCodeLensProvider(CODE_LENS_SELECTOR, codeLens),
    runnerHost.onDidChange(() => {
      nodeTree.refresh();
      testTree.refresh();
    }),
    runnerHost.onDidFinish((entry) => {
      compiled.refreshFrom(entry);
      lsp.notifyShowColumns(entry);
    }),
    manifests.onDidChange(() => {
      codeLens.refresh();
      testTree.refresh(true);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('dbtConductor.codeLens')) codeLens.refresh();
      if (Config.parseKeys.some((k) => e.affectsConfiguration(k))) for (const p of projects.list()) runnerHost.invalidate(p.root);
    }),
  );

  // Parsing for the language server and the code lens: on request of the
  // server (files saved), when the target changes, and once per project
  // when one of its files is first opened.
  const parseArgs = (project: DbtProject) => () => buildArgs({ ...commonOptions({ config, statusBar }, project, 'parse'), command: 'parse', threads: undefined, extraArgs: [] });
  const parsedOnOpen = new Set<string>();
  const parseIfOpened = (editor: vscode.TextEditor | undefined) => {
    const project = editor && projects.forUri(editor.document.uri);
    if (!project || parsedOnOpen.has(project.root) || !config.parseOnOpen() || !isTrusted()) return;
    parsedOnOpen.add(project.root);
    runnerHost.parseSoon(project, parseArgs(project));
  };
  const parseIfUsed = (root: string) => {
    const project = projects.get(root);
    if (project && (runnerHost.hasRunner(root) || parsedOnOpen.has(root))) runnerHost.parseSoon(project, parseArgs(project));
  };
  subs.push(
    lsp.onParseRequested((root) => parseIfUsed(root)),
    projects.onDidChangeFiles(({ project }) => runnerHost.invalidate(project.root)),
    statusBar.onDidChangeTarget((root) => {
      runnerHost.invalidate(root);
      parseIfUsed(root);
    }),
    vscode.window.onDidChangeActiveTextEditor(parseIfOpened),
    vscode.workspace.onDidGrantWorkspaceTrust(() => parseIfOpened(vscode.window.activeTextEditor)),
  );

  const setContext = (key: string, value: unknown) => void vscode.commands.executeCommand('setContext', key, value);
  const updateActiveContext = () => {
    const editor = vscode.window.activeTextEditor;
    setContext('dbtConductor.activeFileInProject', !!(editor && projects.forUri(editor.document.uri)));
  };
  // The language server starts once there is a project for it to serve.
  let lspStarting = false;
  const startLanguageServer = () => {
    if (lspStarting) return;
    lspStarting = true;
    lsp.start().catch((e: unknown) => output.error(`The dbt language server did not start: ${e instanceof Error ? e.message : String(e)}`));
  };
  let knownRoots = new Set<string>();
  subs.push(
    projects.onDidChange(() => {
      setContext('dbtConductor.hasProject', projects.list().length > 0);
      if (projects.list().length > 0) startLanguageServer();
      updateActiveContext();
      const roots = new Set(projects.list().map((p) => p.root));
      for (const gone of [...knownRoots].filter((r) => !roots.has(r))) {
        manifests.forget(gone);
        lsp.notifyProjectRemoved(gone);
      }
      knownRoots = roots;
    }),
    vscode.window.onDidChangeActiveTextEditor(updateActiveContext),
  );

  // Everything below runs after activate() has returned.
  const ready = projects
    .discover()
    .then(async (found) => {
      // Manifests from the previous session (a file read, no Python): code lens and language features at once.
      for (const p of found) {
        const loaded = await manifests.load(p.root);
        if (loaded) lsp.notifyManifest(p.root, loaded.path, true);
      }
      parseIfOpened(vscode.window.activeTextEditor);
    })
    .catch((e: unknown) => output.error(`Looking for dbt projects failed: ${e instanceof Error ? e.message : String(e)}`));

  subs.push(new JinjaSqlLanguage(projects, config), ...registerLanguageCommands(lsp, (m) => output.info(m)), ...registerCompiledJump({ projects, manifests }));
  subs.push(...registerCommands({ config, projects, manifests, host: runnerHost, statusBar, results, timeline, compiled, nodeTree, testTree, ready, state: context.workspaceState, showOutput: () => output.show() }));

  const docs = setUpLineageAndDocs(context.extensionUri, { config, statusBar, projects, manifests, host: runnerHost, ready });
  subs.push(...docs.disposables);
  return { projects, manifests, host: runnerHost, nodeTree, testTree, diagnostics, results, timeline, testExplorer, queryHistory: () => queryHistory(context.workspaceState), statusBar, lineage: docs.lineage, modelDocs: docs.modelDocs, docsSite: docs.docsSite, ready };
}

export async function deactivate(): Promise<void> {
  // Stops the dbt workers (they would otherwise outlive the extension host until their idle timeout).
  await host?.dispose();
  host = undefined;
}
