// The Invocations view: the last 20 invocations, each with its nodes and a
// live status icon, duration and rows affected; a cancelled one also lists
// what it never ran. The data is the pure InvocationHistory; this file only
// renders it, with outcome and time before each name (dbt/outcomes.ts).
// Refreshes come batched from the runner host, and big invocations refresh
// less often so a 3,000-node build neither flickers nor floods the renderer.
import * as vscode from 'vscode';
import { countsText, formatSeconds, outcomeOf, rowText } from '../dbt/outcomes';
import type { InvocationEntry, InvocationHistory, NodeRun, NodeStatus } from '../dbt/treeModel';
import { nodeFile, type ManifestStore } from './manifests';
import type { Projects } from './projects';
import { RefreshBatch } from './refreshBatch';

export type NodeTreeElement = { kind: 'invocation'; entry: InvocationEntry } | { kind: 'node'; entry: InvocationEntry; row: NodeRun };

const STATUS_ICONS: Record<NodeStatus, [string, string | undefined]> = {
  queued: ['circle-outline', undefined],
  running: ['sync~spin', undefined],
  success: ['pass', 'testing.iconPassed'],
  pass: ['pass', 'testing.iconPassed'],
  'no-op': ['circle-slash', undefined],
  reused: ['pass', 'testing.iconPassed'],
  'partial success': ['warning', 'testing.iconQueued'],
  warn: ['warning', 'list.warningForeground'],
  error: ['error', 'testing.iconFailed'],
  'runtime error': ['error', 'testing.iconFailed'],
  fail: ['error', 'testing.iconFailed'],
  unknown: ['question', undefined],
  skipped: ['debug-step-over', 'testing.iconSkipped'],
  cancelled: ['debug-stop', 'testing.iconSkipped'],
  'not run': ['circle-slash', 'testing.iconSkipped'],
};

const iconCache = new Map<NodeStatus, vscode.ThemeIcon>();

/** The icon of a status (made once: thousands of rows are drawn on each refresh). */
export function statusIcon(status: NodeStatus): vscode.ThemeIcon {
  let icon = iconCache.get(status);
  if (!icon) {
    const [id, color] = STATUS_ICONS[status];
    iconCache.set(status, (icon = new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined)));
  }
  return icon;
}

const RUNNING_ICON = new vscode.ThemeIcon('sync~spin');
const CANCELLED_ICON = new vscode.ThemeIcon('debug-stop');
const NOTHING_ICON = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));

export class NodeTreeProvider implements vscode.TreeDataProvider<NodeTreeElement>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<NodeTreeElement | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Elements are cached so that VS Code sees stable objects between refreshes. */
  private readonly invocationElements = new Map<number, NodeTreeElement>();
  private readonly nodeElements = new WeakMap<NodeRun, NodeTreeElement>();
  private readonly batch: RefreshBatch;

  constructor(
    private readonly history: InvocationHistory,
    private readonly manifests: ManifestStore,
    private readonly projects: Projects,
  ) {
    this.batch = new RefreshBatch(history, () => this.fire());
  }

  /**
   * Called on every batch tick of the runner host. The refresh interval
   * grows with the number of rows shown (150 ms, up to 1 s at 3,000+ nodes).
   */
  refresh(): void {
    const rows = this.history.list().reduce((n, e) => n + e.rows.length, 0);
    const interval = Math.min(1000, Math.max(150, rows / 3));
    this.batch.request(interval);
  }

  private fire(): void {
    const live = new Set(this.history.list().map((e) => e.id));
    for (const id of this.invocationElements.keys()) if (!live.has(id)) this.invocationElements.delete(id);
    this.changed.fire(undefined);
  }

  getChildren(element?: NodeTreeElement): NodeTreeElement[] {
    if (!element) return this.history.list().map((entry) => this.invocationElement(entry));
    if (element.kind === 'invocation') return element.entry.rows.map((row) => this.nodeElement(element.entry, row));
    return [];
  }

  getParent(element: NodeTreeElement): NodeTreeElement | undefined {
    return element.kind === 'node' ? this.invocationElement(element.entry) : undefined;
  }

  getTreeItem(element: NodeTreeElement): vscode.TreeItem {
    return element.kind === 'invocation' ? this.invocationItem(element.entry) : this.nodeItem(element.entry, element.row);
  }

  private invocationElement(entry: InvocationEntry): NodeTreeElement {
    let el = this.invocationElements.get(entry.id);
    if (!el) this.invocationElements.set(entry.id, (el = { kind: 'invocation', entry }));
    return el;
  }

  private nodeElement(entry: InvocationEntry, row: NodeRun): NodeTreeElement {
    let el = this.nodeElements.get(row);
    if (!el) this.nodeElements.set(row, (el = { kind: 'node', entry, row }));
    return el;
  }

  private invocationItem(entry: InvocationEntry): vscode.TreeItem {
    const running = entry.status === 'running' || entry.status === 'queued';
    const item = new vscode.TreeItem(entry.label, entry.rows.length > 0 ? (entry === this.history.list()[0] ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed) : vscode.TreeItemCollapsibleState.None);
    item.id = `invocation-${entry.id}`;
    item.description = invocationDescription(entry, this.history.progress(entry));
    item.iconPath = running
      ? RUNNING_ICON
      : entry.status === 'success' ? statusIcon('success') : entry.status === 'cancelled' ? CANCELLED_ICON : entry.status === 'nothing' ? NOTHING_ICON : statusIcon('error');
    item.contextValue = `invocation ${running ? 'running' : 'done'}`;
    return item;
  }

  private nodeItem(entry: InvocationEntry, row: NodeRun): vscode.TreeItem {
    const text = rowText(row.name, outcomeOf(row.status), row.durationSeconds, { failures: row.failures });
    const item = new vscode.TreeItem(text.label, vscode.TreeItemCollapsibleState.None);
    item.id = `invocation-${entry.id}/${row.uniqueId}`;
    item.iconPath = statusIcon(row.status);
    const extra: string[] = [];
    if (row.rowsAffected !== undefined) extra.push(`${row.rowsAffected} row${row.rowsAffected === 1 ? '' : 's'}`);
    item.description = extra.join(' · ');
    item.accessibilityInformation = { label: [text.accessible, ...extra].join(', ') };
    item.command = { command: 'dbtConductor.tree.openFile', title: 'Open File', arguments: [this.nodeElement(entry, row)] };
    const compilable = ['model', 'test', 'snapshot', 'analysis'].includes(row.resourceType);
    item.contextValue = `node ${row.resourceType}${compilable ? ' compilable' : ''}`;
    return item;
  }

  /** Tooltips are built only when the user hovers (cheaper refreshes of big trees). */
  resolveTreeItem(item: vscode.TreeItem, element: NodeTreeElement): vscode.TreeItem {
    if (element.kind === 'invocation') {
      const { entry } = element;
      const when = new Date(entry.startedAt).toLocaleTimeString();
      item.tooltip = new vscode.MarkdownString(`**${escapeMd(entry.label)}** (${entry.status})  \n${escapeMd(entry.projectName)} · started ${when}${entry.error ? `\n\n${escapeMd(entry.error)}` : ''}`);
    } else {
      const { row } = element;
      const tip = new vscode.MarkdownString(`**${escapeMd(row.name)}** · ${escapeMd(row.resourceType)} · ${outcomeOf(row.status)}${row.durationSeconds !== undefined ? ` · ${formatSeconds(row.durationSeconds)}` : ''}`);
      if (row.message) tip.appendMarkdown('\n\n').appendCodeblock(row.message, 'text');
      item.tooltip = tip;
    }
    return item;
  }

  /** The node's file (in its package's folder): the path from the result, else from the manifest. */
  fileOf(entry: InvocationEntry, row: NodeRun): vscode.Uri | undefined {
    return nodeFile(this.manifests, this.projects, entry.projectRoot, row.uniqueId, row.filePath);
  }

  dispose(): void {
    this.batch.dispose();
    this.changed.dispose();
  }
}

/**
 * "25 pass, 1 warn, 1 fail · 12.3 s"; "cancelled · 16 pass, 13 not run · 3.20 s";
 * "nothing to do · 1.20 s"; while running "4/28 · 2.10 s".
 */
function invocationDescription(entry: InvocationEntry, progress: { done: number; total: number }): string {
  const elapsed = entry.elapsedSeconds ?? ((entry.endedAt ?? Date.now()) - entry.startedAt) / 1000;
  if (entry.status === 'running' || entry.status === 'queued') return `${progress.done}/${progress.total || '?'} · ${formatSeconds(elapsed)}`;
  const lead = entry.status === 'cancelled' ? 'cancelled' : entry.status === 'nothing' ? 'nothing to do' : '';
  return [lead, countsText(entry.state.counts), formatSeconds(elapsed)].filter(Boolean).join(' · ');
}

export function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
