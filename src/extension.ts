// Activation wires the editor objects together and returns quickly: no
// Python runs here. Every command is registered at once and waits for the
// first project discovery. dbt starts on the first command (or with a
// background parse when a dbt file is opened, dbtConductor.parseOnOpen).
// In an untrusted workspace nothing runs Python or dbt at all. The policies
// live in editor modules: parseScheduler (when to parse), settingsChanges
// (settings applied at runtime), projectLifecycle (context keys, language
// server start, removed projects), viewUpdates (views kept in step),
// lineageCommands (lineage and docs). The language client and the runner are
// bundles of their own, loaded when first needed (editor/lazyParts.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parseFailureOf } from './dbt/diagnosticsModel';
import { CODE_LENS_SELECTOR, DbtCodeLensProvider } from './editor/codeLens';
import { registerCommands } from './editor/commands';
import { CompiledSql } from './editor/compiled';
import { registerCompiledJump } from './editor/compiledJump';
import { Config } from './editor/config';
import { ResultDiagnostics } from './editor/diagnostics';
import { HistoryStore, loadSaved } from './editor/historyStore';
import type { ModelDocsPanel } from './editor/docsPanel';
import type { DocsSite } from './editor/docsSite';
import { FileIndexes } from './editor/fileIndexes';
import { JinjaSqlLanguage } from './editor/jinjaSql';
import { DbtLanguageClient } from './editor/languageClient';
import { registerLanguageCommands } from './editor/languageCommands';
import type { LineageViews } from './editor/lineage';
import { setUpLineageAndDocs } from './editor/lineageCommands';
import { ManifestStore } from './editor/manifests';
import { NodeTreeProvider } from './editor/nodeTree';
import { Output } from './editor/output';
import { ParseScheduler } from './editor/parseScheduler';
import { watchProjects } from './editor/projectLifecycle';
import { Projects, readProjectFile } from './editor/projects';
import { PythonResolver } from './editor/python';
import { queryHistory } from './editor/queries';
import { ResultsPanel } from './editor/resultsPanel';
import { RunnerHost } from './editor/runnerHost';
import { SettingsChanges } from './editor/settingsChanges';
import { StatusBar } from './editor/statusBar';
import { TestExplorer } from './editor/testExplorer';
import { TestTreeProvider } from './editor/testTree';
import { TimelinePanel } from './editor/timelinePanel';
import { wireViewUpdates } from './editor/viewUpdates';

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
  python: PythonResolver;
  settings: SettingsChanges;
  parser: ParseScheduler;
  lineage: LineageViews;
  modelDocs: ModelDocsPanel;
  docsSite: DocsSite;
  /** Resolves once the first project discovery is done. */
  ready: Promise<void>;
}

let host: RunnerHost | undefined;

export function activate(context: vscode.ExtensionContext): ConductorApi {
  const config = new Config();
  const output = new Output();
  const manifests = new ManifestStore((context.storageUri ?? context.globalStorageUri).fsPath, (m) => output.warn(m));
  const projects = new Projects((m) => output.info(m));
  const statusBar = new StatusBar(projects, config, context.workspaceState);
  const python = new PythonResolver(config, context.workspaceState);
  const saved = loadSaved(context.workspaceState);
  const diagnostics = new ResultDiagnostics(manifests, projects, saved.history.tests, saved.problems);
  const [results, compiled] = [new ResultsPanel(context.extensionUri), new CompiledSql()];
  const lsp = new DbtLanguageClient(context.asAbsolutePath('dist/server.js'), output.channel);
  const runnerHost = (host = new RunnerHost(saved.history, {
    config, python, output, manifests, diagnostics, statusBar,
    workerScript: context.asAbsolutePath('dist/dbt_worker.py'),
    onManifest: (root, path) => void manifests.load(root, path).then((loaded) => loaded && lsp.notifyManifest(root, path, false)),
    onParseOutcome: (root, error) => lsp.notifyParseError(root, error === null ? null : parseFailureOf(error, (rel) => existsSync(join(root, rel)), (rel) => readProjectFile(root, rel))),
    selectInterpreter: () => void vscode.commands.executeCommand('dbtConductor.selectInterpreter'),
  }));
  statusBar.followParses(() => runnerHost.history.parsing(), runnerHost.onDidChange);
  const nodeTree = new NodeTreeProvider(runnerHost.history, manifests, projects);
  const testTree = new TestTreeProvider(runnerHost.history, manifests, diagnostics);
  const fileIndexes = new FileIndexes(manifests, lsp, (m) => output.info(m));
  const codeLens = new DbtCodeLensProvider(config, projects, (root) => fileIndexes.indexFor(root));
  const parser = new ParseScheduler({ config, projects, host: runnerHost, statusBar, lsp });
  const settings = new SettingsChanges({ python, host: runnerHost, parser, codeLens, projects, output });
  const { ready, disposables } = watchProjects({ projects, manifests, lsp, parser, history: runnerHost.history, diagnostics, fileIndexes, output });
  const testExplorer = new TestExplorer({ host: runnerHost, manifests, projects, ctx: () => ({ config, statusBar }), staleCheck: () => diagnostics.staleCheck() });
  const timeline = new TimelinePanel(context.extensionUri, { host: runnerHost, manifests, projects, nodeTree });
  context.subscriptions.push(
    output, manifests, projects, statusBar, python, diagnostics, results, compiled, nodeTree, testTree, parser, settings, timeline, testExplorer, ...disposables,
    { dispose: () => void lsp.dispose() },
    { dispose: () => void runnerHost.dispose() },
    vscode.window.createTreeView('dbtConductor.invocations', { treeDataProvider: nodeTree, showCollapseAll: true }),
    vscode.window.createTreeView('dbtConductor.testResults', { treeDataProvider: testTree, showCollapseAll: true }),
    vscode.languages.registerCodeLensProvider(CODE_LENS_SELECTOR, codeLens),
    ...wireViewUpdates({ host: runnerHost, projects, manifests, nodeTree, testTree, codeLens, diagnostics, store: new HistoryStore(context.workspaceState, runnerHost.history, diagnostics) }),
    runnerHost.onDidFinish((entry) => {
      compiled.refreshFrom(entry);
      lsp.notifyShowColumns(entry);
    }),
    fileIndexes,
    fileIndexes.onDidChange(() => codeLens.refresh()),
    new JinjaSqlLanguage(projects, config),
    ...registerLanguageCommands(lsp, (m) => output.info(m)),
    ...registerCompiledJump({ projects, manifests }),
    ...registerCommands({ config, projects, manifests, host: runnerHost, statusBar, results, timeline, compiled, nodeTree, testTree, diagnostics, python, settings, ready, state: context.workspaceState, showOutput: () => output.show() }),
  );
  const docs = setUpLineageAndDocs(context.extensionUri, { config, statusBar, projects, manifests, host: runnerHost, ready });
  context.subscriptions.push(...docs.disposables);
  void ready.then(() => diagnostics.refresh()); // Problems of the previous session
  return {
    projects, manifests, host: runnerHost, nodeTree, testTree, diagnostics, results, timeline, testExplorer, queryHistory: () => queryHistory(context.workspaceState),
    statusBar, python, settings, parser, lineage: docs.lineage, modelDocs: docs.modelDocs, docsSite: docs.docsSite, ready,
  };
}

export async function deactivate(): Promise<void> {
  // Stops the dbt workers (they would otherwise outlive the extension host until their idle timeout).
  await host?.dispose();
  host = undefined;
}
