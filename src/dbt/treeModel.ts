// The data behind the Invocations and Test Results views: the last N
// invocations, each with the reducer's live state (dbt/results.ts), and the
// latest result of every test grouped by what it tests. Each event costs
// O(1) here (one parse, one reduce, one map write). Pure: no vscode, so it
// is tested in plain Node with recorded event streams.
import { parseEvent } from './events';
import type { InvocationResult, RawDbtEvent } from './protocol';
import { applyResult, initialState, reduce, type InvocationState, type NodeRun, type NodeStatus, type StateOptions } from './results';

export type { NodeRun, NodeStatus } from './results';

export type InvocationStatus = 'queued' | 'running' | 'success' | 'failed' | 'error' | 'cancelled';

export interface InvocationEntry {
  id: number;
  label: string;
  args: string[];
  projectRoot: string;
  projectName: string;
  background: boolean;
  status: InvocationStatus;
  startedAt: number;
  endedAt?: number;
  state: InvocationState;
  /** The nodes in the order dbt started them (the reducer's map, as an array for views). */
  rows: NodeRun[];
  result?: InvocationResult;
  error?: string;
}

export interface TestRow {
  node: NodeRun;
  projectRoot: string;
  invocationId: number;
}

export interface TestGroup {
  /** unique_id of the tested model, seed, snapshot or source; '' when unknown. */
  subject: string;
  projectRoot: string;
  tests: TestRow[];
  counts: Record<'pass' | 'warn' | 'fail' | 'error' | 'other', number>;
}

/**
 * What the Test Results view renders of `groups`: equal keys mean an identical
 * view, so the view need not refresh (a refresh while the user clicks a row can
 * lose the click: microsoft/vscode#173233).
 */
export function testGroupsKey(groups: readonly TestGroup[]): string {
  return JSON.stringify(
    groups.map((g) => [g.projectRoot, g.subject, g.tests.map(({ node: n }) => [n.uniqueId, n.name, n.resourceType, n.status, n.failures ?? null, n.message ?? null, n.filePath ?? null])]),
  );
}

const TEST_TYPES = new Set(['test', 'unit_test']);

export class InvocationHistory {
  private entries: InvocationEntry[] = [];
  private nextId = 1;
  /** Latest run of each test, by project and unique id. */
  private readonly tests = new Map<string, TestRow>();
  private endedCount = 0;

  constructor(private readonly keep = 20) {}

  /** How many invocations have ended: the views show an end at once, without their batching delay. */
  get ended(): number {
    return this.endedCount;
  }

  /** `options.testSubject` tells the reducer what a test checks when the events do not (from the manifest). */
  start(init: { label: string; args: string[]; projectRoot: string; projectName: string; background?: boolean }, options: StateOptions = {}): InvocationEntry {
    const entry: InvocationEntry = {
      ...init,
      background: !!init.background,
      id: this.nextId++,
      status: 'queued',
      startedAt: Date.now(),
      state: initialState(init.label, options),
      rows: [],
    };
    if (!entry.background) {
      this.entries.unshift(entry);
      if (this.entries.length > this.keep) this.entries.length = this.keep;
    }
    return entry;
  }

  /** Newest first; background invocations (parses for the language server) are not listed. */
  list(): readonly InvocationEntry[] {
    return this.entries;
  }

  clear(): void {
    this.entries = this.entries.filter((e) => e.status === 'running' || e.status === 'queued');
    this.tests.clear();
  }

  event(entry: InvocationEntry, raw: RawDbtEvent): void {
    if (entry.status === 'queued') entry.status = 'running';
    const e = parseEvent(raw);
    reduce(entry.state, e);
    if (entry.state.nodes.size !== entry.rows.length) entry.rows = [...entry.state.nodes.values()];
    if ('node' in e && e.node) {
      const node = entry.state.nodes.get(e.node.uniqueId);
      const thread = raw.info?.thread;
      if (node && typeof thread === 'string' && thread !== 'MainThread') node.thread = thread;
      if (node && TEST_TYPES.has(node.resourceType)) this.recordTest(entry, node);
    }
  }

  /** The final result: authoritative statuses, messages, file paths. */
  finish(entry: InvocationEntry, result: InvocationResult): void {
    entry.result = result;
    entry.endedAt = Date.now();
    applyResult(entry.state, result);
    entry.rows = [...entry.state.nodes.values()];
    entry.status = result.cancelled ? 'cancelled' : result.success ? 'success' : result.exitCode === 2 ? 'error' : 'failed';
    if (result.exitCode === 2 && result.exception && !result.cancelled) entry.error = `${result.exception.type}: ${result.exception.message}`;
    for (const node of entry.rows) if (TEST_TYPES.has(node.resourceType)) this.recordTest(entry, node);
    this.endedCount++;
  }

  /** The invocation ended without a result: the runner failed, or had to kill dbt after a cancel. */
  fail(entry: InvocationEntry, message: string, cancelled = false): void {
    const result: InvocationResult = {
      command: '',
      success: false,
      exitCode: 2,
      nodes: [],
      output: { kind: 'none' },
      exception: { type: cancelled ? 'KeyboardInterrupt' : 'RunnerError', message },
      elapsedSeconds: (Date.now() - entry.startedAt) / 1000,
      parsed: false,
      cancelled,
      backend: 'worker',
    };
    applyResult(entry.state, result);
    entry.rows = [...entry.state.nodes.values()];
    entry.endedAt = Date.now();
    entry.status = cancelled ? 'cancelled' : 'error';
    entry.error = message;
    this.endedCount++;
  }

  progress(entry: InvocationEntry): { done: number; total: number } {
    return entry.state.progress;
  }

  /** Latest test results grouped by what they test, failing groups (and tests) first. */
  testGroups(): TestGroup[] {
    const groups = new Map<string, TestGroup>();
    for (const t of this.tests.values()) {
      const subject = t.node.testOf ?? '';
      const key = `${t.projectRoot}\0${subject}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { subject, projectRoot: t.projectRoot, tests: [], counts: { pass: 0, warn: 0, fail: 0, error: 0, other: 0 } }));
      g.tests.push(t);
      g.counts[bucket(t.node.status)]++;
    }
    const out = [...groups.values()];
    for (const g of out) g.tests.sort((a, b) => rank(a.node.status) - rank(b.node.status) || a.node.name.localeCompare(b.node.name));
    const severity = (g: TestGroup) => (g.counts.error + g.counts.fail > 0 ? 0 : g.counts.warn > 0 ? 1 : 2);
    return out.sort((a, b) => severity(a) - severity(b) || a.subject.localeCompare(b.subject));
  }

  private recordTest(entry: InvocationEntry, node: NodeRun): void {
    if (node.status === 'queued') return;
    const key = `${entry.projectRoot}\0${node.uniqueId}`;
    const existing = this.tests.get(key);
    // A newer invocation's run replaces an older one's, never the other way round.
    if (existing && existing.invocationId > entry.id) return;
    this.tests.set(key, { node, projectRoot: entry.projectRoot, invocationId: entry.id });
  }
}

function bucket(s: NodeStatus): keyof TestGroup['counts'] {
  if (s === 'pass' || s === 'success') return 'pass';
  if (s === 'warn') return 'warn';
  if (s === 'fail') return 'fail';
  if (s === 'error' || s === 'runtime error') return 'error';
  return 'other';
}

function rank(s: NodeStatus): number {
  const b = bucket(s);
  return b === 'error' ? 0 : b === 'fail' ? 1 : b === 'warn' ? 2 : s === 'running' ? 3 : 4;
}
