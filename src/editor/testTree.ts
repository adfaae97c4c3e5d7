// The Test Results view: the latest result of every test that is still in
// the manifest (dbt/testState.ts, the record Problems reads too), grouped by
// the model it tests, failing groups first; outcome and time before each
// name, "(stale)" when its file changed since. A click opens the test's
// definition (the YAML line of a generic test, the file of a singular
// test); inline actions show the failing rows and re-run the test.
import * as vscode from 'vscode';
import { formatSeconds, rowText } from '../dbt/outcomes';
import { testGroupsKey, type InvocationHistory, type TestGroup, type TestResult } from '../dbt/treeModel';
import type { ResultDiagnostics } from './diagnostics';
import type { ManifestStore } from './manifests';
import { escapeMd, statusIcon } from './nodeTree';
import { RefreshBatch } from './refreshBatch';

export type TestTreeElement = { kind: 'group'; group: TestGroup } | { kind: 'test'; test: TestResult };

export class TestTreeProvider implements vscode.TreeDataProvider<TestTreeElement>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private groups: TestGroup[] = [];
  private staleOnes = new Set<TestResult>();
  private readonly batch: RefreshBatch;
  /** testGroupsKey of what the view shows. */
  private shownKey = '';
  private relabel = false;

  constructor(
    private readonly history: InvocationHistory,
    private readonly manifests: ManifestStore,
    private readonly diagnostics: Pick<ResultDiagnostics, 'staleCheck'>,
  ) {
    this.batch = new RefreshBatch(history, () => this.fire());
  }

  /**
   * Re-reads the tests; the view is redrawn only when what it shows changed,
   * or when `relabel` (the manifest, which names the groups, changed).
   */
  refresh(relabel = false): void {
    this.relabel ||= relabel;
    this.batch.request(300);
  }

  private fire(): void {
    this.groups = this.history.testGroups();
    const stale = this.diagnostics.staleCheck();
    this.staleOnes = new Set(this.groups.flatMap((g) => g.tests).filter(stale));
    const key = testGroupsKey(this.groups, (t) => this.staleOnes.has(t));
    if (key === this.shownKey && !this.relabel) return;
    this.shownKey = key;
    this.relabel = false;
    this.changed.fire();
  }

  /** The current groups (tests read them to check what the view shows). */
  currentGroups(): readonly TestGroup[] {
    return this.groups;
  }

  getChildren(element?: TestTreeElement): TestTreeElement[] {
    if (!element) return this.groups.map((group) => ({ kind: 'group', group }));
    if (element.kind === 'group') return element.group.tests.map((test) => ({ kind: 'test', test }));
    return [];
  }

  getTreeItem(element: TestTreeElement): vscode.TreeItem {
    if (element.kind === 'group') {
      const g = element.group;
      const name = g.subject ? (this.manifests.get(g.projectRoot)?.index.get(g.subject)?.name ?? g.subject.split('.').pop()!) : 'other tests';
      const failing = g.counts.fail + g.counts.error > 0;
      const item = new vscode.TreeItem(name, failing ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `group:${g.projectRoot}:${g.subject}`;
      item.description = (['fail', 'error', 'warn', 'pass', 'skipped', 'running'] as const).filter((k) => g.counts[k] > 0).map((k) => `${g.counts[k]} ${k}`).join(', ');
      item.iconPath = statusIcon(failing ? 'fail' : g.counts.warn > 0 ? 'warn' : 'pass');
      item.contextValue = 'testGroup';
      return item;
    }
    const t = element.test;
    const stale = this.staleOnes.has(t);
    const text = rowText(t.name, t.running ? 'running' : (t.outcome ?? 'queued'), t.durationSeconds, { failures: t.failures, stale });
    const item = new vscode.TreeItem(text.label, vscode.TreeItemCollapsibleState.None);
    item.id = `test:${t.projectRoot}:${t.uniqueId}`;
    item.iconPath = statusIcon(t.running ? 'running' : (t.outcome ?? 'queued'));
    const failing = t.outcome === 'fail' || t.outcome === 'warn' || t.outcome === 'error';
    item.description = failing && t.message ? t.message.split('\n')[0] : undefined;
    item.accessibilityInformation = { label: [text.accessible, item.description].filter(Boolean).join(', ') };
    item.command = { command: 'dbtConductor.tests.openDefinition', title: 'Open Test Definition', arguments: [element] };
    item.contextValue = `test ${t.resourceType}${failing && t.resourceType === 'test' ? ' failing' : ''}`;
    return item;
  }

  /** Tooltips are built only when the user hovers. */
  resolveTreeItem(item: vscode.TreeItem, element: TestTreeElement): vscode.TreeItem {
    if (element.kind !== 'test') return item;
    const t = element.test;
    const outcome = t.running ? 'running' : (t.outcome ?? 'not finished');
    const rows = t.failures ? ` · ${t.failures} failing row${t.failures === 1 ? '' : 's'}` : '';
    const tip = new vscode.MarkdownString(`**${escapeMd(t.name)}** · ${outcome}${rows}${t.durationSeconds !== undefined ? ` · ${formatSeconds(t.durationSeconds)}` : ''}`);
    if (this.staleOnes.has(t)) tip.appendMarkdown('\n\n*Stale: its file (or its model\'s) changed after this result. Run the test again.*');
    if (t.message) tip.appendMarkdown('\n\n').appendCodeblock(t.message, 'text');
    item.tooltip = tip;
    return item;
  }

  dispose(): void {
    this.batch.dispose();
    this.changed.dispose();
  }
}
