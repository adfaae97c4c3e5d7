// The state of one dbt invocation, built from its events as they arrive and
// reconciled with the final InvocationResult. `reduce` updates the state in
// place and returns it: O(1) per event (Maps keyed by unique_id), so a build
// of thousands of nodes stays cheap. Views compare `version` to know whether
// anything changed since they last drew.
import type {
  CommandCompletedEvent, DbtEvent, FoundNodesEvent, InvocationErrorEvent, NodeErrorEvent, NodeFinishedEvent, NodeInfo,
  NodeSkippedEvent, NodeStartedEvent, ResultProblemEvent, RunSummaryEvent, UnparsedLine,
} from './events';
import type { InvocationResult, NodeResult } from './protocol';

/**
 * queued/running while in flight; then dbt's result statuses; `cancelled`
 * when the user stopped it while it ran; `not run` when it was selected but
 * the invocation was cancelled before it started.
 */
export type NodeStatus =
  | 'queued'
  | 'running'
  | 'success'
  | 'pass'
  | 'warn'
  | 'fail'
  | 'error'
  | 'runtime error'
  | 'skipped'
  | 'partial success'
  | 'no-op'
  | 'reused'
  | 'cancelled'
  | 'not run'
  | 'unknown';

const DBT_STATUSES = new Set<string>(['success', 'pass', 'warn', 'fail', 'error', 'runtime error', 'skipped', 'partial success', 'no-op', 'reused']);
const FINISHED = new Set<NodeStatus>([...DBT_STATUSES as Set<NodeStatus>, 'cancelled', 'not run', 'unknown']);

export function isFinished(status: NodeStatus): boolean {
  return FINISHED.has(status);
}

/** dbt's status text -> NodeStatus ('unknown' for anything a newer dbt may add). */
export function toNodeStatus(dbtStatus: string): NodeStatus {
  const s = dbtStatus.toLowerCase();
  return DBT_STATUSES.has(s) ? (s as NodeStatus) : 'unknown';
}

export interface NodeRun {
  uniqueId: string;
  name: string;
  resourceType: string;
  materialized?: string;
  status: NodeStatus;
  /** dbt's status text as reported (e.g. "error" for a node we show as cancelled). */
  dbtStatus?: string;
  /** File relative to the project root (original_file_path), once dbt or the final result names it. */
  filePath?: string;
  /** dbt's node_path: relative to the resource folder (models/, seeds/...). */
  nodePath?: string;
  relationName?: string;
  /** ISO UTC timestamps. */
  startedAt?: string;
  finishedAt?: string;
  /** dbt's execution_time, in seconds. */
  durationSeconds?: number;
  rowsAffected?: number;
  /** The error text, or the adapter's message ("OK", "INSERT 30"). */
  message?: string;
  /** Tests: failing rows. */
  failures?: number;
  /** 1-based position in dbt's "n of total" lines. */
  index?: number;
  /** The dbt thread that ran the node ("Thread-2 (worker)"), for the run timeline. */
  thread?: string;
  /** Tests and unit tests: unique_id of the node they test; '' when not known (e.g. singular tests, unless StateOptions.testSubject says). */
  testOf?: string;
}

export interface Problem {
  severity: 'error' | 'warning';
  message: string;
  uniqueId?: string;
  nodeName?: string;
  resourceType?: string;
  /** Project-relative file, when known. */
  path?: string;
}

export interface RunStats {
  pass: number;
  warn: number;
  error: number;
  skip: number;
  noop: number;
  reused: number;
  total: number;
}

export type InvocationPhase = 'running' | 'success' | 'failed' | 'cancelled';

export interface InvocationState {
  label: string;
  phase: InvocationPhase;
  /** Incremented on every change. */
  version: number;
  /** In the order dbt started them (or they were expected). */
  nodes: Map<string, NodeRun>;
  /** Test unique_ids by the unique_id of what they test; key '' = tests whose subject is unknown. */
  testsBySubject: Map<string, Set<string>>;
  /** Nodes per status, kept in step with `nodes`. */
  counts: Record<NodeStatus, number>;
  /** done = nodes in a finished status; total = dbt's announced total (or the nodes seen, if more). Ephemeral models do not count, as in dbt. */
  progress: { done: number; total: number };
  summary: {
    stats?: RunStats;
    numErrors?: number;
    numWarnings?: number;
    keyboardInterrupt?: boolean;
    success?: boolean;
    exitCode?: 0 | 1 | 2;
    elapsedSeconds?: number;
    targetName?: string;
    threads?: number;
    /** FoundStats: "7 models, 3 seeds, ...". */
    found?: string;
    /** dbt said "Nothing to do": the selection matched no node this command runs. */
    nothingToDo?: boolean;
    /** Selection criteria that matched no enabled node. */
    unmatched?: string[];
  };
  /** Deprecation warnings dbt gave (the first of each kind), with the file they name. */
  deprecations: { name: string; message: string; file?: string }[];
  problems: Problem[];
  /** The traceback of an invocation-level error (MainStackTrace). */
  stackTrace?: string;
  /** How dbt parsed the project for this invocation, when it said so. */
  parse?: { partial: boolean; reason?: string; added?: number; changed?: number; deleted?: number };
  /** dbt cancelled the query of these nodes (LogCancelLine): their error result means "cancelled". */
  cancelledNodes: Set<string>;
  startedAt?: string;
  finishedAt?: string;
  /** Private: where each node's problem sits in `problems`; model names for test grouping. */
  readonly internal: { problemIndex: Map<string, number>; namesToIds: Map<string, string>; progressNodes: number; options: StateOptions };
}

export interface StateOptions {
  /** The unique_id a test checks (from the manifest: attached_node / depends_on), when the events do not say (dbt < 1.9, skipped tests). */
  testSubject?: (testUniqueId: string) => string | undefined;
}

const ZERO_COUNTS: Record<NodeStatus, number> = {
  queued: 0, running: 0, success: 0, pass: 0, warn: 0, fail: 0, error: 0, 'runtime error': 0,
  skipped: 0, 'partial success': 0, 'no-op': 0, reused: 0, cancelled: 0, 'not run': 0, unknown: 0,
};

export function initialState(label: string, options: StateOptions = {}): InvocationState {
  return {
    label,
    phase: 'running',
    version: 0,
    nodes: new Map(),
    testsBySubject: new Map(),
    counts: { ...ZERO_COUNTS },
    progress: { done: 0, total: 0 },
    summary: {},
    problems: [],
    deprecations: [],
    cancelledNodes: new Set(),
    internal: { problemIndex: new Map(), namesToIds: new Map(), progressNodes: 0, options },
  };
}

/** Registers nodes the invocation is expected to run (e.g. from the manifest), shown as queued until dbt starts them. */
export function expectNodes(
  state: InvocationState,
  nodes: Iterable<{ uniqueId: string; name: string; resourceType: string; filePath?: string }>,
): InvocationState {
  for (const n of nodes) {
    if (state.nodes.has(n.uniqueId)) continue;
    const node: NodeRun = { uniqueId: n.uniqueId, name: n.name, resourceType: n.resourceType, status: 'queued', filePath: n.filePath };
    addNode(state, node);
  }
  state.version++;
  return state;
}

/** Applies one event. Unparsed lines and plain log events leave the state as it was. */
export function reduce(state: InvocationState, event: DbtEvent | UnparsedLine): InvocationState {
  if (event.kind === 'unparsed' || event.kind === 'log') return state;
  if (state.startedAt === undefined && event.ts !== undefined) state.startedAt = event.ts;
  // TypeScript cannot tie REDUCERS[event.kind] to the event's own type; the table's type does.
  const apply = REDUCERS[event.kind] as ((state: InvocationState, event: DbtEvent) => boolean) | undefined;
  if (apply?.(state, event) === true) state.version++;
  return state;
}

type EventOf<K extends DbtEvent['kind']> = Extract<DbtEvent, { kind: K }>;

/**
 * How each kind of event changes the state; true when it changed. compiled-node,
 * show-node, print and deps events are output, not state: they have no entry.
 */
const REDUCERS: { [K in DbtEvent['kind']]?: (state: InvocationState, event: EventOf<K>) => boolean } = {
  'node-started': nodeStarted,
  'node-finished': nodeFinished,
  'node-skipped': nodeSkipped,
  'node-error': nodeError,
  'result-problem': resultProblem,
  'run-stats': (state, event) => {
    state.summary.stats = event.stats;
    return true;
  },
  'run-summary': runSummary,
  'command-completed': commandCompleted,
  'invocation-error': invocationError,
  'found-nodes': foundNodes,
  parse: (state, event) => {
    state.parse = { partial: event.partial, reason: event.reason, added: event.added, changed: event.changed, deleted: event.deleted };
    return true;
  },
  cancel: (state, event) => {
    // dbt names a node's connection after its unique_id.
    if (event.connection === undefined) return false;
    state.cancelledNodes.add(event.connection);
    return true;
  },
  'nothing-to-do': (state, event) => {
    if (event.criterion === undefined) state.summary.nothingToDo = true;
    else (state.summary.unmatched ??= []).push(event.criterion);
    return true;
  },
  deprecation: (state, event) => {
    state.deprecations.push({ name: event.name, message: event.msg.replace(/^\[WARNING\]\[\w+\]:\s*/, ''), file: event.file });
    return true;
  },
};

function nodeStarted(state: InvocationState, event: NodeStartedEvent): boolean {
  const node = nodeFor(state, event.node);
  if (node.status === 'queued') setStatus(state, node, 'running');
  node.startedAt ??= event.node.startedAt ?? event.ts;
  if (event.index !== undefined) node.index = event.index;
  if (event.total !== undefined) raiseTotal(state, event.total);
  return true;
}

function nodeFinished(state: InvocationState, event: NodeFinishedEvent): boolean {
  const node = nodeFor(state, event.node);
  finishNode(state, node, event.status);
  // NodeFinished carries dbt's full result message; the Log*Result line only the adapter's word.
  if (event.message !== undefined && (event.name === 'NodeFinished' || node.message === undefined)) node.message = event.message;
  if (event.executionTime !== undefined) node.durationSeconds = event.executionTime;
  if (event.failures !== undefined) node.failures = event.failures;
  if (event.rowsAffected !== undefined) node.rowsAffected = event.rowsAffected;
  if (event.index !== undefined) node.index = event.index;
  if (event.total !== undefined) raiseTotal(state, event.total);
  node.startedAt ??= event.node.startedAt;
  node.finishedAt = event.node.finishedAt ?? lastCompletedAt(event.timing) ?? node.finishedAt ?? event.ts;
  if (event.attachedNode !== undefined) setSubject(state, node, event.attachedNode);
  return true;
}

function nodeSkipped(state: InvocationState, event: NodeSkippedEvent): boolean {
  if (event.node === undefined) return false;
  const node = nodeFor(state, event.node);
  if (!isFinished(node.status)) setStatus(state, node, 'skipped');
  node.dbtStatus = 'skipped';
  if (event.index !== undefined) node.index = event.index;
  if (event.total !== undefined) raiseTotal(state, event.total);
  return true;
}

function nodeError(state: InvocationState, event: NodeErrorEvent): boolean {
  // The node's result follows; keep the exception text, which is the most complete.
  const id = event.uniqueId ?? event.node?.uniqueId;
  const node = id === undefined ? undefined : state.nodes.get(id);
  if (node === undefined || event.message === '') return false;
  node.message = event.message;
  return true;
}

function resultProblem(state: InvocationState, event: ResultProblemEvent): boolean {
  // RunResultFailure/RunResultWarning name the file; RunResultError and
  // RunResultWarningMessage that follow carry the text (some results,
  // such as a stale source, have none: then the node's own message).
  const node = event.uniqueId === undefined ? undefined : state.nodes.get(event.uniqueId);
  addProblem(state, {
    severity: event.severity,
    message: event.message ?? node?.message ?? (node === undefined ? '' : `${node.resourceType} ${node.name}: ${node.dbtStatus ?? node.status}`),
    uniqueId: event.uniqueId,
    nodeName: event.nodeName,
    resourceType: event.resourceType,
    path: event.path,
  }, event.message !== undefined);
  if (node !== undefined && event.path !== undefined) node.filePath = event.path;
  return true;
}

function runSummary(state: InvocationState, event: RunSummaryEvent): boolean {
  state.summary.numErrors = event.numErrors;
  state.summary.numWarnings = event.numWarnings;
  state.summary.keyboardInterrupt = event.keyboardInterrupt;
  if (event.keyboardInterrupt) stopUnfinished(state, true, undefined);
  return true;
}

function commandCompleted(state: InvocationState, event: CommandCompletedEvent): boolean {
  state.summary.success = event.success;
  if (event.elapsed !== undefined) state.summary.elapsedSeconds = event.elapsed;
  state.finishedAt = event.completedAt ?? event.ts;
  if (state.phase === 'running') {
    state.phase = event.success ? 'success' : state.summary.keyboardInterrupt === true ? 'cancelled' : 'failed';
  }
  return true;
}

function invocationError(state: InvocationState, event: InvocationErrorEvent): boolean {
  if (event.stackTrace !== undefined) state.stackTrace = event.stackTrace;
  // A cancel ends with an empty MainEncounteredError (KeyboardInterrupt has no text).
  if (event.message === '') return false;
  addProblem(state, { severity: 'error', message: event.message });
  return true;
}

function foundNodes(state: InvocationState, event: FoundNodesEvent): boolean {
  if (event.nodeCount !== undefined) raiseTotal(state, event.nodeCount);
  if (event.targetName !== undefined) state.summary.targetName = event.targetName;
  if (event.threads !== undefined) state.summary.threads = event.threads;
  if (event.statLine !== undefined) state.summary.found = event.statLine;
  return true;
}

/**
 * Reconciles the state with the invocation's final result: its node statuses
 * are authoritative, and nodes still running when dbt stopped become
 * `cancelled` (a cancel) or `error` (dbt died).
 */
export function applyResult(state: InvocationState, result: InvocationResult): InvocationState {
  const cancelled = result.cancelled || result.exception?.type === 'KeyboardInterrupt';
  for (const r of result.nodes) {
    const node = state.nodes.get(r.uniqueId) ?? addNode(state, { uniqueId: r.uniqueId, name: r.name, resourceType: r.resourceType, status: 'queued' });
    finishNode(state, node, r.status);
    if (r.message !== null && r.message !== '') node.message = r.message;
    node.durationSeconds = r.executionTime;
    if (r.failures !== null) node.failures = r.failures;
    const rows = rowsAffected(r);
    if (rows !== undefined) node.rowsAffected = rows;
    if (r.originalFilePath !== undefined) node.filePath = r.originalFilePath;
    if (r.relationName !== undefined && r.relationName !== null) node.relationName = r.relationName;
    const first = r.timing[0];
    const last = r.timing[r.timing.length - 1];
    if (first?.startedAt !== undefined) node.startedAt ??= first.startedAt;
    if (last?.completedAt !== undefined) node.finishedAt ??= last.completedAt;
    if (isProblemStatus(node.status)) {
      addProblem(state, {
        severity: node.status === 'warn' ? 'warning' : 'error',
        message: node.message ?? node.status,
        uniqueId: node.uniqueId,
        nodeName: node.name,
        resourceType: node.resourceType,
        path: node.filePath,
      });
    }
  }
  stopUnfinished(state, cancelled, result.exception?.message);

  // Grouping may succeed now that every node's name is known.
  const unknown = state.testsBySubject.get('');
  if (unknown !== undefined) {
    for (const id of [...unknown]) {
      const node = state.nodes.get(id);
      if (node !== undefined) setSubject(state, node, guessSubject(state, node));
    }
  }

  if (result.exception !== undefined && result.exception.message !== '' && !cancelled) {
    const known = state.problems.some((p) => p.uniqueId === undefined && p.message.includes(result.exception?.message ?? ''));
    if (!known) addProblem(state, { severity: 'error', message: `${result.exception.type}: ${result.exception.message}` });
  }
  state.summary.success = result.success;
  state.summary.exitCode = result.exitCode;
  state.summary.elapsedSeconds = result.elapsedSeconds;
  state.phase = cancelled ? 'cancelled' : result.success ? 'success' : 'failed';
  state.version++;
  return state;
}

/**
 * Adds the nodes a cancelled invocation had selected but never started
 * (listed by dbt from the manifest and the selection) as `not run`.
 */
export function addNotRun(state: InvocationState, nodes: Iterable<{ uniqueId: string; name: string; resourceType: string; filePath?: string }>): InvocationState {
  for (const n of nodes) {
    if (state.nodes.has(n.uniqueId)) continue;
    addNode(state, { uniqueId: n.uniqueId, name: n.name, resourceType: n.resourceType, status: 'not run', filePath: n.filePath });
  }
  state.version++;
  return state;
}

/** A finished invocation's state rebuilt from its saved rows (after a window reload). */
export function restoredState(label: string, phase: InvocationPhase, rows: readonly NodeRun[], summary: InvocationState['summary']): InvocationState {
  const state = initialState(label);
  for (const row of rows) addNode(state, { ...row });
  state.phase = phase;
  state.summary = { ...summary };
  state.version++;
  return state;
}

/** Tests of `subjectId` (a model, seed, snapshot or source unique_id) in this invocation. */
export function testsOf(state: InvocationState, subjectId: string): NodeRun[] {
  const ids = state.testsBySubject.get(subjectId);
  if (ids === undefined) return [];
  const out: NodeRun[] = [];
  for (const id of ids) {
    const n = state.nodes.get(id);
    if (n !== undefined) out.push(n);
  }
  return out;
}

// ---- helpers ----

function isTest(resourceType: string): boolean {
  return resourceType === 'test' || resourceType === 'unit_test';
}

function isProblemStatus(s: NodeStatus): boolean {
  return s === 'error' || s === 'fail' || s === 'runtime error' || s === 'warn';
}

function addNode(state: InvocationState, node: NodeRun): NodeRun {
  state.nodes.set(node.uniqueId, node);
  state.counts[node.status]++;
  if (countsTowardProgress(node)) {
    state.internal.progressNodes++;
    if (isFinished(node.status)) state.progress.done++;
    raiseTotal(state, state.internal.progressNodes);
  }
  if (isTest(node.resourceType)) {
    // A restored row knows its subject already.
    const subject = node.testOf ?? guessSubject(state, node);
    node.testOf = undefined;
    setSubject(state, node, subject);
  } else if (!state.internal.namesToIds.has(node.name)) {
    state.internal.namesToIds.set(node.name, node.uniqueId);
  }
  return node;
}

/** dbt compiles ephemeral models (NodeStart/NodeFinished) but leaves them out of its "n of total". */
function countsTowardProgress(node: NodeRun): boolean {
  return node.materialized !== 'ephemeral';
}

function nodeFor(state: InvocationState, info: NodeInfo): NodeRun {
  let node = state.nodes.get(info.uniqueId);
  if (node === undefined) {
    const fresh: NodeRun = { uniqueId: info.uniqueId, name: info.name, resourceType: info.resourceType, status: 'queued' };
    if (info.materialized !== undefined) fresh.materialized = info.materialized;
    node = addNode(state, fresh);
  }
  if (info.nodePath !== undefined) node.nodePath = info.nodePath;
  if (info.relationName !== undefined) node.relationName = info.relationName;
  return node;
}

function setStatus(state: InvocationState, node: NodeRun, status: NodeStatus): void {
  if (node.status === status) return;
  state.counts[node.status]--;
  state.counts[status]++;
  const was = isFinished(node.status);
  const is = isFinished(status);
  if (was !== is && countsTowardProgress(node)) state.progress.done += is ? 1 : -1;
  node.status = status;
}

function finishNode(state: InvocationState, node: NodeRun, dbtStatus: string): void {
  node.dbtStatus = dbtStatus;
  let status = toNodeStatus(dbtStatus);
  // A query dbt cancelled on Ctrl-C comes back as an error ("INTERRUPT Error").
  // Only for a node still in flight: one that had failed before the cancel keeps its error.
  const inFlight = node.status === 'running' || node.status === 'queued' || node.status === 'cancelled';
  if ((status === 'error' || status === 'runtime error') && inFlight && state.cancelledNodes.has(node.uniqueId)) status = 'cancelled';
  setStatus(state, node, status);
}

function stopUnfinished(state: InvocationState, cancelled: boolean, reason: string | undefined): void {
  for (const node of state.nodes.values()) {
    if (node.status === 'running') {
      setStatus(state, node, cancelled ? 'cancelled' : 'error');
      if (!cancelled) node.message ??= `dbt stopped before this node finished${reason ? `: ${reason}` : '.'}`;
    } else if (node.status === 'queued') {
      setStatus(state, node, cancelled ? 'not run' : 'skipped');
    }
  }
}

function raiseTotal(state: InvocationState, total: number): void {
  if (total > state.progress.total) state.progress.total = total;
}

function lastCompletedAt(timing: { completedAt?: string }[] | undefined): string | undefined {
  return timing !== undefined && timing.length > 0 ? timing[timing.length - 1].completedAt : undefined;
}

function rowsAffected(r: NodeResult): number | undefined {
  const v = r.adapterResponse.rows_affected;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** One problem per node: RunResultFailure (path) and RunResultError (message) of the same node merge. */
function addProblem(state: InvocationState, p: Problem, replaceMessage = false): void {
  const at = p.uniqueId === undefined ? undefined : state.internal.problemIndex.get(p.uniqueId);
  if (at === undefined) {
    if (p.uniqueId !== undefined) state.internal.problemIndex.set(p.uniqueId, state.problems.length);
    state.problems.push({ ...p });
    return;
  }
  const old = state.problems[at];
  if (p.severity === 'error') old.severity = 'error';
  if (p.message !== '' && (replaceMessage || old.message === '' || DBT_STATUSES.has(old.message))) old.message = p.message;
  old.path ??= p.path;
  old.nodeName ??= p.nodeName;
  old.resourceType ??= p.resourceType;
}

function setSubject(state: InvocationState, node: NodeRun, subject: string): void {
  if (node.testOf === subject) return;
  if (node.testOf !== undefined) state.testsBySubject.get(node.testOf)?.delete(node.uniqueId);
  node.testOf = subject;
  let set = state.testsBySubject.get(subject);
  if (set === undefined) {
    set = new Set();
    state.testsBySubject.set(subject, set);
  }
  set.add(node.uniqueId);
}

/**
 * What a test checks when dbt's events do not say (LogTestResult has
 * attached_node only from dbt 1.9, and skipped tests have no LogTestResult):
 * the caller's manifest lookup first; a unit test's unique_id names its
 * model (unit_test.<pkg>.<model>.<test>); a generic test's name is
 * <test>_<model>_<column...>, so the earliest (then longest) name of a node
 * seen in this invocation that sits between underscores. '' when unknown.
 */
function guessSubject(state: InvocationState, node: NodeRun): string {
  const fromManifest = state.internal.options.testSubject?.(node.uniqueId);
  if (fromManifest !== undefined && fromManifest !== '') return fromManifest;
  const parts = node.uniqueId.split('.');
  if (node.resourceType === 'unit_test' && parts.length >= 4) return `model.${parts[1]}.${parts[2]}`;
  // Singular tests (test.<pkg>.<name>) and source tests have no model name to find.
  if (parts.length < 4 || node.name.startsWith('source_')) return '';
  const names = state.internal.namesToIds;
  const name = node.name;
  for (let start = name.indexOf('_') + 1; start > 0 && start < name.length; start = name.indexOf('_', start) + 1) {
    let best: string | undefined;
    for (let end = name.indexOf('_', start); ; end = name.indexOf('_', end + 1)) {
      const candidate = end < 0 ? name.slice(start) : name.slice(start, end);
      const id = names.get(candidate);
      if (id !== undefined) best = id;
      if (end < 0) break;
    }
    if (best !== undefined) return best;
  }
  return '';
}
