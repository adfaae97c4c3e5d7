// One ProjectRunner per dbt project: a FIFO queue (dbt keeps global state, so
// never two invocations at once in one worker), the backend choice, and
// cancellation of queued and running work. RunnerPool keeps at most one per
// project root.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { InvocationResult } from '../dbt/protocol';
import { RunnerError, type InvocationRequest, type InvokeOptions, type ProjectRunner, type PythonEnvironment, type RunnerOptions } from './api';
import { commandOf, formatArgs, validateArgs } from './args';
import { versionGap } from './dbtVersions';
import { cancelledBeforeStart, type Backend, type BackendRequest } from './backend';
import { CliBackend } from './cliBackend';
import { assertWorkerSupported, checkPython, workerSupports } from './pythonEnv';
import { makeScrubber } from '../dbt/secrets';
import { WorkerBackend } from './workerBackend';

interface Job {
  request: BackendRequest;
  label: string;
  options: InvokeOptions;
  resolve: (result: InvocationResult) => void;
  reject: (error: Error) => void;
  onAbort?: () => void;
}

/** Picks and creates the backend once the Python environment is known. */
export type BackendFactory = () => Promise<Backend>;

export function createProjectRunner(options: RunnerOptions): ProjectRunner {
  const env = dbtEnv(options);
  const scrub = makeScrubber(env);
  const log: RunnerOptions['log'] = options.log ? (level, message) => options.log?.(level, scrub(message)) : undefined;
  const runner: QueuedRunner = new QueuedRunner(
    options.projectRoot,
    defaultBackendFactory(options, env, scrub, log, (path) => runner.emitManifest(path)),
    log,
  );
  return runner;
}

/** The environment dbt runs with: process.env, the configured extras, and our defaults. */
function dbtEnv(options: RunnerOptions): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  env.DO_NOT_TRACK = '1'; // dbt's anonymous usage tracking costs a network round trip per invocation
  env.DBT_SEND_ANONYMOUS_USAGE_STATS ??= 'false';
  env.DBT_USE_COLORS ??= 'false';
  return env;
}

/** The queue, independent of how invocations are carried out (tests give it their own backend). */
export class QueuedRunner implements ProjectRunner {
  private readonly queue: Job[] = [];
  private running: Job | undefined;
  private backend: Promise<Backend> | undefined;
  private readonly manifestListeners = new Set<(path: string) => void>();
  private readonly idleWaiters: (() => void)[] = [];
  private forceParse = false;
  private disposed = false;

  constructor(
    readonly projectRoot: string,
    private readonly makeBackend: BackendFactory,
    private readonly log?: RunnerOptions['log'],
  ) {}

  get queueLength(): number {
    return this.queue.length;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  whenIdle(): Promise<void> {
    if (!this.busy && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  invoke(request: InvocationRequest, options: InvokeOptions = {}): Promise<InvocationResult> {
    const args = validateArgs(request.args);
    return this.enqueue({ args: [...args], verboseEvents: request.verboseEvents }, request.label ?? `dbt ${formatArgs(args)}`, options);
  }

  parse(options: InvokeOptions = {}): Promise<InvocationResult> {
    return this.enqueue({ args: [], ensureParsed: true }, 'dbt parse', options);
  }

  onManifest(listener: (manifestPath: string) => void): { dispose(): void } {
    this.manifestListeners.add(listener);
    return { dispose: () => this.manifestListeners.delete(listener) };
  }

  /** Called by backends when a new manifest was written. */
  emitManifest(path: string): void {
    for (const l of this.manifestListeners) {
      try {
        l(path);
      } catch (e) {
        this.log?.('error', `manifest listener failed: ${(e as Error).message}`);
      }
    }
  }

  invalidate(): void {
    this.forceParse = true;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const job of this.queue.splice(0)) {
      this.detach(job);
      job.reject(new RunnerError('The runner was disposed before this invocation started.', 'disposed'));
    }
    this.notifyIfIdle();
    const backend = this.backend;
    this.backend = undefined;
    if (backend) await backend.then((b) => b.dispose(), () => undefined);
  }

  private enqueue(request: BackendRequest, label: string, options: InvokeOptions): Promise<InvocationResult> {
    if (this.disposed) return Promise.reject(new RunnerError('The runner was disposed.', 'disposed'));
    const command = request.ensureParsed ? 'parse' : commandOf(request.args);
    if (options.signal?.aborted) return Promise.resolve(cancelledBeforeStart(command, 'worker'));
    return new Promise<InvocationResult>((resolve, reject) => {
      const job: Job = { request, label, options, resolve, reject };
      if (options.signal) {
        job.onAbort = () => {
          const i = this.queue.indexOf(job);
          if (i < 0) return; // running: the backend handles its own cancel
          this.queue.splice(i, 1);
          this.detach(job);
          this.log?.('info', `${label}: cancelled while queued`);
          void this.backendKind().then((kind) => resolve(cancelledBeforeStart(command, kind)));
        };
        options.signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.pump();
    });
  }

  private pump(): void {
    if (this.running || this.disposed) return;
    const job = this.queue.shift();
    if (!job) return;
    this.running = job;
    void this.execute(job).finally(() => {
      this.running = undefined;
      this.pump();
      this.notifyIfIdle();
    });
  }

  private notifyIfIdle(): void {
    if (this.busy || this.queue.length > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async execute(job: Job): Promise<void> {
    try {
      const backend = await this.getBackend();
      const request = { ...job.request, forceParse: job.request.forceParse || this.forceParse };
      this.forceParse = false;
      this.log?.('debug', `${job.label}: start (${backend.kind})`);
      const result = await backend.run(request, { onEvent: job.options.onEvent, signal: job.options.signal });
      if (result.parsed && result.exitCode === 2 && request.forceParse) this.forceParse = true;
      this.log?.('debug', `${job.label}: exit ${result.exitCode} in ${result.elapsedSeconds} s`);
      job.resolve(result);
    } catch (e) {
      this.log?.('warn', `${job.label}: ${(e as Error).message}`);
      job.reject(e as Error);
    } finally {
      this.detach(job);
    }
  }

  private getBackend(): Promise<Backend> {
    if (!this.backend) {
      this.backend = this.makeBackend();
      // A failed start (no Python, no dbt) is retried on the next request: the user may fix it meanwhile.
      this.backend.catch(() => (this.backend = undefined));
    }
    return this.backend;
  }

  private async backendKind(): Promise<'worker' | 'cli'> {
    try {
      return this.backend ? (await this.backend).kind : 'worker';
    } catch {
      return 'worker';
    }
  }

  private detach(job: Job): void {
    if (job.onAbort) job.options.signal?.removeEventListener('abort', job.onAbort);
  }
}

function defaultBackendFactory(
  options: RunnerOptions,
  env: Record<string, string | undefined>,
  scrub: (text: string) => string,
  log: RunnerOptions['log'],
  onManifest: (path: string) => void,
): BackendFactory {
  return async () => {
    const root = resolve(options.projectRoot);
    if (!existsSync(join(root, 'dbt_project.yml'))) {
      throw new RunnerError(`No dbt_project.yml in ${root}: open the folder of a dbt project (or fix the configured project path).`, 'project-missing');
    }
    const pyEnv: PythonEnvironment = await checkPython(options.python, { env });
    const kind = options.backend ?? 'auto';
    if (kind === 'worker') assertWorkerSupported(pyEnv);
    const useWorker = kind === 'worker' || (kind === 'auto' && workerSupports(pyEnv.dbtVersion));
    log?.('info', `${root}: dbt ${pyEnv.dbtVersion} in ${pyEnv.python}; backend ${useWorker ? 'worker' : 'cli'}`);
    const common = { python: options.python, projectRoot: root, env, scrub, log, onManifest, cancelGraceMs: options.cancelGraceMs ?? 5000 };
    if (!useWorker) return refusingWhatDbtLacks(new CliBackend(common), pyEnv.dbtVersion);
    return refusingWhatDbtLacks(new WorkerBackend({
      ...common,
      workerScript: options.workerScript,
      manifestPath: options.manifestPath,
      startTimeoutMs: options.startTimeoutMs ?? 60_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 5 * 60_000,
      recycleAfterInvocations: options.recycleAfterInvocations,
      recycleAboveRssBytes: options.recycleAboveRssBytes,
    }), pyEnv.dbtVersion);
  };
}

/** A command or flag the installed dbt-core does not have fails with one clear message, before dbt's usage error. */
function refusingWhatDbtLacks(backend: Backend, dbtVersion: string): Backend {
  return {
    kind: backend.kind,
    run: (request, call) => {
      const gap = versionGap(request.args, dbtVersion);
      return gap ? Promise.reject(new RunnerError(gap, 'dbt-version-unsupported')) : backend.run(request, call);
    },
    dispose: () => backend.dispose(),
  };
}
