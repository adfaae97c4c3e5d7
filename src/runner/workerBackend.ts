// The warm backend: a long-lived dbt_worker.py per project. Starts it lazily,
// stops it when idle, recycles it after N invocations or above an RSS limit,
// and turns a cancel into dbt's KeyboardInterrupt path (killing the worker
// only if dbt does not stop in time).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { InvocationResult, ManifestMessage, ResultMessage } from '../dbt/protocol';
import { RunnerError } from './api';
import { commandOf } from './args';
import { cancelledBeforeStart, type Backend, type BackendCall, type BackendRequest, type DbtProcessOptions } from './backend';
import { WorkerProcess } from './workerProcess';

export interface WorkerBackendOptions extends DbtProcessOptions {
  workerScript: string;
  manifestPath: string;
  startTimeoutMs: number;
  idleTimeoutMs: number;
  cancelGraceMs: number;
  recycleAfterInvocations?: number;
  recycleAboveRssBytes?: number;
  onManifest?: (path: string) => void;
}

const STATUS_TIMEOUT_MS = 5000;
/** How often an idle worker checks that its project folder still exists (deleted or moved: stop it). */
const PROJECT_CHECK_MS = 2000;

export class WorkerBackend implements Backend {
  readonly kind = 'worker' as const;
  private worker: WorkerProcess | undefined;
  private invocationsOnWorker = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private projectTimer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private disposed = false;

  constructor(private readonly options: WorkerBackendOptions) {}

  /** Pid of the running worker, if any (for tests and the status bar). */
  get workerPid(): number | undefined {
    return this.worker?.isAlive ? this.worker.pid : undefined;
  }

  async run(request: BackendRequest, call: BackendCall): Promise<InvocationResult> {
    if (this.disposed) throw new RunnerError('The runner was disposed.', 'disposed');
    this.clearIdle();
    const command = request.ensureParsed ? 'parse' : commandOf(request.args);
    try {
      const gone = await this.stopIfProjectGone();
      if (gone) throw gone;
      const worker = await this.ensureWorker();
      if (call.signal?.aborted) return cancelledBeforeStart(command, 'worker');
      const message = await this.invoke(worker, request, call);
      this.invocationsOnWorker += 1;
      await this.maybeRecycle(worker);
      return message.result;
    } finally {
      this.armIdle();
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.clearIdle();
    await this.stopWorker(new RunnerError('The runner was disposed while dbt was running.', 'disposed'));
  }

  private async invoke(worker: WorkerProcess, request: BackendRequest, call: BackendCall): Promise<ResultMessage> {
    const id = `inv-${this.nextId++}`;
    const answer = worker.call(
      request.ensureParsed
        ? { id, method: 'parse', params: { args: request.args, force: request.forceParse } }
        : { id, method: 'invoke', params: { args: request.args, forceParse: request.forceParse, verboseEvents: request.verboseEvents } },
      call.onEvent,
    );
    let graceTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      // The log is shown to users: name the command, not the request id.
      this.log('info', `cancelling dbt ${request.ensureParsed ? 'parse' : commandOf(request.args)}: asking dbt to stop (KeyboardInterrupt)`);
      worker.send({ id: `cancel-${id}`, method: 'cancel', params: { id } });
      graceTimer = setTimeout(() => {
        this.log('warn', `dbt did not stop within ${this.options.cancelGraceMs} ms of the cancel; killing worker ${worker.pid}`);
        worker.kill(
          new RunnerError(
            `dbt did not stop within ${Math.round(this.options.cancelGraceMs / 100) / 10} s of the cancel, so its worker was killed; the next request starts a new one.`,
            'cancelled',
          ),
        );
      }, this.options.cancelGraceMs);
    };
    if (call.signal) call.signal.addEventListener('abort', onAbort, { once: true });
    try {
      return (await answer) as ResultMessage;
    } catch (e) {
      if (!worker.isAlive) this.forget(worker);
      throw e;
    } finally {
      call.signal?.removeEventListener('abort', onAbort);
      if (graceTimer) clearTimeout(graceTimer);
    }
  }

  private async ensureWorker(): Promise<WorkerProcess> {
    if (this.worker?.isAlive) {
      await this.worker.ready;
      return this.worker;
    }
    const o = this.options;
    const started = Date.now();
    const worker = new WorkerProcess({
      python: o.python,
      workerScript: o.workerScript,
      projectRoot: o.projectRoot,
      manifestPath: o.manifestPath,
      env: o.env,
      startTimeoutMs: o.startTimeoutMs,
      scrub: o.scrub,
      log: o.log,
      onManifest: (m: ManifestMessage) => o.onManifest?.(m.path),
    });
    this.worker = worker;
    this.invocationsOnWorker = 0;
    void worker.exited.then(() => this.forget(worker));
    try {
      const ready = await worker.ready;
      this.log('info', `worker ${ready.pid} ready in ${Date.now() - started} ms (dbt ${ready.dbtVersion})`);
      return worker;
    } catch (e) {
      this.forget(worker);
      throw e;
    }
  }

  private async maybeRecycle(worker: WorkerProcess): Promise<void> {
    const o = this.options;
    let reason: string | undefined;
    if (o.recycleAfterInvocations && this.invocationsOnWorker >= o.recycleAfterInvocations) {
      reason = `${this.invocationsOnWorker} invocations`;
    } else if (o.recycleAboveRssBytes) {
      const rss = await this.rss(worker);
      if (rss !== undefined && rss > o.recycleAboveRssBytes) reason = `RSS ${Math.round(rss / 1048576)} MiB`;
    }
    if (reason) {
      this.log('info', `recycling worker ${worker.pid} after ${reason}`);
      await this.stopWorker(new RunnerError('The worker was recycled.', 'disposed'));
    }
  }

  private async rss(worker: WorkerProcess): Promise<number | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const status = await Promise.race([
        worker.call({ id: `status-${this.nextId++}`, method: 'status' }),
        new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), STATUS_TIMEOUT_MS))),
      ]);
      return status && status.type === 'status' ? status.rssBytes : undefined;
    } catch {
      return undefined;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  private async stopWorker(reason: RunnerError): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.shutdown(3000, reason);
  }

  private forget(worker: WorkerProcess): void {
    if (this.worker === worker) this.worker = undefined;
  }

  /** The project folder was deleted or moved: stop its worker (it would only fail), and say why. */
  private async stopIfProjectGone(): Promise<RunnerError | undefined> {
    const root = this.options.projectRoot;
    if (existsSync(join(root, 'dbt_project.yml'))) return undefined;
    const error = new RunnerError(`No dbt_project.yml in ${root}: the project folder was deleted or moved. Open the project where it is now.`, 'project-missing');
    if (this.worker) {
      this.log('info', `${root} has no dbt_project.yml any more: stopping worker ${this.worker.pid}`);
      await this.stopWorker(error);
    }
    return error;
  }

  private armIdle(): void {
    this.clearIdle();
    if (this.disposed || !this.worker) return;
    this.idleTimer = setTimeout(() => {
      this.log('info', `stopping idle worker ${this.worker?.pid}`);
      void this.stopWorker(new RunnerError('The idle worker was stopped.', 'disposed'));
    }, this.options.idleTimeoutMs);
    this.idleTimer.unref();
    this.projectTimer = setInterval(() => {
      void this.stopIfProjectGone().then((gone) => {
        if (gone) this.clearIdle();
      });
    }, PROJECT_CHECK_MS);
    this.projectTimer.unref();
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.projectTimer) clearInterval(this.projectTimer);
    this.idleTimer = undefined;
    this.projectTimer = undefined;
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void {
    this.options.log?.(level, this.options.scrub(message));
  }
}
