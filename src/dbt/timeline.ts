// The run timeline (a Gantt chart of one invocation): a lane per dbt
// thread, a bar per node from its start to its end, and the critical path,
// the chain of dependencies that decided when the run finished. Pure and
// node-free: built from the nodes the reducer keeps (src/dbt/results.ts),
// so it is the same live and after the run.
import type { NodeRun, NodeStatus } from './results';

export interface TimelineBar {
  uniqueId: string;
  name: string;
  resourceType: string;
  status: NodeStatus;
  /** Index into `lanes`. */
  lane: number;
  /** Milliseconds from the timeline's origin. */
  start: number;
  end: number;
  /** Still running: `end` is "now". */
  open: boolean;
  critical: boolean;
  rowsAffected?: number;
  failures?: number;
  message?: string;
}

export interface TimelineLayout {
  /** Epoch ms of the first node start. */
  origin: number;
  /** Milliseconds from origin to the last end. */
  span: number;
  /** Thread names, in thread order. */
  lanes: string[];
  bars: TimelineBar[];
  /** Unique ids of the critical path, first to last. */
  criticalPath: string[];
  /** Milliseconds from the critical path's first start to its last end. */
  criticalMs: number;
}

/** "Thread-3 (worker)" sorts as 3; others after, by name. */
function threadOrder(a: string, b: string): number {
  const n = (t: string) => Number(/Thread-(\d+)/.exec(t)?.[1] ?? Number.MAX_SAFE_INTEGER);
  return n(a) - n(b) || a.localeCompare(b);
}

function ms(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Lays out the nodes that started. `parentsOf` gives a node's dependencies
 * (the manifest's depends_on); `now` (epoch ms) ends the bars still running.
 * Nodes dbt named no thread for (older recordings) are packed into lanes of
 * their own, first free lane first.
 */
export function layoutTimeline(nodes: readonly NodeRun[], parentsOf: (uniqueId: string) => readonly string[], now = Date.now()): TimelineLayout {
  const timed = nodes
    .map((n) => ({ n, start: ms(n.startedAt), end: ms(n.finishedAt) }))
    .filter((t): t is { n: NodeRun; start: number; end: number | undefined } => t.start !== undefined)
    .sort((a, b) => a.start - b.start);
  const origin = timed[0]?.start ?? now;
  const lanes = [...new Set(timed.map((t) => t.n.thread).filter((t): t is string => !!t))].sort(threadOrder);
  const laneEnds = lanes.map(() => 0);
  const bars: TimelineBar[] = timed.map(({ n, start, end }) => {
    const open = end === undefined;
    const bar: TimelineBar = {
      uniqueId: n.uniqueId,
      name: n.name,
      resourceType: n.resourceType,
      status: n.status,
      lane: n.thread ? lanes.indexOf(n.thread) : -1,
      start: start - origin,
      end: Math.max(start, end ?? now) - origin,
      open,
      critical: false,
      rowsAffected: n.rowsAffected,
      failures: n.failures,
      message: n.message,
    };
    if (bar.lane < 0) bar.lane = freeLane(laneEnds, lanes, bar.start);
    laneEnds[bar.lane] = Math.max(laneEnds[bar.lane] ?? 0, bar.end);
    return bar;
  });
  const criticalPath = criticalChain(bars, parentsOf);
  const onPath = new Set(criticalPath);
  for (const b of bars) b.critical = onPath.has(b.uniqueId);
  const byId = new Map(bars.map((b) => [b.uniqueId, b]));
  const first = byId.get(criticalPath[0] ?? '');
  const last = byId.get(criticalPath[criticalPath.length - 1] ?? '');
  return {
    origin,
    span: bars.reduce((m, b) => Math.max(m, b.end), 0),
    lanes,
    bars,
    criticalPath,
    criticalMs: first && last ? last.end - first.start : 0,
  };
}

function freeLane(laneEnds: number[], lanes: string[], start: number): number {
  const i = laneEnds.findIndex((end, k) => end <= start && lanes[k]!.startsWith('lane '));
  if (i >= 0) return i;
  lanes.push(`lane ${lanes.filter((l) => l.startsWith('lane ')).length + 1}`);
  laneEnds.push(0);
  return lanes.length - 1;
}

/**
 * From the node that ended last, back through the dependency each node
 * waited for longest (the one in the run that ended last). Dependencies
 * that did not run (ephemeral models, nodes not selected) are looked
 * through to their own dependencies.
 */
function criticalChain(bars: readonly TimelineBar[], parentsOf: (uniqueId: string) => readonly string[]): string[] {
  if (bars.length === 0) return [];
  const byId = new Map(bars.map((b) => [b.uniqueId, b]));
  let cur = bars.reduce((a, b) => (b.end > a.end ? b : a));
  const chain = [cur.uniqueId];
  const seen = new Set(chain);
  for (;;) {
    let waited: TimelineBar | undefined;
    for (const id of ranParents(cur.uniqueId, byId, parentsOf)) {
      const p = byId.get(id)!;
      if (seen.has(id) || p.end > cur.start + 1) continue;
      if (!waited || p.end > waited.end) waited = p;
    }
    if (!waited) return chain.reverse();
    chain.push(waited.uniqueId);
    seen.add(waited.uniqueId);
    cur = waited;
  }
}

function ranParents(id: string, ran: ReadonlyMap<string, unknown>, parentsOf: (uniqueId: string) => readonly string[]): string[] {
  const out: string[] = [];
  const visited = new Set<string>();
  const stack = [...parentsOf(id)];
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (visited.has(p)) continue;
    visited.add(p);
    if (ran.has(p)) out.push(p);
    else stack.push(...parentsOf(p));
  }
  return out;
}
