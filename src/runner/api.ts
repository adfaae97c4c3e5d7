// The runner's public surface, as the editor layer, the tests and the
// benchmarks use it. Implementations: runner.ts (queue + backend choice),
// workerBackend.ts (long-lived Python worker), cliBackend.ts (dbt CLI with
// --log-format json). No `vscode` here.
import type { InvocationResult, RawDbtEvent } from '../dbt/protocol';

export interface InvocationRequest {
  /** dbt arguments without the executable, e.g. ["build", "--select", "+orders"]. */
  args: string[];
  /** Shown in logs and views, e.g. "dbt build +orders". Defaults to the args joined. */
  label?: string;
  /** Also deliver the events filtered by default (SQLQuery with the SQL text, connections, cache). */
  verboseEvents?: boolean;
}

export interface InvokeOptions {
  /** Every dbt event of this invocation, in order, as it arrives. */
  onEvent?: (event: RawDbtEvent) => void;
  /** Aborting cancels the invocation (queued: dropped; running: dbt's KeyboardInterrupt path, then kill). */
  signal?: AbortSignal;
}

export interface PythonEnvironment {
  python: string;
  pythonVersion: string;
  dbtVersion: string;
  adapters: string[];
}

export type BackendKind = 'worker' | 'cli';

export interface RunnerOptions {
  /** Absolute path of the dbt project folder (the one holding dbt_project.yml). */
  projectRoot: string;
  /** Python interpreter with dbt-core installed. */
  python: string;
  /** Path of dbt_worker.py. */
  workerScript: string;
  /** Where the worker writes the slim manifest after each parse (outside the user's target/). */
  manifestPath: string;
  /** 'auto' picks the worker when dbt-core is >= 1.5 and < 2, else the CLI. */
  backend?: BackendKind | 'auto';
  /** Stop the worker after this long without work. Default 5 minutes. */
  idleTimeoutMs?: number;
  /** After a cancel, how long to wait for dbt to stop before killing the worker. Default 5 s. */
  cancelGraceMs?: number;
  /** Recycle the worker after this many invocations, or above this RSS (bytes). */
  recycleAfterInvocations?: number;
  recycleAboveRssBytes?: number;
  /** How long the worker may take to import dbt and say `ready`. Default 60 s. */
  startTimeoutMs?: number;
  /** Extra environment for dbt (merged over process.env). */
  env?: Record<string, string>;
  /** Diagnostic log lines of the runner itself (never secrets). */
  log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

export interface ProjectRunner {
  readonly projectRoot: string;
  invoke(request: InvocationRequest, options?: InvokeOptions): Promise<InvocationResult>;
  /** Resolves with the slim manifest path after the next successful parse (runs one if none is cached). */
  parse(options?: InvokeOptions): Promise<InvocationResult>;
  /** Called after every parse that wrote a new slim manifest. */
  onManifest(listener: (manifestPath: string) => void): { dispose(): void };
  /** Number of invocations waiting (not counting the running one). */
  readonly queueLength: number;
  readonly busy: boolean;
  /** Resolves once nothing runs and nothing waits (at once when idle). */
  whenIdle(): Promise<void>;
  /** Mark the cached manifest stale (e.g. on a file-watcher event). */
  invalidate(): void;
  dispose(): Promise<void>;
}

/** A failure of the runner itself (not of dbt): no Python, no dbt, worker crash. Carries an actionable message. */
export class RunnerError extends Error {
  constructor(
    message: string,
    readonly code:
      | 'python-not-found'
      | 'dbt-not-installed'
      | 'dbt-version-unsupported'
      | 'worker-crashed'
      | 'worker-error'
      | 'worker-start-failed'
      | 'cancelled'
      | 'disposed'
      | 'project-missing',
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'RunnerError';
  }
}
