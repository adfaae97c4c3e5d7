// One running dbt_worker.py: spawns it (no shell), reads its JSON-line
// channel, routes messages to the request that owns them, and turns every
// way the process can end into a clear RunnerError for whoever waits.
import { execa, type ResultPromise } from 'execa';
import type { ManifestMessage, RawDbtEvent, ReadyMessage, ResultMessage, StatusMessage, WorkerMessage, WorkerRequest } from '../dbt/protocol';
import { isJsonObject, type JsonObject as Obj } from '../dbt/json';
import { RunnerError } from './api';
import type { DbtProcessOptions } from './backend';
import { JsonLineReader } from './lineReader';
import { TailBuffer } from './tailBuffer';

export interface WorkerProcessOptions extends DbtProcessOptions {
  workerScript: string;
  manifestPath: string;
  startTimeoutMs: number;
  onManifest?: (message: ManifestMessage) => void;
}

interface Pending {
  onEvent?: (event: RawDbtEvent) => void;
  resolve: (message: ResultMessage | StatusMessage) => void;
  reject: (error: Error) => void;
}

const FATAL_CODES: Record<string, RunnerError['code']> = {
  DbtNotInstalled: 'dbt-not-installed',
  DbtVersionUnsupported: 'dbt-version-unsupported',
  ProjectMissing: 'project-missing',
};

export class WorkerProcess {
  readonly ready: Promise<ReadyMessage>;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<void>;
  private readonly child: ResultPromise;
  private readonly stderr = new TailBuffer();
  private readonly pending = new Map<string, Pending>();
  private readyInfo: ReadyMessage | undefined;
  private fatal: { type: string; message: string } | undefined;
  /** Set when we end the process on purpose: what pending requests are told. */
  private endReason: RunnerError | undefined;
  private alive = true;

  constructor(private readonly options: WorkerProcessOptions) {
    const { python, workerScript, projectRoot, manifestPath } = options;
    this.child = execa(python, [workerScript, '--project-dir', projectRoot, '--manifest-out', manifestPath], {
      cwd: projectRoot,
      env: options.env,
      extendEnv: false,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      cleanup: true,
      windowsHide: true,
    });
    const reader = new JsonLineReader({
      onValue: (v) => {
        // A line of the right JSON type but the wrong shape must not throw out of the stream handler.
        const problem = shapeProblem(v);
        if (problem) this.log('warn', `worker channel: skipped a message (${problem}): ${JSON.stringify(v).slice(0, 200)}`);
        else this.dispatch(v as unknown as WorkerMessage);
      },
      onSkip: (reason, preview) => this.log('warn', `worker channel: skipped a line (${reason}): ${preview}`),
    });
    this.child.stdout?.on('data', (chunk: Buffer) => reader.push(chunk));
    this.child.stdout?.on('end', () => reader.end());
    this.child.stderr?.on('data', (chunk: Buffer) => this.stderr.push(chunk));
    // A write to a dead worker fails here; the exit handler reports it.
    this.child.stdin?.on('error', () => undefined);

    let readyResolve!: (m: ReadyMessage) => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise<ReadyMessage>((resolve, reject) => {
      readyResolve = resolve;
      readyReject = reject;
    });
    this.ready.catch(() => undefined); // callers that never await ready must not see an unhandled rejection
    this.onReady = readyResolve;

    const timer = setTimeout(() => {
      const err = new RunnerError(
        `The dbt worker did not start within ${Math.round(options.startTimeoutMs / 1000)} s (importing dbt can be slow on a busy machine; raise the start timeout if this repeats).${this.stderrSuffix()}`,
        'worker-start-failed',
        this.stderr.tail(),
      );
      readyReject(err);
      this.kill(err);
    }, options.startTimeoutMs);

    this.exited = this.child.then(
      (r) => {
        clearTimeout(timer);
        this.alive = false;
        const error = this.exitError(r as unknown as ExitInfo);
        if (!this.readyInfo) readyReject(error);
        for (const p of this.pending.values()) p.reject(error);
        this.pending.clear();
      },
      () => undefined,
    );
    void this.ready.then(() => clearTimeout(timer), () => clearTimeout(timer));
  }

  private onReady: (m: ReadyMessage) => void;

  get pid(): number | undefined {
    return this.readyInfo?.pid ?? this.child.pid;
  }

  get isAlive(): boolean {
    return this.alive;
  }

  get info(): ReadyMessage | undefined {
    return this.readyInfo;
  }

  /** Sends a request whose answer is a `result` or `status` message with the same id. */
  call(request: WorkerRequest, onEvent?: (event: RawDbtEvent) => void): Promise<ResultMessage | StatusMessage> {
    if (!this.alive) return Promise.reject(this.endReason ?? new RunnerError('The dbt worker is not running.', 'worker-crashed'));
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { onEvent, resolve, reject });
      this.send(request);
    });
  }

  /** Fire and forget (cancel). */
  send(request: WorkerRequest): void {
    if (!this.alive || !this.child.stdin || this.child.stdin.destroyed) return;
    this.child.stdin.write(`${JSON.stringify(request)}\n`);
  }

  /** Polite stop: `shutdown`, close stdin, wait up to `graceMs`, then SIGKILL. */
  async shutdown(graceMs = 3000, reason = new RunnerError('The dbt worker was stopped.', 'disposed')): Promise<void> {
    if (!this.alive) return;
    this.endReason ??= reason;
    this.send({ id: 'shutdown', method: 'shutdown' });
    this.child.stdin?.end();
    const timer = setTimeout(() => this.kill(reason), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Immediate stop (SIGKILL); pending requests are rejected with `reason`. */
  kill(reason: RunnerError): void {
    this.endReason ??= reason;
    if (this.alive) this.child.kill('SIGKILL');
  }

  stderrTail(lines = 20): string {
    return this.options.scrub(this.stderr.tail(lines));
  }

  private dispatch(message: WorkerMessage): void {
    switch (message.type) {
      case 'ready':
        this.readyInfo = message;
        this.onReady(message);
        return;
      case 'event':
        try {
          this.pending.get(message.id)?.onEvent?.(message.event);
        } catch (e) {
          // A listener's bug must not break the channel (or escape into the stream handler).
          this.log('error', `event listener failed: ${(e as Error).message}`);
        }
        return;
      case 'manifest':
        this.options.onManifest?.(message);
        return;
      case 'result':
      case 'status': {
        const p = this.pending.get(message.id);
        this.pending.delete(message.id);
        p?.resolve(message);
        return;
      }
      case 'error': {
        const text = this.options.scrub(message.error.message);
        if (message.id !== null && this.pending.has(message.id)) {
          const p = this.pending.get(message.id);
          this.pending.delete(message.id);
          p?.reject(new RunnerError(`The dbt worker failed on this request: ${text}`, 'worker-error'));
        } else if (!this.readyInfo) {
          this.fatal = { type: message.error.type, message: text };
        } else {
          this.log('warn', `worker: ${message.error.type}: ${text}`);
        }
        return;
      }
    }
  }

  private exitError(r: ExitInfo): RunnerError {
    if (this.endReason) return this.endReason;
    if (this.fatal) {
      return new RunnerError(this.fatal.message, FATAL_CODES[this.fatal.type] ?? 'worker-start-failed', this.stderrTail());
    }
    if (r.code === 'ENOENT') {
      return new RunnerError(
        `Python interpreter '${this.options.python}' was not found. Set dbtConductor.pythonPath to a Python with dbt-core installed.`,
        'python-not-found',
      );
    }
    const how = r.signal ? `signal ${r.signal}` : `exit code ${r.exitCode ?? 'unknown'}`;
    if (!this.readyInfo) {
      return new RunnerError(`The dbt worker failed to start (${how}).${this.stderrSuffix()}`, 'worker-start-failed', this.stderrTail());
    }
    return new RunnerError(
      `The dbt worker (pid ${this.readyInfo.pid}) exited unexpectedly (${how}); the next request starts a new one.${this.stderrSuffix()}`,
      'worker-crashed',
      this.stderrTail(),
    );
  }

  private stderrSuffix(): string {
    const tail = this.stderrTail(12);
    return tail ? `\nLast output of the worker:\n${tail}` : '';
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void {
    this.options.log?.(level, this.options.scrub(message));
  }
}

const isId = (v: unknown): v is string => typeof v === 'string';

/** What is wrong with a channel message, if anything: the fields dispatch() and its callers rely on. */
export function shapeProblem(m: Obj): string | undefined {
  switch (m.type) {
    case 'ready':
      return typeof m.pid === 'number' && typeof m.dbtVersion === 'string' ? undefined : 'ready without pid or dbtVersion';
    case 'event': {
      const e = m.event;
      return isId(m.id) && isJsonObject(e) && isJsonObject(e.info) && typeof e.info.name === 'string' && isJsonObject(e.data) ? undefined : 'malformed event';
    }
    case 'manifest':
      return isId(m.id) && typeof m.path === 'string' ? undefined : 'manifest without id or path';
    case 'result':
      return isId(m.id) && isJsonObject(m.result) && typeof m.result.exitCode === 'number' ? undefined : 'result without id or exitCode';
    case 'status':
      return isId(m.id) && typeof m.rssBytes === 'number' ? undefined : 'status without id or rssBytes';
    case 'error':
      return (m.id === null || isId(m.id)) && isJsonObject(m.error) && typeof m.error.type === 'string' && typeof m.error.message === 'string'
        ? undefined
        : 'error without type or message';
    default:
      return 'unknown message type';
  }
}

interface ExitInfo {
  exitCode?: number;
  signal?: string;
  code?: string;
}
