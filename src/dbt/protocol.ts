// The contract between the TypeScript runner and the Python worker
// (src/runner/dbt_worker.py mirrors this file), and the result shape that
// both backends (worker and CLI fallback) produce. Types, and the protocol's
// strings as values for test/unit/worker-parity.test.ts; no imports.
//
// Transport: JSON lines. Requests go to the worker's stdin; the worker
// answers on its original stdout (fd 1 duplicated at start-up), while fd 1
// itself is pointed at stderr so that anything dbt prints cannot corrupt the
// channel.

/** A dbt structured event exactly as `msg_to_dict` / `--log-format json` write it. */
export interface RawDbtEvent {
  info: {
    name: string;
    code?: string;
    level?: string;
    msg?: string;
    ts?: string;
    invocation_id?: string;
    thread?: string;
    [key: string]: unknown;
  };
  data: Record<string, unknown>;
}

// ---- requests (runner -> worker) ----

export interface InvokeRequest {
  id: string;
  method: 'invoke';
  params: {
    /** CLI-style dbt arguments, e.g. ["run", "--select", "orders"]. */
    args: string[];
    /** Optional Click parameter overrides (prefer args). */
    kwargs?: Record<string, unknown>;
    /** Ask the worker to include events it filters by default (SQL, cache). */
    verboseEvents?: boolean;
    /** Re-parse before running even if the worker's fingerprint sees no change (the editor knows better). */
    forceParse?: boolean;
  };
}

/**
 * Make sure a fresh manifest exists: parses only when the cached one is
 * missing or stale (or `force`), and answers with a `parse` result either way
 * (`parsed` tells which). Unlike `invoke {args: ["parse"]}`, which always parses.
 */
export interface ParseRequest {
  id: string;
  method: 'parse';
  params: { args?: string[]; force?: boolean };
}

export interface CancelRequest {
  id: string;
  method: 'cancel';
  /** The id of the invocation to cancel. */
  params: { id: string };
}

export interface ShutdownRequest {
  id: string;
  method: 'shutdown';
  params?: Record<string, never>;
}

export interface StatusRequest {
  id: string;
  method: 'status';
  /** manifestDigest: also hash the cached manifest, entry by entry (for tests; costly on big projects). */
  params?: { manifestDigest?: boolean };
}

export type WorkerRequest = InvokeRequest | ParseRequest | CancelRequest | ShutdownRequest | StatusRequest;

// ---- messages (worker -> runner) ----

/** First line the worker writes, once dbt is imported. */
export interface ReadyMessage {
  type: 'ready';
  pid: number;
  python: string;
  dbtVersion: string;
}

/** A dbt event belonging to invocation `id`. */
export interface EventMessage {
  type: 'event';
  id: string;
  event: RawDbtEvent;
}

/** The slim manifest was (re)written atomically at `path` after a parse. */
export interface ManifestMessage {
  type: 'manifest';
  id: string;
  path: string;
  nodeCount: number;
}

export interface ResultMessage {
  type: 'result';
  id: string;
  result: InvocationResult;
}

/** A request the worker could not handle at all (bad JSON, unknown method). */
export interface ErrorMessage {
  type: 'error';
  id: string | null;
  error: { type: string; message: string };
}

export interface StatusMessage {
  type: 'status';
  id: string;
  rssBytes: number;
  invocations: number;
  manifestLoaded: boolean;
  /** When asked: `<section>:<unique_id>` (and `private:`, `flat_graph`) -> sha1 of that entry. */
  manifestDigest?: Record<string, string>;
}

export type WorkerMessage = ReadyMessage | EventMessage | ManifestMessage | ResultMessage | ErrorMessage | StatusMessage;

// The protocol's strings as values, for the parity test with dbt_worker.py
// (test/unit/worker-parity.test.ts). A Record over the union must name every
// member and nothing else, so these cannot drift from the types.
const METHODS: Record<WorkerRequest['method'], true> = { invoke: true, parse: true, cancel: true, shutdown: true, status: true };
const TYPES: Record<WorkerMessage['type'], true> = { ready: true, event: true, manifest: true, result: true, error: true, status: true };
export const REQUEST_METHODS: readonly string[] = Object.keys(METHODS);
export const MESSAGE_TYPES: readonly string[] = Object.keys(TYPES);

// ---- results (both backends) ----

/** dbt's exit codes: 0 done, 1 completed with handled failures, 2 unhandled error or usage error. */
export type ExitCode = 0 | 1 | 2;

export interface TimingEntry {
  name: string;
  startedAt?: string;
  completedAt?: string;
}

export interface NodeResult {
  uniqueId: string;
  resourceType: string;
  name: string;
  /** dbt's status string: success, error, fail, warn, skipped, pass, runtime error, no-op, reused, partial success. */
  status: string;
  message: string | null;
  executionTime: number;
  failures: number | null;
  timing: TimingEntry[];
  adapterResponse: Record<string, unknown>;
  /** Path of the node's file relative to the project root, when known. */
  originalFilePath?: string;
  relationName?: string | null;
  /** compile/run: the compiled SQL, when dbt produced it. */
  compiledCode?: string | null;
}

export interface ManifestSummary {
  nodes: number;
  models: number;
  tests: number;
  seeds: number;
  snapshots: number;
  sources: number;
  macros: number;
  exposures: number;
  unitTests: number;
}

export interface PreviewTable {
  uniqueId: string;
  columns: string[];
  /** The worker only: agate's type name of each column (Number, Text, Date, DateTime, Boolean, ...). */
  types?: string[];
  rows: unknown[][];
}

export interface FreshnessEntry {
  uniqueId: string;
  status: string;
  maxLoadedAt: string | null;
  snapshottedAt: string | null;
  ageSeconds: number | null;
  message: string | null;
}

/** The result of commands that are not (only) a list of node results. */
export type CommandOutput =
  | { kind: 'parse'; summary: ManifestSummary }
  | { kind: 'list'; items: string[] }
  | { kind: 'show'; tables: PreviewTable[] }
  | { kind: 'compile'; nodes: { uniqueId: string; compiledCode: string }[] }
  | { kind: 'debug'; ok: boolean }
  | { kind: 'freshness'; sources: FreshnessEntry[] }
  | { kind: 'docs'; catalogNodes: number; catalogSources: number }
  | { kind: 'none' };
const KINDS: Record<CommandOutput['kind'], true> = { parse: true, list: true, show: true, compile: true, debug: true, freshness: true, docs: true, none: true };
export const OUTPUT_KINDS: readonly string[] = Object.keys(KINDS);

export interface InvocationResult {
  /** The dbt subcommand, e.g. "run", "source freshness". */
  command: string;
  success: boolean;
  exitCode: ExitCode;
  nodes: NodeResult[];
  output: CommandOutput;
  /** For exit code 2: the exception dbt raised (KeyboardInterrupt on cancel). */
  exception?: { type: string; message: string };
  /** Wall time of the invocation in seconds, as measured by the backend. */
  elapsedSeconds: number;
  /** True when the worker parsed the project for this invocation (manifest was missing or stale). */
  parsed: boolean;
  /** True when the invocation was cancelled by the user. */
  cancelled: boolean;
  backend: 'worker' | 'cli';
  /** The manifest this invocation's project state is described by: the worker's slim manifest, or target/manifest.json for the CLI. */
  manifestPath?: string;
}
