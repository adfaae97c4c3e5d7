// Turns dbt structured events (the worker's callback events and the CLI's
// `--log-format json` lines have the same shape) into a typed union.
// Field names were checked against recorded dbt 1.8.9 and 1.12.6 streams
// (test/fixtures/events) and dbt's protobuf definitions. Never throws: input
// that is not an event becomes an `unparsed` item. Input is a RawDbtEvent
// (src/dbt/protocol.ts), but it is read defensively as `unknown`.

import { finiteNumber, isJsonObject, isTrue, nonEmptyString, type JsonObject as Obj } from './json';

export type EventLevel = 'debug' | 'test' | 'info' | 'warn' | 'error';

/** What dbt's `node_info` says about a node. Empty strings and "None" become undefined. */
export interface NodeInfo {
  uniqueId: string;
  name: string;
  resourceType: string;
  materialized?: string;
  /** Path relative to the resource's folder (model-paths etc.), not to the project: dbt's `node_path`. */
  nodePath?: string;
  /** dbt's current status of the node: started, compiling, executing, success, error, pass, ... */
  status?: string;
  /** ISO timestamps in UTC (dbt writes them without the Z; we add it). */
  startedAt?: string;
  finishedAt?: string;
  relationName?: string;
}

interface Base {
  /** dbt's event name, e.g. "LogModelResult". */
  name: string;
  level: EventLevel;
  /** The rendered message, ANSI colours removed. */
  msg: string;
  ts?: string;
}

export interface NodeStartedEvent extends Base {
  kind: 'node-started';
  node: NodeInfo;
  /** 1-based position and total, from LogStartLine (NodeStart has neither). */
  index?: number;
  total?: number;
  description?: string;
}

export interface NodeFinishedEvent extends Base {
  kind: 'node-finished';
  node: NodeInfo;
  /** dbt's result status: success, error, fail, warn, pass, skipped, no-op, ... */
  status: string;
  executionTime?: number;
  failures?: number;
  message?: string;
  rowsAffected?: number;
  adapterResponse?: Record<string, unknown>;
  index?: number;
  total?: number;
  /** Tests (dbt 1.9+ LogTestResult): the model or source the test is attached to. */
  attachedNode?: string;
  /** NodeFinished only: compile/execute timings. */
  timing?: { name: string; startedAt?: string; completedAt?: string }[];
}

export interface NodeSkippedEvent extends Base {
  kind: 'node-skipped';
  node?: NodeInfo;
  index?: number;
  total?: number;
}

/** An exception while running one node (the node result follows separately). */
export interface NodeErrorEvent extends Base {
  kind: 'node-error';
  uniqueId?: string;
  node?: NodeInfo;
  message: string;
}

/** The per-node problems dbt repeats at the end of a run (RunResultError/Failure/Warning...). */
export interface ResultProblemEvent extends Base {
  kind: 'result-problem';
  severity: 'error' | 'warning';
  node?: NodeInfo;
  uniqueId?: string;
  nodeName?: string;
  resourceType?: string;
  /** Project-relative file of the node (original_file_path), when dbt gives it. */
  path?: string;
  /** The error text (RunResultError / RunResultWarningMessage); absent for the headline events. */
  message?: string;
}

export interface RunStatsEvent extends Base {
  kind: 'run-stats';
  stats: { pass: number; warn: number; error: number; skip: number; noop: number; reused: number; total: number };
}

export interface RunSummaryEvent extends Base {
  kind: 'run-summary';
  numErrors: number;
  numWarnings: number;
  numPartialSuccess: number;
  keyboardInterrupt: boolean;
}

export interface CommandCompletedEvent extends Base {
  kind: 'command-completed';
  command: string;
  success: boolean;
  elapsed?: number;
  completedAt?: string;
}

/** The invocation failed as a whole (MainEncounteredError; MainStackTrace carries the traceback). */
export interface InvocationErrorEvent extends Base {
  kind: 'invocation-error';
  message: string;
  stackTrace?: string;
}

export interface FoundNodesEvent extends Base {
  kind: 'found-nodes';
  /** ConcurrencyLine: how many nodes this invocation will run. */
  nodeCount?: number;
  threads?: number;
  targetName?: string;
  /** FoundStats: "7 models, 3 seeds, ...". */
  statLine?: string;
}

export interface ParseEvent extends Base {
  kind: 'parse';
  /** true: partial parsing with these changes; false: a full parse, for `reason`. */
  partial: boolean;
  reason?: string;
  added?: number;
  changed?: number;
  deleted?: number;
}

export interface CompiledNodeEvent extends Base {
  kind: 'compiled-node';
  uniqueId: string;
  nodeName: string;
  compiled: string;
  isInline: boolean;
  outputFormat?: string;
}

export interface ShowNodeEvent extends Base {
  kind: 'show-node';
  uniqueId: string;
  nodeName: string;
  /** A text table, or JSON text with `--output json`. */
  preview: string;
  isInline: boolean;
  outputFormat?: string;
}

/** A printed line: the output of `dbt ls` (PrintEvent from 1.9, ListCmdOut before) or Jinja print(). */
export interface PrintEvent extends Base {
  kind: 'print';
  text: string;
}

export interface DepsEvent extends Base {
  kind: 'deps';
  step: 'installing' | 'installed' | 'update-available' | 'up-to-date' | 'no-packages' | 'unpinned';
  /** The package (installing), version (installed, update-available) or git URL (unpinned). */
  detail?: string;
}

export interface CancelEvent extends Base {
  kind: 'cancel';
  /** The connection whose query was cancelled; dbt names a node's connection after its unique_id. */
  connection?: string;
  /** false when the adapter cannot cancel queries (QueryCancelationUnsupported). */
  supported: boolean;
}

/** dbt found nothing to run for the selection (NothingToDo, NoNodesForSelectionCriteria). */
export interface NothingToDoEvent extends Base {
  kind: 'nothing-to-do';
  /** The selection criterion that matched nothing, when dbt names one. */
  criterion?: string;
}

/** A deprecation warning (MissingArgumentsPropertyInGenericTestDeprecation, ...): dbt shows the first of each kind. */
export interface DeprecationEvent extends Base {
  kind: 'deprecation';
  /** Project-relative file dbt's text names (a schema YAML, dbt_project.yml), when it names one. */
  file?: string;
}

/** Any other event. */
export interface LogEvent extends Base {
  kind: 'log';
  uniqueId?: string;
}

/** A CLI line that is not a dbt event (plain text, truncated JSON, other JSON). */
export interface UnparsedLine {
  kind: 'unparsed';
  line: string;
  reason: 'empty' | 'not-json' | 'invalid-json' | 'not-an-event';
}

export type DbtEvent =
  | NodeStartedEvent
  | NodeFinishedEvent
  | NodeSkippedEvent
  | NodeErrorEvent
  | ResultProblemEvent
  | RunStatsEvent
  | RunSummaryEvent
  | CommandCompletedEvent
  | InvocationErrorEvent
  | FoundNodesEvent
  | ParseEvent
  | CompiledNodeEvent
  | ShowNodeEvent
  | PrintEvent
  | DepsEvent
  | CancelEvent
  | NothingToDoEvent
  | DeprecationEvent
  | LogEvent;

// ---- small readers that never throw ----

function obj(v: unknown): Obj | undefined {
  return isJsonObject(v) ? v : undefined;
}

/** A non-empty string, ANSI-free. */
function str(v: unknown): string | undefined {
  const s = nonEmptyString(v);
  return s === undefined ? undefined : stripAnsi(s);
}

const num = finiteNumber;
const bool = isTrue;

// CSI sequences (colours, cursor moves) and OSC sequences (hyperlinks).
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

export function stripAnsi(text: string): string {
  return text.includes('\u001b') ? text.replace(ANSI, '') : text;
}

/** dbt's naive-UTC node timestamps ("2024-05-01T10:00:00.123456") as ISO UTC. */
function utc(v: unknown): string | undefined {
  const s = str(v);
  if (s === undefined || s === 'None') return undefined;
  return /(?:[zZ]|[+-]\d\d:?\d\d)$/.test(s) ? s : `${s}Z`;
}

export function parseNodeInfo(v: unknown): NodeInfo | undefined {
  const o = obj(v);
  const uniqueId = str(o?.unique_id);
  if (o === undefined || uniqueId === undefined) return undefined;
  const status = str(o.node_status);
  return {
    uniqueId,
    name: str(o.node_name) ?? uniqueId.split('.').slice(2).join('.'),
    resourceType: str(o.resource_type) ?? uniqueId.split('.')[0],
    materialized: str(o.materialized),
    nodePath: str(o.node_path),
    status: status === 'None' ? undefined : status,
    startedAt: utc(o.node_started_at),
    finishedAt: utc(o.node_finished_at),
    relationName: str(obj(o.node_relation)?.relation_name),
  };
}

function levelOf(v: unknown): EventLevel {
  return v === 'debug' || v === 'test' || v === 'info' || v === 'warn' || v === 'error' ? v : 'info';
}

/** Parses one event (from the worker, or a parsed JSON log line). Wrong shapes give a `log` event, never a throw. */
export function parseEvent(raw: unknown): DbtEvent {
  const r = obj(raw);
  const info = obj(r?.info) ?? {};
  const data = obj(r?.data) ?? {};
  // The common fields are passed to the readers one by one and written out in
  // each object they build: object spread is ~15x slower here, and a build can
  // send tens of thousands of events.
  const name = typeof info.name === 'string' ? info.name : '';
  const level = levelOf(info.level);
  const msg = typeof info.msg === 'string' ? stripAnsi(info.msg) : '';
  const ts = str(info.ts);
  // Most events (SQL, connections) carry node_info too; read it in full only where it is used.
  const node = NODE_EVENTS.has(name) ? parseNodeInfo(data.node_info) : undefined;
  const event = READERS.get(name)?.(name, level, msg, ts, data, node);
  if (event !== undefined) return event;
  if (name.endsWith('Deprecation')) return { name, level, msg, ts, kind: 'deprecation', file: fileNamedIn(data, msg) };
  return { name, level, msg, ts, kind: 'log', uniqueId: str(obj(data.node_info)?.unique_id) };
}

/** Builds the typed event of one family; undefined when the event lacks what its kind needs (it becomes a `log`). */
type Reader = (name: string, level: EventLevel, msg: string, ts: string | undefined, data: Obj, node: NodeInfo | undefined) => DbtEvent | undefined;

function nodeStarted(name: string, level: EventLevel, msg: string, ts: string | undefined, data: Obj, node: NodeInfo | undefined): DbtEvent | undefined {
  if (node === undefined) return undefined;
  return {
    name, level, msg, ts, kind: 'node-started', node,
    index: num(data.index), total: num(data.total), description: str(data.description),
  };
}

/** NodeFinished: dbt's full run_result of the node. */
function nodeFinished(name: string, level: EventLevel, msg: string, ts: string | undefined, data: Obj, node: NodeInfo | undefined): DbtEvent | undefined {
  if (node === undefined) return undefined;
  const rr = obj(data.run_result) ?? {};
  const adapterResponse = obj(rr.adapter_response);
  return {
    name, level, msg, ts, kind: 'node-finished', node,
    status: str(rr.status) ?? node.status ?? 'unknown',
    executionTime: num(rr.execution_time),
    failures: num(rr.num_failures),
    message: str(rr.message),
    rowsAffected: num(adapterResponse?.rows_affected),
    adapterResponse,
    timing: timingOf(rr.timing_info),
  };
}

/** LogModelResult: the "OK created ..." line of a model. */
function modelResult(name: string, level: EventLevel, msg: string, ts: string | undefined, data: Obj, node: NodeInfo | undefined): DbtEvent | undefined {
  if (node === undefined) return undefined;
  // Its `status` is the adapter's message ("OK", "INSERT 3") or "error";
  // the node's own status is in node_info.
  return {
    name, level, msg, ts, kind: 'node-finished', node,
    status: node.status ?? (data.status === 'error' ? 'error' : 'success'),
    executionTime: num(data.execution_time),
    message: str(data.status),
    index: num(data.index),
    total: num(data.total),
  };
}

/** The result lines of tests, seeds, snapshots, source freshness and other nodes. */
function nodeResult(name: string, level: EventLevel, msg: string, ts: string | undefined, data: Obj, node: NodeInfo | undefined): DbtEvent | undefined {
  if (node === undefined) return undefined;
  const status = str(data.status) ?? node.status ?? 'unknown';
  return {
    name, level, msg, ts, kind: 'node-finished', node, status,
    executionTime: num(data.execution_time),
    failures: num(data.num_failures),
    message: str(data.result_message) ?? str(data.msg) ?? freshnessMessage(data, status),
    index: num(data.index),
    // LogTestResult calls its total num_models.
    total: num(data.total) ?? num(data.num_models),
    // dbt 1.9+; empty for singular tests.
    attachedNode: str(data.attached_node),
  };
}

function nodeSkipped(name: string, level: EventLevel, msg: string, ts: string | undefined, data: Obj, node: NodeInfo | undefined): DbtEvent {
  return { name, level, msg, ts, kind: 'node-skipped', node, index: num(data.index), total: num(data.total) };
}

function nodeError(name: string, level: EventLevel, msg: string, ts: string | undefined, data: Obj, node: NodeInfo | undefined): DbtEvent {
  return {
    name, level, msg, ts, kind: 'node-error', node,
    uniqueId: str(data.unique_id) ?? node?.uniqueId,
    message: str(data.exc) ?? msg,
  };
}

function resultProblem(name: string, level: EventLevel, msg: string, ts: string | undefined, data: Obj, node: NodeInfo | undefined): DbtEvent {
  return {
    name, level, msg, ts, kind: 'result-problem', node,
    severity: name.startsWith('RunResultWarning') ? 'warning' : 'error',
    uniqueId: node?.uniqueId,
    nodeName: str(data.node_name) ?? node?.name,
    resourceType: str(data.resource_type) ?? node?.resourceType,
    path: str(data.path),
    message: str(data.msg),
  };
}

/** The end of an invocation: stats, summary, completion, invocation-level errors. */
function runEnd(name: string, level: EventLevel, msg: string, ts: string | undefined, data: Obj): DbtEvent | undefined {
  switch (name) {
    case 'StatsLine': {
      const s = obj(data.stats) ?? {};
      const n = (k: string): number => num(s[k]) ?? 0;
      return {
        name, level, msg, ts, kind: 'run-stats',
        stats: { pass: n('pass'), warn: n('warn'), error: n('error'), skip: n('skip'), noop: n('noop'), reused: n('reused'), total: n('total') },
      };
    }
    case 'EndOfRunSummary':
      return {
        name, level, msg, ts, kind: 'run-summary',
        numErrors: num(data.num_errors) ?? 0,
        numWarnings: num(data.num_warnings) ?? 0,
        numPartialSuccess: num(data.num_partial_success) ?? 0,
        keyboardInterrupt: bool(data.keyboard_interrupt),
      };
    case 'CommandCompleted':
      return {
        name, level, msg, ts, kind: 'command-completed',
        command: str(data.command) ?? '', success: bool(data.success),
        elapsed: num(data.elapsed), completedAt: str(data.completed_at),
      };
    case 'MainEncounteredError':
      return { name, level, msg, ts, kind: 'invocation-error', message: str(data.exc) ?? '' };
    case 'MainStackTrace':
      return { name, level, msg, ts, kind: 'invocation-error', message: '', stackTrace: str(data.stack_trace) };
  }
  return undefined;
}

/** What dbt found before running: nodes, threads, target, and how it parsed. */
function runStart(name: string, level: EventLevel, msg: string, ts: string | undefined, data: Obj): DbtEvent | undefined {
  switch (name) {
    case 'ConcurrencyLine':
      return {
        name, level, msg, ts, kind: 'found-nodes',
        nodeCount: num(data.node_count), threads: num(data.num_threads), targetName: str(data.target_name),
      };
    case 'FoundStats':
      return { name, level, msg, ts, kind: 'found-nodes', statLine: str(data.stat_line) };
    case 'PartialParsingEnabled':
      return {
        name, level, msg, ts, kind: 'parse', partial: true,
        added: num(data.added), changed: num(data.changed), deleted: num(data.deleted),
      };
    case 'UnableToPartialParse':
      return { name, level, msg, ts, kind: 'parse', partial: false, reason: str(data.reason) };
  }
  return undefined;
}

/** Output of compile, show and ls (and Jinja print()). */
function commandOutput(name: string, level: EventLevel, msg: string, ts: string | undefined, data: Obj): DbtEvent | undefined {
  switch (name) {
    case 'CompiledNode':
      return {
        name, level, msg, ts, kind: 'compiled-node',
        uniqueId: str(data.unique_id) ?? '', nodeName: str(data.node_name) ?? '',
        compiled: typeof data.compiled === 'string' ? data.compiled : '',
        isInline: bool(data.is_inline), outputFormat: str(data.output_format),
      };
    case 'ShowNode':
      return {
        name, level, msg, ts, kind: 'show-node',
        uniqueId: str(data.unique_id) ?? '', nodeName: str(data.node_name) ?? '',
        preview: typeof data.preview === 'string' ? data.preview : '',
        isInline: bool(data.is_inline), outputFormat: str(data.output_format),
      };
    case 'PrintEvent':
    case 'ListCmdOut':
      return { name, level, msg, ts, kind: 'print', text: typeof data.msg === 'string' ? stripAnsi(data.msg) : msg };
  }
  return undefined;
}

function depsStep(name: string, level: EventLevel, msg: string, ts: string | undefined, data: Obj): DbtEvent | undefined {
  switch (name) {
    case 'DepsStartPackageInstall':
      return { name, level, msg, ts, kind: 'deps', step: 'installing', detail: str(data.package_name) };
    case 'DepsInstallInfo':
      return { name, level, msg, ts, kind: 'deps', step: 'installed', detail: str(data.version_name) };
    case 'DepsUpdateAvailable':
      return { name, level, msg, ts, kind: 'deps', step: 'update-available', detail: str(data.version_latest) };
    case 'DepsUpToDate':
      return { name, level, msg, ts, kind: 'deps', step: 'up-to-date' };
    case 'DepsNoPackagesFound':
      return { name, level, msg, ts, kind: 'deps', step: 'no-packages' };
    case 'DepsUnpinned':
      return { name, level, msg, ts, kind: 'deps', step: 'unpinned', detail: str(data.git) };
  }
  return undefined;
}

/** Query cancels, and selections that matched nothing. */
function cancelOrNothing(name: string, level: EventLevel, msg: string, ts: string | undefined, data: Obj): DbtEvent | undefined {
  switch (name) {
    case 'LogCancelLine':
      return { name, level, msg, ts, kind: 'cancel', supported: true, connection: str(data.conn_name) };
    case 'QueryCancelationUnsupported':
      return { name, level, msg, ts, kind: 'cancel', supported: false };
    case 'NothingToDo':
      return { name, level, msg, ts, kind: 'nothing-to-do' };
    case 'NoNodesForSelectionCriteria':
      return { name, level, msg, ts, kind: 'nothing-to-do', criterion: str(data.spec_raw) };
  }
  return undefined;
}

/** Readers of the events about one node: parseEvent reads their node_info. */
const NODE_READERS: [Reader, string[]][] = [
  [nodeStarted, ['NodeStart', 'LogStartLine']],
  [nodeFinished, ['NodeFinished']],
  [modelResult, ['LogModelResult']],
  [nodeResult, ['LogTestResult', 'LogSeedResult', 'LogSnapshotResult', 'LogFreshnessResult', 'LogNodeResult', 'LogNodeNoOpResult']],
  [nodeSkipped, ['SkippingDetails', 'LogSkipBecauseError']],
  [nodeError, ['GenericExceptionOnRun', 'CatchableExceptionOnRun', 'InternalErrorOnRun']],
  [resultProblem, ['RunResultError', 'RunResultFailure', 'RunResultErrorNoMessage', 'RunResultWarning', 'RunResultWarningMessage']],
];

const OTHER_READERS: [Reader, string[]][] = [
  [runEnd, ['StatsLine', 'EndOfRunSummary', 'CommandCompleted', 'MainEncounteredError', 'MainStackTrace']],
  [runStart, ['ConcurrencyLine', 'FoundStats', 'PartialParsingEnabled', 'UnableToPartialParse']],
  [commandOutput, ['CompiledNode', 'ShowNode', 'PrintEvent', 'ListCmdOut']],
  [depsStep, ['DepsStartPackageInstall', 'DepsInstallInfo', 'DepsUpdateAvailable', 'DepsUpToDate', 'DepsNoPackagesFound', 'DepsUnpinned']],
  [cancelOrNothing, ['LogCancelLine', 'QueryCancelationUnsupported', 'NothingToDo', 'NoNodesForSelectionCriteria']],
];

const READERS = new Map<string, Reader>([...NODE_READERS, ...OTHER_READERS].flatMap(([reader, names]) => names.map((n): [string, Reader] => [n, reader])));

const NODE_EVENTS = new Set(NODE_READERS.flatMap(([, names]) => names));

/** dbt gives no text for a stale source (its result message is empty); say what the status means. */
function freshnessMessage(data: Obj, status: string): string | undefined {
  const source = str(data.source_name);
  const table = str(data.table_name);
  if (source === undefined || table === undefined) return undefined;
  if (status === 'error') return `Source ${source}.${table} is stale: older than its error_after limit.`;
  if (status === 'warn') return `Source ${source}.${table} is stale: older than its warn_after limit.`;
  return undefined;
}

/**
 * The project file a deprecation is about: a `(path/file.yml)` in its data
 * or text ("... in package 'jaffle' (models/marts/schema.yml)"), or
 * dbt_project.yml when the text names it.
 */
function fileNamedIn(data: Obj, msg: string): string | undefined {
  const texts = [...Object.values(data).filter((v): v is string => typeof v === 'string'), msg.replace(/\s*\n\s*/g, ' ')];
  for (const t of texts) {
    const inParens = /\(([^()\s]+\.(?:ya?ml|sql|py|csv))\)/.exec(t);
    if (inParens) return inParens[1];
  }
  return texts.some((t) => t.includes('dbt_project.yml')) ? 'dbt_project.yml' : undefined;
}

function timingOf(v: unknown): NodeFinishedEvent['timing'] {
  if (!Array.isArray(v)) return undefined;
  const out: NonNullable<NodeFinishedEvent['timing']> = [];
  for (const t of v) {
    const o = obj(t);
    const name = str(o?.name);
    if (name === undefined) continue;
    out.push({ name, startedAt: str(o?.started_at), completedAt: str(o?.completed_at) });
  }
  return out;
}

/**
 * Parses one stdout line of `dbt --log-format json`. Plain text (Click usage
 * errors, banners), truncated JSON and JSON of another shape come back as
 * `unparsed` with the line (ANSI removed), never as an exception.
 */
export function parseEventLine(line: string): DbtEvent | UnparsedLine {
  const trimmed = line.trim();
  if (trimmed === '') return { kind: 'unparsed', line: '', reason: 'empty' };
  if (trimmed[0] !== '{') return { kind: 'unparsed', line: stripAnsi(line.replace(/\r?\n$/, '')), reason: 'not-json' };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return { kind: 'unparsed', line: stripAnsi(trimmed), reason: 'invalid-json' };
  }
  const info = obj(obj(value)?.info);
  if (info === undefined || typeof info.name !== 'string' || info.name === '') {
    return { kind: 'unparsed', line: stripAnsi(trimmed), reason: 'not-an-event' };
  }
  return parseEvent(value);
}

/** True for the events every view can ignore (SQL text, connections, cache, blank lines). */
export function isNoise(name: string): boolean {
  return NOISE.has(name);
}

const NOISE = new Set([
  'Formatting', 'SQLQuery', 'SQLQueryStatus', 'SQLCommit', 'NewConnection', 'NewConnectionOpening', 'ConnectionUsed',
  'ConnectionReused', 'ConnectionClosed', 'ConnectionClosedInCleanup', 'ConnectionLeftOpen', 'ConnectionLeftOpenInCleanup',
  'Rollback', 'RollbackFailed', 'CacheAction', 'CacheMiss', 'CacheDumpGraph', 'ResourceReport', 'EndRunResult',
  'NodeCompiling', 'NodeExecuting', 'WritingInjectedSQLForNode', 'FlushEvents', 'ArtifactWritten',
]);
