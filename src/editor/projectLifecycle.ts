// What follows from the list of projects: context keys for menus and the
// palette, the language server's start once there is a project to serve,
// forgetting projects that went away (manifest, language server, test
// results), and the first discovery, which loads the manifests cached by
// the previous session (a file read, no Python) before parsing on open.
import * as vscode from 'vscode';
import type { FileIndexes } from './fileIndexes';
import type { DbtLanguageClient } from './languageClient';
import type { ManifestStore } from './manifests';
import type { Output } from './output';
import type { ParseScheduler } from './parseScheduler';
import type { Projects } from './projects';
import type { ResultDiagnostics } from './diagnostics';
import type { InvocationHistory } from '../dbt/treeModel';
import { join } from 'node:path';

export interface LifecycleDeps {
  projects: Projects;
  manifests: ManifestStore;
  lsp: DbtLanguageClient;
  parser: ParseScheduler;
  history: InvocationHistory;
  diagnostics: ResultDiagnostics;
  /** Code lens and navigation from the files while a project has no manifest yet. */
  fileIndexes: FileIndexes;
  output: Output;
}

/** Wires the project list to its consequences; `ready` resolves after the first discovery. */
export function watchProjects(deps: LifecycleDeps): { ready: Promise<void>; disposables: vscode.Disposable[] } {
  const { projects, manifests, lsp, parser, output } = deps;
  let knownRoots = new Set<string>();
  let lspStarting = false;
  const onProjects = () => {
    const list = projects.list();
    setContext('dbtConductor.hasProject', list.length > 0);
    // Commands are in the palette from the start; they leave it only once discovery found no project.
    setContext('dbtConductor.noProject', list.length === 0);
    setContext('dbtConductor.seedFolders', list.flatMap((p) => p.seedPaths.map((s) => join(p.root, s))));
    setContext('dbtConductor.snapshotFolders', list.flatMap((p) => p.snapshotPaths.map((s) => join(p.root, s))));
    if (list.length > 0 && !lspStarting) {
      lspStarting = true;
      lsp.start().catch((e: unknown) => output.error(`The dbt language server did not start: ${e instanceof Error ? e.message : String(e)}`));
    }
    updateActiveContext(projects);
    const roots = new Set(list.map((p) => p.root));
    for (const gone of [...knownRoots].filter((r) => !roots.has(r))) {
      manifests.forget(gone);
      lsp.notifyProjectRemoved(gone);
      deps.history.tests.forget(gone);
      deps.diagnostics.forget(gone);
    }
    knownRoots = roots;
  };
  const disposables = [
    projects.onDidChange(onProjects),
    vscode.window.onDidChangeActiveTextEditor(() => updateActiveContext(projects)),
  ];
  const ready = projects
    .discover()
    .then(async (found) => {
      for (const p of found) {
        const loaded = await manifests.load(p.root);
        if (loaded) lsp.notifyManifest(p.root, loaded.path, true);
        else void deps.fileIndexes.build(p.root).catch((e: unknown) => output.warn(`Indexing the files of ${p.root} failed: ${String(e)}`));
      }
      parser.parseIfOpened(vscode.window.activeTextEditor);
    })
    .catch((e: unknown) => output.error(`Looking for dbt projects failed: ${e instanceof Error ? e.message : String(e)}`));
  // A workspace without any project still answers "no project" rather than leaving the commands up.
  void ready.then(() => {
    if (projects.list().length === 0) setContext('dbtConductor.noProject', true);
  });
  return { ready, disposables };
}

function updateActiveContext(projects: Projects): void {
  const editor = vscode.window.activeTextEditor;
  setContext('dbtConductor.activeFileInProject', !!(editor && projects.forUri(editor.document.uri)));
}

function setContext(key: string, value: unknown): void {
  void vscode.commands.executeCommand('setContext', key, value);
}
