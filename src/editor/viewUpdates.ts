// Keeps the views in step with what they show: the trees redraw as events
// stream in; test results of tests the new manifest no longer has are
// dropped (Test Results and Problems together); an edited file makes the
// results older than the edit stale; everything is saved for the next window after each change.
import type * as vscode from 'vscode';
import type { DbtCodeLensProvider } from './codeLens';
import type { ResultDiagnostics } from './diagnostics';
import type { HistoryStore } from './historyStore';
import type { ManifestStore } from './manifests';
import type { NodeTreeProvider } from './nodeTree';
import type { Projects } from './projects';
import type { RunnerHost } from './runnerHost';
import type { TestTreeProvider } from './testTree';

export interface ViewUpdateDeps {
  host: RunnerHost;
  projects: Projects;
  manifests: ManifestStore;
  nodeTree: NodeTreeProvider;
  testTree: TestTreeProvider;
  codeLens: DbtCodeLensProvider;
  diagnostics: ResultDiagnostics;
  store: HistoryStore;
}

export function wireViewUpdates(d: ViewUpdateDeps): vscode.Disposable[] {
  const tests = d.host.history.tests;
  return [
    d.host.onDidChange(() => {
      d.nodeTree.refresh();
      d.testTree.refresh();
    }),
    d.host.onDidFinish(() => void d.store.save()),
    d.manifests.onDidChange((root) => {
      d.codeLens.refresh();
      const index = d.manifests.get(root)?.index;
      if (index && tests.retain(root, (id) => index.byId.has(id))) void d.store.save();
      // Group names and test lines come from the manifest.
      d.testTree.refresh(true);
      d.diagnostics.refresh();
    }),
    d.projects.onDidChangeFiles(({ project }) => {
      d.host.invalidate(project.root);
      d.diagnostics.fileChanged(project.root);
      d.testTree.refresh();
    }),
  ];
}
