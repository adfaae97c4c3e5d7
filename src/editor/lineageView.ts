// One lineage webview (the panel beside the editor, or the compact view in
// the dbt side bar): holds its focus, levels, expansions and selection,
// computes the graph from the cached manifest (src/dbt/lineage.ts) and the
// badges from the invocation history, and answers the page's messages.
import * as vscode from 'vscode';
import { badgesOf, DEFAULT_MAX_NODES, lineageGraph, LineageFocus, runLookup, runRecords, searchNodes, type Levels, type LineageGraph, type NodeBadges } from '../dbt/lineage';
import type { FromLineagePage, LineageViewState, ToLineagePage } from '../dbt/lineageProtocol';
import type { InvocationEntry } from '../dbt/treeModel';
import type { ManifestStore } from './manifests';
import { channel, pageHtml, webviewOptions } from './webviews';

export interface LineageDeps {
  extensionUri: vscode.Uri;
  manifests: ManifestStore;
  /** Invocations, newest first (the Invocations view's history). */
  invocations: () => readonly InvocationEntry[];
  openNode: (projectRoot: string, uniqueId: string, beside: boolean) => Promise<unknown>;
  openDocs: (projectRoot: string, uniqueId: string) => Promise<unknown>;
}

/** What the page last reported drawing (tests and the bench read it). */
export type Rendered = Extract<FromLineagePage, { type: 'rendered' }>;

export class LineageView implements vscode.Disposable {
  readonly focus = new LineageFocus();
  projectRoot: string | undefined;
  upstream: Levels = 2;
  downstream: Levels = 2;
  private readonly expandedUp = new Set<string>();
  private readonly expandedDown = new Set<string>();
  selection: string[] = [];
  /** The last graph posted, and the last `rendered` report from the page. */
  graph: LineageGraph | undefined;
  rendered: Rendered | undefined;
  private seq = 0;
  private badgesKey = '';
  private ready = false;
  private readonly renderedEmitter = new vscode.EventEmitter<Rendered>();
  readonly onDidRender = this.renderedEmitter.event;
  private readonly disposables: vscode.Disposable[] = [this.renderedEmitter];
  private readonly port: ReturnType<typeof channel<ToLineagePage, FromLineagePage>>;

  constructor(
    webview: vscode.Webview,
    private readonly deps: LineageDeps,
    readonly compact: boolean,
  ) {
    webview.options = webviewOptions(deps.extensionUri);
    webview.html = pageHtml(webview, deps.extensionUri, { script: 'lineage', title: 'dbt lineage' });
    this.port = channel<ToLineagePage, FromLineagePage>(webview);
    this.disposables.push(this.port.onMessage((m) => void this.receive(m)));
  }

  /** The active editor shows this node (or none): follow it unless locked. True when it moved (and redrew). */
  follow(projectRoot: string | undefined, uniqueId: string | undefined): boolean {
    if (this.focus.locked || projectRoot === undefined) return false;
    const otherProject = projectRoot !== this.projectRoot;
    if (otherProject) this.focus.focus = undefined;
    // A file of another project that is no node (yet: not parsed) still says which project to wait for.
    if (!this.focus.follow(uniqueId) && !otherProject) return false;
    this.moveTo(projectRoot);
    return true;
  }

  /** Centre on a node on request (hover link, command, search): also when locked. */
  show(projectRoot: string, uniqueId: string): void {
    if (projectRoot !== this.projectRoot) this.focus.focus = undefined;
    this.focus.show(uniqueId);
    this.moveTo(projectRoot);
  }

  setLocked(locked: boolean): void {
    this.focus.setLocked(locked);
    this.post({ type: 'state', state: this.state() });
  }

  setLevels(upstream: Levels, downstream: Levels): void {
    this.upstream = upstream;
    this.downstream = downstream;
    this.render();
  }

  private moveTo(projectRoot: string): void {
    this.projectRoot = projectRoot;
    this.expandedUp.clear();
    this.expandedDown.clear();
    this.selection = [];
    this.render();
  }

  private state(): LineageViewState {
    return { upstream: this.upstream, downstream: this.downstream, locked: this.focus.locked, compact: this.compact };
  }

  /** Computes and posts the graph (a new manifest, new levels, a new focus). */
  render(): void {
    const index = this.projectRoot === undefined ? undefined : this.deps.manifests.get(this.projectRoot)?.index;
    const focus = this.focus.focus;
    if (!index || !focus || !this.projectRoot) {
      this.graph = undefined;
      this.post({ type: 'empty', message: !this.projectRoot ? 'Open a model, seed, snapshot or source file of a dbt project to see its lineage.' : !index ? 'The project is not parsed yet: run any dbt command (or "dbt: Parse") and the lineage appears.' : 'Open a model, seed, snapshot or source file to see its lineage.' });
      return;
    }
    let graph: LineageGraph;
    try {
      graph = lineageGraph(index, { focus, upstream: this.upstream, downstream: this.downstream, expandedUp: this.expandedUp, expandedDown: this.expandedDown, maxNodes: this.compact ? 60 : DEFAULT_MAX_NODES });
    } catch (e) {
      // The node went away in a re-parse (renamed, deleted, disabled).
      this.graph = undefined;
      this.post({ type: 'empty', message: `${focus.split('.').pop() ?? focus} is no longer in the parsed project (${(e as Error).message}).` });
      return;
    }
    this.graph = graph;
    const badges = this.badges();
    this.badgesKey = JSON.stringify(badges);
    this.post({ type: 'graph', seq: ++this.seq, projectRoot: this.projectRoot, graph, badges, state: this.state() });
  }

  /** The invocation history changed (a run is going on or ended): post new badges when they differ. */
  refreshBadges(): void {
    if (!this.graph) return;
    const badges = this.badges();
    const key = JSON.stringify(badges);
    if (key === this.badgesKey) return;
    this.badgesKey = key;
    this.post({ type: 'badges', seq: ++this.seq, badges });
  }

  private badges(): Record<string, NodeBadges> {
    const index = this.projectRoot === undefined ? undefined : this.deps.manifests.get(this.projectRoot)?.index;
    if (!index || !this.graph || !this.projectRoot) return {};
    return badgesOf(index, this.graph, runLookup(runRecords(this.deps.invocations()), this.projectRoot));
  }

  private post(message: ToLineagePage): void {
    // A page still loading gets everything when it says `ready`.
    if (this.ready) void this.port.post(message);
  }

  /** Handles a message of the page (public so the host tests can act as the page's click would). */
  async receive(m: FromLineagePage): Promise<void> {
    const root = this.projectRoot;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.render();
        return;
      case 'rendered':
        this.rendered = m;
        this.renderedEmitter.fire(m);
        return;
      case 'open':
        if (root) await this.deps.openNode(root, m.id, this.compact);
        return;
      case 'docs':
        if (root) await this.deps.openDocs(root, m.id);
        return;
      case 'focus':
        if (root) this.show(root, m.id);
        return;
      case 'expand':
        (m.direction === 'up' ? this.expandedUp : this.expandedDown).add(m.id);
        this.render();
        return;
      case 'levels':
        this.setLevels(m.upstream, m.downstream);
        return;
      case 'lock':
        this.setLocked(m.locked);
        return;
      case 'search': {
        const index = root === undefined ? undefined : this.deps.manifests.get(root)?.index;
        this.post({ type: 'searchResults', query: m.query, results: index ? searchNodes(index, m.query) : [] });
        return;
      }
      case 'selection':
        this.selection = m.ids;
        return;
    }
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
