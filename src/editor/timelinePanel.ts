// The run timeline panel: the Gantt chart of one invocation
// (src/dbt/timeline.ts), redrawn while the run goes, with Re-run, Retry
// failed and a comparison with an earlier run of the same command.
import * as vscode from 'vscode';
import { compareRuns, retryArgs, sameCommand, type RunSummary } from '../dbt/runCompare';
import { layoutTimeline } from '../dbt/timeline';
import type { FromTimelinePage, TimelineContent, TimelineRun, ToTimelinePage } from '../dbt/timelinePage';
import type { InvocationEntry } from '../dbt/treeModel';
import type { ManifestStore } from './manifests';
import type { NodeTreeProvider } from './nodeTree';
import type { Projects } from './projects';
import type { RunnerHost } from './runnerHost';
import { channel, pageHtml, webviewOptions } from './webviews';

export class TimelinePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private post: ((m: ToTimelinePage) => Thenable<boolean>) | undefined;
  private ready: Promise<void> | undefined;
  private entry: InvocationEntry | undefined;
  private compareWith: number | undefined;
  private shownVersion = -1;
  private readonly subscriptions: vscode.Disposable[];
  /** What the page was last sent (the extension-host tests read it). */
  lastContent: TimelineContent | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly deps: { host: RunnerHost; manifests: ManifestStore; projects: Projects; nodeTree: NodeTreeProvider },
  ) {
    // Live: redraw the shown run when its state changed (the host fires at most every 150 ms).
    this.subscriptions = [deps.host.onDidChange(() => this.entry && this.entry.state.version !== this.shownVersion && void this.send())];
  }

  /** Opens the timeline of `entry` (default: the newest invocation). */
  async show(entry: InvocationEntry | undefined = this.deps.host.history.list()[0]): Promise<TimelineContent | undefined> {
    if (!entry) {
      void vscode.window.showInformationMessage('No dbt invocation yet: run or build something, then open its timeline.');
      return undefined;
    }
    this.entry = entry;
    this.compareWith = undefined;
    await this.open();
    this.panel!.title = `Timeline: ${entry.label}`;
    return this.send();
  }

  private async open(): Promise<void> {
    if (this.panel) {
      this.panel.reveal(undefined, true);
      return this.ready;
    }
    const panel = vscode.window.createWebviewPanel('dbtConductor.timeline', 'dbt Timeline', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, webviewOptions(this.extensionUri));
    const ch = channel<ToTimelinePage, FromTimelinePage>(panel.webview);
    let ready!: () => void;
    this.ready = new Promise<void>((resolve) => (ready = resolve));
    const listener = ch.onMessage((m) => {
      if (m.type === 'ready') {
        ready();
        // A page made again (hidden, then shown) asks for its content.
        this.shownVersion = -1;
        void this.send();
      } else void this.onMessage(m);
    });
    panel.onDidDispose(() => {
      listener.dispose();
      this.panel = undefined;
      this.post = undefined;
      this.entry = undefined;
    });
    panel.webview.html = pageHtml(panel.webview, this.extensionUri, { script: 'timeline', title: 'dbt Timeline' });
    this.panel = panel;
    this.post = ch.post;
    return this.ready;
  }

  private async send(): Promise<TimelineContent | undefined> {
    const entry = this.entry;
    if (!entry || !this.post) return undefined;
    this.shownVersion = entry.state.version;
    const content = this.content(entry);
    this.lastContent = content;
    await this.post({ type: 'show', content });
    return content;
  }

  /** The timeline of `entry`, with the runs it can be compared with. */
  content(entry: InvocationEntry): TimelineContent {
    const index = this.deps.manifests.get(entry.projectRoot)?.index;
    const layout = layoutTimeline(entry.rows, (id) => index?.parents(id) ?? [], entry.endedAt ?? Date.now());
    const comparable = this.deps.host.history.list().filter((e) => e.id !== entry.id && e.status !== 'running' && e.status !== 'queued' && sameCommand(summary(e), summary(entry)));
    const against = comparable.find((e) => e.id === this.compareWith);
    return {
      run: this.runInfo(entry),
      layout,
      comparable: comparable.map((e) => this.runInfo(e)),
      compare: against && { against: this.runInfo(against), diffs: compareRuns(summary(against), summary(entry)) },
    };
  }

  private runInfo(e: InvocationEntry): TimelineRun {
    const running = e.status === 'running' || e.status === 'queued';
    return {
      id: e.id,
      label: e.label,
      projectName: e.projectName,
      status: e.status,
      startedAt: e.startedAt,
      elapsedSeconds: e.result?.elapsedSeconds,
      running,
      canRetry: !running && this.retryArgsOf(e) !== undefined,
    };
  }

  private retryArgsOf(e: InvocationEntry): string[] | undefined {
    const latest = this.deps.host.history.list().find((x) => x.projectRoot === e.projectRoot);
    return retryArgs(summary(e), latest?.id === e.id);
  }

  private async onMessage(m: Exclude<FromTimelinePage, { type: 'ready' }>): Promise<void> {
    const entry = this.entry;
    if (!entry) return;
    switch (m.type) {
      case 'openNode':
        return this.openNode(entry, m.uniqueId);
      case 'compare':
        this.compareWith = m.against ?? undefined;
        await this.send();
        return;
      case 'rerun':
        await this.rerun(entry, entry.args, entry.label);
        return;
      case 'retry':
        await this.retry(entry);
        return;
    }
  }

  /** Runs again and follows the new run live. Resolves when it ends. */
  rerun(entry: InvocationEntry, args: string[], label: string): Promise<InvocationEntry | undefined> {
    const project = this.deps.projects.get(entry.projectRoot);
    if (!project) return Promise.resolve(undefined);
    return this.deps.host.run(project, args, { label, onStart: (started) => void this.show(started) });
  }

  retry(entry: InvocationEntry): Promise<InvocationEntry | undefined> {
    const args = this.retryArgsOf(entry);
    if (!args) {
      void vscode.window.showInformationMessage(`Nothing to retry: ${entry.label} had no failed nodes.`);
      return Promise.resolve(undefined);
    }
    return this.rerun(entry, args, args[0] === 'retry' ? 'dbt retry' : `dbt ${args[0]} (failed of #${entry.id})`);
  }

  private async openNode(entry: InvocationEntry, uniqueId: string): Promise<void> {
    const row = entry.rows.find((r) => r.uniqueId === uniqueId);
    const uri = row && this.deps.nodeTree.fileOf(entry, row);
    if (uri) await vscode.window.showTextDocument(uri, { preview: true, viewColumn: vscode.ViewColumn.One });
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.panel?.dispose();
  }
}

function summary(e: InvocationEntry): RunSummary {
  return { id: e.id, args: e.args, projectRoot: e.projectRoot, rows: e.rows };
}
