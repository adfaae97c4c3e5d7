// Two runs of the same command side by side (what got slower, what changed
// status), and what "Retry failed" and "Re-run" run. Pure.
import type { NodeRun, NodeStatus } from './results';

export interface RunSummary {
  id: number;
  args: readonly string[];
  projectRoot: string;
  rows: readonly NodeRun[];
}

export type DiffKind = 'status' | 'slower' | 'faster' | 'same' | 'added' | 'removed';

export interface NodeDiff {
  uniqueId: string;
  name: string;
  resourceType: string;
  kind: DiffKind;
  before?: { status: NodeStatus; seconds?: number };
  after?: { status: NodeStatus; seconds?: number };
  /** after - before, in seconds, when both ran. */
  deltaSeconds?: number;
}

/** Runs of the same command on the same project: comparable. */
export function sameCommand(a: RunSummary, b: RunSummary): boolean {
  return a.projectRoot === b.projectRoot && a.args.length === b.args.length && a.args.every((x, i) => x === b.args[i]);
}

/**
 * A change in time counts when it is both above `minSeconds` and above
 * `minRatio` of the slower run: small nodes jitter by tens of milliseconds.
 */
export function compareRuns(before: RunSummary, after: RunSummary, minSeconds = 0.1, minRatio = 0.2): NodeDiff[] {
  const old = new Map(before.rows.map((n) => [n.uniqueId, n]));
  const out: NodeDiff[] = [];
  for (const n of after.rows) {
    const o = old.get(n.uniqueId);
    old.delete(n.uniqueId);
    const diff: NodeDiff = { uniqueId: n.uniqueId, name: n.name, resourceType: n.resourceType, kind: 'added', after: { status: n.status, seconds: n.durationSeconds } };
    if (o) {
      diff.before = { status: o.status, seconds: o.durationSeconds };
      diff.kind = 'same';
      if (o.durationSeconds !== undefined && n.durationSeconds !== undefined) {
        const d = n.durationSeconds - o.durationSeconds;
        diff.deltaSeconds = d;
        if (Math.abs(d) >= minSeconds && Math.abs(d) >= minRatio * Math.max(o.durationSeconds, n.durationSeconds)) diff.kind = d > 0 ? 'slower' : 'faster';
      }
      if (o.status !== n.status) diff.kind = 'status';
    }
    out.push(diff);
  }
  for (const o of old.values()) out.push({ uniqueId: o.uniqueId, name: o.name, resourceType: o.resourceType, kind: 'removed', before: { status: o.status, seconds: o.durationSeconds } });
  const order: Record<DiffKind, number> = { status: 0, slower: 1, faster: 2, added: 3, removed: 4, same: 5 };
  return out.sort((a, b) => order[a.kind] - order[b.kind] || Math.abs(b.deltaSeconds ?? 0) - Math.abs(a.deltaSeconds ?? 0) || a.name.localeCompare(b.name));
}

const FAILED = new Set<NodeStatus>(['error', 'fail', 'runtime error', 'skipped', 'cancelled', 'partial success']);
const RETRYABLE = new Set(['build', 'run', 'test', 'seed', 'snapshot', 'compile']);

/** Nodes "Retry failed" runs again: errors, failures, and what was skipped or cancelled because of them. */
export function failedNodes(run: RunSummary): NodeRun[] {
  return run.rows.filter((n) => FAILED.has(n.status));
}

/** Flags with a value that say where and how to connect; a retry keeps them. */
const CONNECTION_FLAGS = new Set(['--target', '-t', '--profiles-dir', '--project-dir', '--vars', '--threads']);

/** The flags of `flags` (with their values) found in `args`. */
function flagsIn(args: readonly string[], flags: ReadonlySet<string>, valueless: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    const flag = a.split('=')[0]!;
    if (valueless.has(a)) out.push(a);
    else if (flags.has(flag)) out.push(...(a.includes('=') || i + 1 >= args.length ? [a] : [a, args[++i]!]));
  }
  return out;
}

/**
 * The arguments of "Retry failed": `dbt retry` when `run` was the last
 * invocation of its project (dbt's retry reads target/run_results.json,
 * which only the last one wrote, and takes the rest from it), else the
 * same command on the failed nodes. Undefined when nothing failed or the
 * command cannot be retried.
 */
export function retryArgs(run: RunSummary, isLatest: boolean): string[] | undefined {
  const command = run.args[0];
  const failed = failedNodes(run);
  if (!command || !RETRYABLE.has(command) || failed.length === 0) return undefined;
  const connection = flagsIn(run.args, CONNECTION_FLAGS);
  if (isLatest) return ['retry', ...connection];
  return [command, '--select', ...failed.map((n) => n.name), ...connection, ...flagsIn(run.args, new Set(['--indirect-selection']), new Set(['--full-refresh']))];
}
