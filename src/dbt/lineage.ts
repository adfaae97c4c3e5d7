// The lineage graph model: the neighbourhood of one node of a parsed
// manifest, N levels upstream and downstream (or "all"), with the nodes the
// user expanded, package names for grouping, test counts, and, beyond a node
// budget, cluster nodes that stand for the rest with a count. Pure and
// node-free: the host computes it, the page (src/webview/lineage.ts) only
// lays it out. Statuses are separate (badges), so a run in progress updates
// them without a new layout.
import type { ManifestEntry, ManifestIndex } from './manifest';
import type { NodeStatus } from './results';
import { changesTestResults } from './testState';
import type { InvocationEntry } from './treeModel';

/** Levels to show on one side: a count, or every reachable node. */
export type Levels = number | 'all';

export interface LineageOptions {
  focus: string;
  upstream: Levels;
  downstream: Levels;
  /** Nodes whose parents (up) or children (down) the user expanded past the level limit. */
  expandedUp?: ReadonlySet<string>;
  expandedDown?: ReadonlySet<string>;
  /** Nodes drawn before the rest become cluster nodes (expanded neighbours always are). */
  maxNodes?: number;
}

export interface ClusterInfo {
  direction: 'up' | 'down';
  count: number;
  /** Resource type -> how many of the clustered nodes have it. */
  byType: Record<string, number>;
}

export interface LineageNode {
  /** unique_id, or `cluster:<up|down>:<depth>` for a cluster. */
  id: string;
  name: string;
  /** What the box shows: the name, `source.table` for sources. */
  label: string;
  resourceType: string;
  materialized: string | null;
  packageName: string;
  /** Distance from the focus: negative upstream, positive downstream, 0 the focus. */
  depth: number;
  /** Relative to the package root ('/' separated); null when unknown. */
  filePath: string | null;
  /** dbt selector of the node (`orders`, `source:raw.orders`, `exposure:weekly`); '' for clusters. */
  selector: string;
  /** Data and unit tests attached to the node. */
  tests: number;
  /** Parents and children that exist but are not drawn (the page offers to expand them). */
  hiddenParents: number;
  hiddenChildren: number;
  cluster?: ClusterInfo;
}

export interface LineageGraph {
  focus: string;
  /** The root project's package: nodes of other packages are grouped by package. */
  rootPackage: string | null;
  nodes: LineageNode[];
  /** [parent, child] ids. */
  edges: [string, string][];
  /** Nodes reachable within the levels on each side (drawn or clustered). */
  reachable: { up: number; down: number };
}

/** Resource types not drawn as nodes; tests are a count on the node they test. */
const NOT_DRAWN = new Set(['test', 'unit_test', 'macro', 'doc', 'group']);
export const DEFAULT_MAX_NODES = 150;

export function isLineageNode(index: ManifestIndex, id: string): boolean {
  const e = index.get(id);
  return e !== undefined && !NOT_DRAWN.has(e.resourceType);
}

/** The dbt selector for a node: name for models, seeds, snapshots; method:name for the rest. */
export function selectorOf(e: ManifestEntry): string {
  switch (e.resourceType) {
    case 'model':
    case 'seed':
    case 'snapshot':
    case 'analysis':
      return e.version !== null ? `${e.name}.v${e.version}` : e.name;
    case 'source':
      return `source:${e.sourceName ?? '?'}.${e.name}`;
    case 'exposure':
    case 'metric':
    case 'semantic_model':
    case 'saved_query':
      return `${e.resourceType}:${e.name}`;
    default:
      return `fqn:${e.name}`;
  }
}

function labelOf(e: ManifestEntry): string {
  if (e.resourceType === 'source') return `${e.sourceName ?? '?'}.${e.name}`;
  return e.version !== null ? `${e.name} v${e.version}` : e.name;
}

/** Parents / children of a node that are drawn as nodes (no tests, macros). */
function neighbours(index: ManifestIndex, id: string, dir: 'up' | 'down'): string[] {
  const all = dir === 'up' ? index.parents(id) : index.children(id);
  return all.filter((n) => isLineageNode(index, n));
}

/**
 * Shortest distance of every node reachable from `focus` on one side within
 * `levels`, continuing one level past the limit from expanded nodes.
 */
function reach(index: ManifestIndex, focus: string, dir: 'up' | 'down', levels: Levels, expanded: ReadonlySet<string>): Map<string, number> {
  const limit = levels === 'all' ? Infinity : levels;
  const dist = new Map<string, number>([[focus, 0]]);
  let frontier = [focus];
  for (let d = 1; frontier.length > 0; d++) {
    const next: string[] = [];
    for (const id of frontier) {
      if (d > limit && !expanded.has(id)) continue;
      for (const n of neighbours(index, id, dir)) {
        if (dist.has(n)) continue;
        dist.set(n, d);
        next.push(n);
      }
    }
    frontier = next;
  }
  dist.delete(focus);
  return dist;
}

/** The neighbourhood of `options.focus`; throws when the focus is not a node of the manifest. */
export function lineageGraph(index: ManifestIndex, options: LineageOptions): LineageGraph {
  const { focus } = options;
  if (!isLineageNode(index, focus)) throw new Error(`${focus} is not a model, seed, snapshot, source or exposure of this manifest`);
  const expandedUp = options.expandedUp ?? new Set<string>();
  const expandedDown = options.expandedDown ?? new Set<string>();
  const up = reach(index, focus, 'up', options.upstream, expandedUp);
  const down = reach(index, focus, 'down', options.downstream, expandedDown);
  const depthOf = new Map<string, number>([[focus, 0]]);
  for (const [id, d] of up) depthOf.set(id, -d);
  for (const [id, d] of down) if (!depthOf.has(id)) depthOf.set(id, d);

  const drawn = pickDrawn(index, focus, depthOf, options.maxNodes ?? DEFAULT_MAX_NODES, expandedUp, expandedDown);
  const nodes: LineageNode[] = [];
  for (const id of drawn) nodes.push(nodeOf(index, id, depthOf.get(id)!, drawn));
  const clusters = clusterRest(index, depthOf, drawn);
  nodes.push(...clusters.nodes);
  return {
    focus,
    rootPackage: index.projectName,
    nodes,
    edges: edgesOf(index, drawn, clusters.of, depthOf),
    reachable: { up: up.size, down: down.size },
  };
}

/**
 * Which nodes get a box: the focus, the neighbours of expanded nodes, then
 * the nearest others (by level, then name) until the budget is spent.
 */
function pickDrawn(index: ManifestIndex, focus: string, depthOf: Map<string, number>, budget: number, expandedUp: ReadonlySet<string>, expandedDown: ReadonlySet<string>): Set<string> {
  const drawn = new Set<string>([focus]);
  const candidates = [...depthOf.keys()].filter((id) => id !== focus);
  const nameOf = (id: string) => index.get(id)?.name ?? id;
  candidates.sort((a, b) => Math.abs(depthOf.get(a)!) - Math.abs(depthOf.get(b)!) || nameOf(a).localeCompare(nameOf(b)) || a.localeCompare(b));
  for (const id of [...expandedUp].filter((e) => depthOf.has(e))) for (const p of neighbours(index, id, 'up')) if (depthOf.has(p)) drawn.add(p);
  for (const id of [...expandedDown].filter((e) => depthOf.has(e))) for (const c of neighbours(index, id, 'down')) if (depthOf.has(c)) drawn.add(c);
  for (const id of candidates) {
    if (drawn.size >= budget) break;
    drawn.add(id);
  }
  return drawn;
}

function nodeOf(index: ManifestIndex, id: string, depth: number, drawn: ReadonlySet<string>): LineageNode {
  const e = index.get(id)!;
  const hidden = (dir: 'up' | 'down') => neighbours(index, id, dir).filter((n) => !drawn.has(n)).length;
  return {
    id,
    name: e.name,
    label: labelOf(e),
    resourceType: e.resourceType,
    materialized: e.materialized,
    packageName: e.packageName,
    depth,
    filePath: e.originalFilePath || null,
    selector: selectorOf(e),
    tests: index.testsOf(id).length,
    hiddenParents: hidden('up'),
    hiddenChildren: hidden('down'),
  };
}

/** One cluster node per side and level for the reachable nodes that are not drawn. */
function clusterRest(index: ManifestIndex, depthOf: Map<string, number>, drawn: ReadonlySet<string>): { nodes: LineageNode[]; of: Map<string, string> } {
  const byKey = new Map<string, LineageNode>();
  const of = new Map<string, string>();
  for (const [id, depth] of depthOf) {
    if (drawn.has(id)) continue;
    const direction = depth < 0 ? 'up' : 'down';
    const key = `cluster:${direction}:${Math.abs(depth)}`;
    let c = byKey.get(key);
    if (!c) {
      c = {
        id: key, name: key, label: '', resourceType: 'cluster', materialized: null, packageName: index.projectName ?? '', depth, filePath: null,
        selector: '', tests: 0, hiddenParents: 0, hiddenChildren: 0, cluster: { direction, count: 0, byType: {} },
      };
      byKey.set(key, c);
    }
    const type = index.get(id)?.resourceType ?? 'node';
    c.cluster!.count++;
    c.cluster!.byType[type] = (c.cluster!.byType[type] ?? 0) + 1;
    of.set(id, key);
  }
  for (const c of byKey.values()) {
    const n = c.cluster!.count;
    c.label = `${n.toLocaleString('en-US')} more ${c.cluster!.direction === 'up' ? 'upstream' : 'downstream'} (level ${Math.abs(c.depth)})`;
  }
  return { nodes: [...byKey.values()].sort((a, b) => a.depth - b.depth), of };
}

/**
 * Edges between drawn nodes, and to or from clusters (each pair once). A
 * cluster edge is kept only when it goes away from the focus: shortest
 * distances are no topological order, and "level 7 -> level 3" edges would
 * make the clusters a cycle.
 */
function edgesOf(index: ManifestIndex, drawn: ReadonlySet<string>, clusterOf: Map<string, string>, depthOf: Map<string, number>): [string, string][] {
  const seen = new Set<string>();
  const edges: [string, string][] = [];
  const box = (id: string) => (drawn.has(id) ? id : clusterOf.get(id));
  for (const id of [...drawn, ...clusterOf.keys()]) {
    const child = box(id)!;
    for (const p of neighbours(index, id, 'up')) {
      const parent = box(p);
      if (parent === undefined || parent === child) continue;
      const viaCluster = parent !== p || child !== id;
      if (viaCluster && depthOf.get(p)! >= depthOf.get(id)!) continue;
      const key = `${parent}\0${child}`;
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push([parent, child]);
    }
  }
  return edges;
}

// ---- statuses ----

/** A node's last run, as the views know it. */
export interface RunBadge {
  status: NodeStatus;
  durationSeconds?: number;
  finishedAt?: string;
}

/** Last outcome of a node's tests: how many there are, and the worst last result among those that ran. */
export interface TestBadge {
  count: number;
  ran: number;
  outcome: 'pass' | 'warn' | 'fail' | 'running' | 'none';
}

export interface NodeBadges {
  run?: RunBadge;
  tests?: TestBadge;
}

/** The latest run of a node in the invocation history (newest invocation that has it). */
export type RunLookup = (uniqueId: string) => RunBadge | undefined;

/** Badges of the drawn nodes: their last run and their tests' last outcome. */
export function badgesOf(index: ManifestIndex, graph: Pick<LineageGraph, 'nodes'>, lookup: RunLookup): Record<string, NodeBadges> {
  const out: Record<string, NodeBadges> = {};
  for (const node of graph.nodes) {
    if (node.cluster) continue;
    const badges: NodeBadges = {};
    const run = lookup(node.id);
    if (run) badges.run = run;
    const tests = index.testsOf(node.id);
    if (tests.length > 0) badges.tests = testBadge(tests, lookup);
    out[node.id] = badges;
  }
  return out;
}

const OUTCOME_RANK = { none: 0, pass: 1, warn: 2, fail: 3, running: 4 } as const;

function testBadge(tests: ManifestEntry[], lookup: RunLookup): TestBadge {
  let outcome: TestBadge['outcome'] = 'none';
  let ran = 0;
  for (const t of tests) {
    const r = lookup(t.uniqueId);
    if (!r || r.status === 'queued') continue;
    ran++;
    const o = testOutcome(r.status);
    if (OUTCOME_RANK[o] > OUTCOME_RANK[outcome]) outcome = o;
  }
  return { count: tests.length, ran, outcome };
}

function testOutcome(s: NodeStatus): TestBadge['outcome'] {
  if (s === 'running') return 'running';
  if (s === 'pass' || s === 'success') return 'pass';
  if (s === 'warn') return 'warn';
  if (s === 'fail' || s === 'error' || s === 'runtime error') return 'fail';
  return 'none';
}

/** What the lookup reads: invocations newest first, each with its nodes' states. */
export interface RunRecord {
  projectRoot: string;
  /** dbt's subcommand: a test's result comes only from commands that run tests (testState.changesTestResults). */
  command: string;
  nodes: ReadonlyMap<string, { status: NodeStatus; durationSeconds?: number; finishedAt?: string }>;
}

/** The one place that reads the invocation history's shape (src/dbt/treeModel.ts): newest first, as it lists them. */
export function runRecords(entries: readonly Pick<InvocationEntry, 'projectRoot' | 'state' | 'command'>[]): RunRecord[] {
  return entries.map((e) => ({ projectRoot: e.projectRoot, command: e.command, nodes: e.state.nodes }));
}

/** A RunLookup over invocations (newest first) of one project. */
export function runLookup(records: readonly RunRecord[], projectRoot: string): RunLookup {
  const mine = records.filter((r) => r.projectRoot === projectRoot);
  return (id) => {
    // As in Test Results: a `show` of a test's SQL (its failing rows) or a compile is not the test's result.
    const test = id.startsWith('test.') || id.startsWith('unit_test.');
    for (const r of mine) {
      if (test && !changesTestResults(r.command)) continue;
      const n = r.nodes.get(id);
      if (n) return { status: n.status, durationSeconds: n.durationSeconds, finishedAt: n.finishedAt };
    }
    return undefined;
  };
}

// ---- focus and lock ----

/**
 * Which node the lineage is centred on. It follows the active editor
 * unless locked (pinned); an explicit request (hover link, search, "centre
 * here") moves it even when locked, and the lock then holds the new node.
 */
export class LineageFocus {
  focus: string | undefined;
  locked = false;

  /** The active editor shows `id` (undefined: not a node). True when the focus moved. */
  follow(id: string | undefined): boolean {
    if (this.locked || id === undefined || id === this.focus) return false;
    this.focus = id;
    return true;
  }

  /** An explicit request to centre on `id`. True when the focus moved. */
  show(id: string): boolean {
    if (id === this.focus) return false;
    this.focus = id;
    return true;
  }

  setLocked(locked: boolean): void {
    this.locked = locked && this.focus !== undefined;
  }
}

/** Nodes matching a search text (case-insensitive substring of name or label), best first. */
export function searchNodes(index: ManifestIndex, query: string, limit = 20): { id: string; label: string; resourceType: string }[] {
  const q = query.trim().toLowerCase();
  if (q === '') return [];
  const hits: { id: string; label: string; resourceType: string; rank: number }[] = [];
  for (const e of index.byId.values()) {
    if (NOT_DRAWN.has(e.resourceType)) continue;
    const label = labelOf(e);
    const at = label.toLowerCase().indexOf(q);
    if (at < 0) continue;
    hits.push({ id: e.uniqueId, label, resourceType: e.resourceType, rank: (label.length === q.length ? 0 : at === 0 ? 1 : 2) * 1000 + label.length });
  }
  hits.sort((a, b) => a.rank - b.rank || a.label.localeCompare(b.label));
  return hits.slice(0, limit).map(({ id, label, resourceType }) => ({ id, label, resourceType }));
}
