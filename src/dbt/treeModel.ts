// The data behind the Invocations and Test Results views: the last N
// invocations, each with the reducer's live state (dbt/results.ts), and the
// test results (dbt/testState.ts, the one record every test view reads).
// Each event costs O(1) here (one parse, one reduce, one map write). Both
// survive a window reload through toJSON / restore (bounded). Pure: no
// vscode, so it is tested in plain Node with recorded event streams.
import { commandOf } from './subcommand';
import { parseEvent } from './events';
import { nextParseProgress, type ParseNow, type ParseProgress } from './parseProgress';
import type { InvocationResult, RawDbtEvent } from './protocol';
import { addNotRun, applyResult, initialState, reduce, restoredState, type InvocationState, type NodeRun, type StateOptions } from './results';
import { groupTests, isTestNode, TestState, type TestGroup, type TestResult } from './testState';

export type { NodeRun, NodeStatus } from './results';
export type { TestGroup, TestResult } from './testState';

/** `nothing`: dbt found nothing to do for the selection (a warning, not a success). */
export type InvocationStatus = 'queued' | 'running' | 'success' | 'nothing' | 'failed' | 'error' | 'cancelled';

export interface InvocationEntry {
  id: number;
  label: string;
  args: string[];
  /** dbt's subcommand ("build", "source freshness"). */
  command: string;
  projectRoot: string;
  projectName: string;
  background: boolean;
  status: InvocationStatus;
  startedAt: number;
  endedAt?: number;
  /** dbt's own wall time, once finished. */
  elapsedSeconds?: number;
  state: InvocationState;
  /** The nodes in the order dbt started them (the reducer's map, as an array for views). */
  rows: NodeRun[];
  /** This session's result (not kept across a reload). */
  result?: InvocationResult;
  error?: string;
  /** What its parse is doing, once dbt's events say it parses (dbt/parseProgress.ts). */
  parse?: ParseProgress;
}

/**
 * What the Test Results view renders: equal keys mean an identical view, so
 * the view need not redraw (a redraw while the user clicks a row can lose the
 * click: microsoft/vscode#173233).
 */
export function testGroupsKey(groups: readonly TestGroup[], stale: (r: TestResult) => boolean = () => false): string {
  return JSON.stringify(
    groups.map((g) => [g.projectRoot, g.subject, g.tests.map((t) => [t.uniqueId, t.name, t.outcome ?? null, t.running, t.failures ?? null, t.message ?? null, t.durationSeconds ?? null, stale(t)])]),
  );
}

export interface PersistedHistory {
  version: 1;
  invocations: PersistedInvocation[];
}

type PersistedInvocation = Pick<InvocationEntry, 'id' | 'label' | 'args' | 'command' | 'projectRoot' | 'projectName' | 'status' | 'startedAt' | 'endedAt' | 'elapsedSeconds' | 'rows' | 'error'> & {
  phase: InvocationState['phase'];
  summary: InvocationState['summary'];
};

export class InvocationHistory {
  private entries: InvocationEntry[] = [];
  private nextId = 1;
  /** The latest result of every test. */
  readonly tests: TestState;
  private endedCount = 0;
  /** Started and not ended, background ones included (the status bar shows their parses). */
  private readonly unfinished = new Set<InvocationEntry>();

  constructor(
    private readonly keep = 20,
    tests = new TestState(),
  ) {
    this.tests = tests;
    this.nextId = Math.max(0, ...tests.all().map((t) => t.invocationId)) + 1;
  }

  /** How many invocations have ended: the views show an end at once, without their batching delay. */
  get ended(): number {
    return this.endedCount;
  }

  /** `options.testSubject` tells the reducer what a test checks when the events do not (from the manifest). */
  start(init: { label: string; args: string[]; projectRoot: string; projectName: string; background?: boolean }, options: StateOptions = {}): InvocationEntry {
    const entry: InvocationEntry = {
      ...init,
      command: commandOf(init.args),
      background: !!init.background,
      id: this.nextId++,
      status: 'queued',
      startedAt: Date.now(),
      state: initialState(init.label, options),
      rows: [],
    };
    this.unfinished.add(entry);
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
    entry.parse = nextParseProgress(entry.parse, entry.command, raw, e, Date.now());
    if (entry.state.nodes.size !== entry.rows.length) entry.rows = [...entry.state.nodes.values()];
    if ('node' in e && e.node) {
      const node = entry.state.nodes.get(e.node.uniqueId);
      const thread = raw.info?.thread;
      if (node && typeof thread === 'string' && thread !== 'MainThread') node.thread = thread;
      if (node && isTestNode(node.resourceType)) this.tests.record(entry.projectRoot, entry.command, entry.id, node, entry.startedAt);
    }
  }

  /** The final result: authoritative statuses, messages, file paths. */
  finish(entry: InvocationEntry, result: InvocationResult): void {
    entry.result = result;
    entry.endedAt = Date.now();
    entry.elapsedSeconds = result.elapsedSeconds;
    applyResult(entry.state, result);
    entry.rows = [...entry.state.nodes.values()];
    entry.status = result.cancelled
      ? 'cancelled'
      : result.success
        ? entry.state.summary.nothingToDo ? 'nothing' : 'success'
        : result.exitCode === 2 ? 'error' : 'failed';
    if (result.exitCode === 2 && result.exception && !result.cancelled) entry.error = `${result.exception.type}: ${result.exception.message}`;
    for (const node of entry.rows) if (isTestNode(node.resourceType)) this.tests.record(entry.projectRoot, entry.command, entry.id, node, entry.startedAt);
    this.tests.endInvocation(entry.id);
    this.markEnded(entry);
  }

  /** The invocation ended without a result: the runner failed, or had to kill dbt after a cancel. */
  fail(entry: InvocationEntry, message: string, cancelled = false): void {
    const result: InvocationResult = {
      command: entry.command,
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
    entry.elapsedSeconds = result.elapsedSeconds;
    entry.status = cancelled ? 'cancelled' : 'error';
    entry.error = message;
    this.tests.endInvocation(entry.id);
    this.markEnded(entry);
  }

  private markEnded(entry: InvocationEntry): void {
    this.unfinished.delete(entry);
    this.endedCount++;
  }

  /** The parses running now, oldest first (background ones too). */
  parsing(): ParseNow[] {
    const out: ParseNow[] = [];
    for (const e of this.unfinished) {
      if (e.status === 'running' && e.parse && !e.parse.done) out.push({ projectName: e.projectName, projectRoot: e.projectRoot, progress: e.parse });
    }
    return out;
  }

  /** A cancelled invocation's selected nodes that never started (see results.addNotRun). */
  addNotRun(entry: InvocationEntry, nodes: Iterable<{ uniqueId: string; name: string; resourceType: string; filePath?: string }>): void {
    addNotRun(entry.state, nodes);
    entry.rows = [...entry.state.nodes.values()];
  }

  progress(entry: InvocationEntry): { done: number; total: number } {
    return entry.state.progress;
  }

  /** Latest test results grouped by what they test, failing groups (and tests) first. */
  testGroups(): TestGroup[] {
    return groupTests(this.tests.all());
  }

  /** The finished invocations to keep across a reload, with at most `maxRows` node rows in all (newest first). */
  toJSON(maxRows = 3000, maxMessage = 2000): PersistedHistory {
    let budget = maxRows;
    const invocations: PersistedInvocation[] = [];
    for (const e of this.entries) {
      if (e.status === 'running' || e.status === 'queued') continue;
      const rows = e.rows.slice(0, Math.max(0, budget)).map((r) => ({ ...r, message: r.message && r.message.length > maxMessage ? `${r.message.slice(0, maxMessage)}…` : r.message }));
      budget -= rows.length;
      const { id, label, args, command, projectRoot, projectName, status, startedAt, endedAt, elapsedSeconds, error } = e;
      invocations.push({ id, label, args, command, projectRoot, projectName, status, startedAt, endedAt, elapsedSeconds, error, rows, phase: e.state.phase, summary: e.state.summary });
    }
    return { version: 1, invocations };
  }

  /** A history with the invocations and test results saved by toJSON (anything malformed is left out). */
  static restore(saved: unknown, tests: TestState, keep = 20): InvocationHistory {
    const history = new InvocationHistory(keep, tests);
    const list = (saved as Partial<PersistedHistory> | undefined)?.version === 1 ? (saved as PersistedHistory).invocations : [];
    for (const p of Array.isArray(list) ? list.slice(0, keep) : []) {
      if (!p || typeof p.id !== 'number' || typeof p.label !== 'string' || !Array.isArray(p.args) || !Array.isArray(p.rows)) continue;
      const state = restoredState(p.label, p.phase, p.rows, p.summary ?? {});
      history.entries.push({ ...p, background: false, state, rows: [...state.nodes.values()] });
      history.nextId = Math.max(history.nextId, p.id + 1);
    }
    return history;
  }
}
