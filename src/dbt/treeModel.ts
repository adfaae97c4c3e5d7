// The data behind the Invocations and Test Results views: the last N
// invocations, each with its nodes and their live status, and the latest
// result of every test grouped by the model it tests. Fed with dbt's events
// as they arrive (O(1) work per event) and the final result. Pure: no
// vscode, so it is tested in plain Node with recorded event streams.
import type { InvocationResult, NodeResult, RawDbtEvent } from './protocol';

export type NodeStatus = 'queued' | 'running' | 'success' | 'pass' | 'warn' | 'error' | 'fail' | 'skipped' | 'no-op' | 'reused' | 'partial success';
export type InvocationStatus = 'queued' | 'running' | 'success' | 'failed' | 'error' | 'cancelled';

export interface NodeRow {
  uniqueId: string;
  name: string;
  resourceType: string;
  status: NodeStatus;
  /** Position in the run ("3 of 27"), when dbt gave one. */
  index?: number;
  executionTime?: number;
  rowsAffected?: number;
  failures?: number;
  message?: string;
  /** For tests: the node tested ('' or undefined when dbt does not say). */
  attachedNode?: string;
  /** Project-relative path of the node's file, from the final result. */
  originalFilePath?: string;
  compiledCode?: string | null;
}

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
  /** Nodes in the order they started. */
  rows: NodeRow[];
  /** Total node count dbt announced ("n of total"). */
  total: number;
  result?: InvocationResult;
  error?: string;
}

export interface TestRow extends NodeRow {
  projectRoot: string;
  invocationId: number;
}

export interface TestGroup {
  /** The tested node's unique id; '' for tests attached to nothing dbt names. */
  attachedNode: string;
  projectRoot: string;
  tests: TestRow[];
  counts: Record<'pass' | 'warn' | 'fail' | 'error' | 'other', number>;
}

const TEST_TYPES = new Set(['test', 'unit_test']);
/** Events whose node_info ends a node (at info level: the CLI; NodeFinished: the worker's debug stream). */
const RESULT_EVENTS = new Set(['LogModelResult', 'LogTestResult', 'LogSeedResult', 'LogSnapshotResult', 'LogFreshnessResult', 'LogNodeNoOpResult', 'LogNodeResult', 'NodeFinished', 'SkippingDetails', 'LogSkipBecauseError']);
const START_EVENTS = new Set(['NodeStart', 'LogStartLine', 'NodeCompiling', 'NodeExecuting']);
const KNOWN_STATUSES = new Set<NodeStatus>(['success', 'pass', 'warn', 'error', 'fail', 'skipped', 'no-op', 'reused', 'partial success']);

interface Internal {
  byId: Map<string, NodeRow>;
}

export class InvocationHistory {
  private entries: InvocationEntry[] = [];
  private nextId = 1;
  private readonly internals = new WeakMap<InvocationEntry, Internal>();
  /** Latest result of each test, by project and unique id. */
  private readonly tests = new Map<string, TestRow>();

  constructor(private readonly keep = 20) {}

  start(init: { label: string; args: string[]; projectRoot: string; projectName: string; background?: boolean }): InvocationEntry {
    const entry: InvocationEntry = { ...init, background: !!init.background, id: this.nextId++, status: 'queued', startedAt: Date.now(), rows: [], total: 0 };
    this.internals.set(entry, { byId: new Map() });
    if (!entry.background) {
      this.entries.unshift(entry);
      if (this.entries.length > this.keep) this.entries.length = this.keep;
    }
    return entry;
  }

  /** Newest first; background invocations (parses) are not listed. */
  list(): readonly InvocationEntry[] {
    return this.entries;
  }

  get(id: number): InvocationEntry | undefined {
    return this.entries.find((e) => e.id === id);
  }

  clear(): void {
    this.entries = this.entries.filter((e) => e.status === 'running' || e.status === 'queued');
    this.tests.clear();
  }

  /** One dbt event: O(1) (a map lookup and a few field writes). */
  event(entry: InvocationEntry, e: RawDbtEvent): void {
    if (entry.status === 'queued') entry.status = 'running';
    const name = e.info.name;
    const isStart = START_EVENTS.has(name);
    if (!isStart && !RESULT_EVENTS.has(name)) return;
    const data = e.data;
    const info = data.node_info as Record<string, unknown> | undefined;
    const uniqueId = typeof info?.unique_id === 'string' ? info.unique_id : undefined;
    if (!uniqueId) return;
    const row = this.row(entry, uniqueId, info!);
    if (typeof data.total === 'number' && data.total > entry.total) entry.total = data.total;
    if (typeof data.index === 'number') row.index = data.index;
    if (isStart) {
      if (row.status === 'queued') row.status = 'running';
      return;
    }
    const runResult = data.run_result as Record<string, unknown> | undefined;
    const status = statusOf(name, data, info!, runResult);
    if (status) row.status = status;
    const time = num(data.execution_time) ?? num(runResult?.execution_time);
    if (time !== undefined) row.executionTime = time;
    const failures = num(data.num_failures) ?? num(runResult?.num_failures);
    if (failures !== undefined) row.failures = failures;
    const adapter = runResult?.adapter_response as Record<string, unknown> | undefined;
    const rows = num(adapter?.rows_affected);
    if (rows !== undefined && rows >= 0) row.rowsAffected = rows;
    if (typeof runResult?.message === 'string' && runResult.message) row.message = runResult.message;
    if (typeof data.attached_node === 'string') row.attachedNode = data.attached_node;
    if (TEST_TYPES.has(row.resourceType)) this.recordTest(entry, row);
  }

  /** The final result: authoritative statuses, messages, file paths, compiled code. */
  finish(entry: InvocationEntry, result: InvocationResult): void {
    entry.result = result;
    entry.endedAt = Date.now();
    entry.status = result.cancelled ? 'cancelled' : result.success ? 'success' : result.exitCode === 2 ? 'error' : 'failed';
    if (result.exitCode === 2 && result.exception && !result.cancelled) entry.error = result.exception.message;
    for (const n of result.nodes) {
      const row = this.row(entry, n.uniqueId, { node_name: n.name, resource_type: n.resourceType });
      applyNodeResult(row, n);
      if (TEST_TYPES.has(row.resourceType)) this.recordTest(entry, row);
    }
    // Nodes still marked running never finished (cancelled or crashed).
    for (const row of entry.rows) if (row.status === 'running' || row.status === 'queued') row.status = 'skipped';
    if (entry.total < entry.rows.length) entry.total = entry.rows.length;
  }

  fail(entry: InvocationEntry, message: string): void {
    entry.status = 'error';
    entry.error = message;
    entry.endedAt = Date.now();
    for (const row of entry.rows) if (row.status === 'running' || row.status === 'queued') row.status = 'skipped';
  }

  progress(entry: InvocationEntry): { done: number; total: number } {
    let done = 0;
    // Counting on demand keeps event() O(1); progress is read a few times a second.
    for (const row of entry.rows) if (row.status !== 'running' && row.status !== 'queued') done++;
    return { done, total: Math.max(entry.total, entry.rows.length) };
  }

  /** Latest test results grouped by tested node; `attachedOf` fills in what events do not say (singular tests). */
  testGroups(attachedOf: (projectRoot: string, testId: string) => string | undefined = () => undefined): TestGroup[] {
    const groups = new Map<string, TestGroup>();
    for (const t of this.tests.values()) {
      const attached = t.attachedNode || attachedOf(t.projectRoot, t.uniqueId) || unitTestModel(t) || '';
      const key = `${t.projectRoot}\0${attached}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { attachedNode: attached, projectRoot: t.projectRoot, tests: [], counts: { pass: 0, warn: 0, fail: 0, error: 0, other: 0 } }));
      g.tests.push(t);
      const bucket = t.status === 'pass' || t.status === 'success' ? 'pass' : t.status === 'warn' ? 'warn' : t.status === 'fail' ? 'fail' : t.status === 'error' ? 'error' : 'other';
      g.counts[bucket]++;
    }
    const severity = (g: TestGroup) => (g.counts.error + g.counts.fail > 0 ? 0 : g.counts.warn > 0 ? 1 : 2);
    const out = [...groups.values()];
    for (const g of out) g.tests.sort((a, b) => testRank(a) - testRank(b) || a.name.localeCompare(b.name));
    // Failing groups first, then by name.
    return out.sort((a, b) => severity(a) - severity(b) || a.attachedNode.localeCompare(b.attachedNode));
  }

  private row(entry: InvocationEntry, uniqueId: string, info: Record<string, unknown>): NodeRow {
    const internal = this.internals.get(entry)!;
    let row = internal.byId.get(uniqueId);
    if (!row) {
      row = {
        uniqueId,
        name: typeof info.node_name === 'string' ? info.node_name : uniqueId.split('.').pop()!,
        resourceType: typeof info.resource_type === 'string' ? info.resource_type : uniqueId.split('.')[0]!,
        status: 'queued',
      };
      internal.byId.set(uniqueId, row);
      entry.rows.push(row);
    }
    return row;
  }

  private recordTest(entry: InvocationEntry, row: NodeRow): void {
    if (row.status === 'queued') return;
    const key = `${entry.projectRoot}\0${row.uniqueId}`;
    const existing = this.tests.get(key);
    // A newer invocation's row replaces an older one; the same row is updated in place.
    if (existing && existing.invocationId > entry.id) return;
    this.tests.set(key, Object.assign(existing && existing.invocationId === entry.id ? existing : ({} as TestRow), row, { projectRoot: entry.projectRoot, invocationId: entry.id }));
  }
}

function statusOf(name: string, data: Record<string, unknown>, info: Record<string, unknown>, runResult: Record<string, unknown> | undefined): NodeStatus | undefined {
  if (name === 'SkippingDetails' || name === 'LogSkipBecauseError') return 'skipped';
  if (name === 'LogNodeNoOpResult') return 'no-op';
  const candidates = [runResult?.status, name === 'LogTestResult' || name === 'LogFreshnessResult' ? data.status : undefined, info.node_status];
  for (const c of candidates) {
    const s = typeof c === 'string' ? c.toLowerCase() : '';
    if (KNOWN_STATUSES.has(s as NodeStatus)) return s as NodeStatus;
    if (s === 'runtime error') return 'error';
  }
  return undefined;
}

function applyNodeResult(row: NodeRow, n: NodeResult): void {
  const s = n.status.toLowerCase();
  row.status = s === 'runtime error' ? 'error' : KNOWN_STATUSES.has(s as NodeStatus) ? (s as NodeStatus) : row.status === 'running' ? 'success' : row.status;
  row.executionTime = n.executionTime;
  if (n.failures !== null) row.failures = n.failures;
  if (n.message) row.message = n.message;
  const rows = num(n.adapterResponse?.rows_affected);
  if (rows !== undefined && rows >= 0) row.rowsAffected = rows;
  if (n.originalFilePath) row.originalFilePath = n.originalFilePath;
  if (n.compiledCode !== undefined) row.compiledCode = n.compiledCode;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  // int64 fields arrive as strings in dbt's JSON.
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** Unit tests are named "<model>::<test>" in events; their unique id is unit_test.<pkg>.<model>.<test>. */
function unitTestModel(t: TestRow): string | undefined {
  if (t.resourceType !== 'unit_test') return undefined;
  const parts = t.uniqueId.split('.');
  return parts.length >= 4 ? `model.${parts[1]}.${parts[2]}` : undefined;
}

function testRank(t: TestRow): number {
  return t.status === 'error' ? 0 : t.status === 'fail' ? 1 : t.status === 'warn' ? 2 : t.status === 'running' ? 3 : 4;
}
