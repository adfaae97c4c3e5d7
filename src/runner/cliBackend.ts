// The fallback backend: one `dbt ... --log-format json` process per
// invocation (dbt < 1.5, dbt 2.x, or when the user asks for it). Reads the
// JSON log lines with the same line reader as the worker channel and builds
// the same InvocationResult from the events.
import { execa } from 'execa';
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { ExitCode, InvocationResult } from '../dbt/protocol';
import { RunnerError } from './api';
import { commandOf, hasFlag } from './args';
import { cancelledBeforeStart, type Backend, type BackendCall, type BackendRequest, type DbtProcessOptions } from './backend';
import { CliResultCollector, NOISE_EVENTS } from './cliResults';
import { JsonLineReader } from './lineReader';
import { TailBuffer } from './tailBuffer';

export interface CliBackendOptions extends DbtProcessOptions {
  cancelGraceMs: number;
  onManifest?: (path: string) => void;
}

// dbt's own console entry point, run by the chosen interpreter (a fixed
// program: user text only ever arrives as separate argv entries).
const DBT_MAIN = "import sys\nfrom dbt.cli.main import cli\nsys.argv[0] = 'dbt'\ncli(prog_name='dbt')";

export class CliBackend implements Backend {
  readonly kind = 'cli' as const;
  private disposed = false;
  private readonly running = new Set<{ kill: (signal: NodeJS.Signals) => boolean }>();

  constructor(private readonly options: CliBackendOptions) {}

  async run(request: BackendRequest, call: BackendCall): Promise<InvocationResult> {
    if (this.disposed) throw new RunnerError('The runner was disposed.', 'disposed');
    const userArgs = request.ensureParsed ? ['parse', ...request.args] : request.args;
    const command = commandOf(userArgs);
    if (call.signal?.aborted) return cancelledBeforeStart(command, 'cli');
    const o = this.options;
    const manifestFile = join(o.projectRoot, 'target', 'manifest.json');
    const manifestBefore = mtimeOf(manifestFile);
    const collector = new CliResultCollector(command, userArgs);
    const stderr = new TailBuffer();
    const started = performance.now();
    const child = this.startDbt(cliArgs(command, userArgs));
    this.running.add(child);
    const reader = this.eventReader(collector, request, call);
    child.stdout?.on('data', (chunk: Buffer) => reader.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    const cancel = watchCancel(child, collector, call.signal, o.cancelGraceMs);
    let exit: ProcessExit;
    try {
      exit = (await child) as unknown as ProcessExit;
    } finally {
      reader.end();
      this.running.delete(child);
      cancel.stop();
    }

    const exitCode = this.exitCodeOf(exit, cancel, stderr);
    const catalogFile = collector.catalogFile;
    const manifestAfter = mtimeOf(manifestFile);
    const result = collector.finish({
      exitCode,
      elapsedSeconds: Math.round(performance.now() - started) / 1000,
      cancelled: cancel.cancelled,
      stderrTail: o.scrub(stderr.tail(12)),
      catalog: catalogFile ? readCatalogCounts(isAbsolute(catalogFile) ? catalogFile : join(o.projectRoot, catalogFile)) : undefined,
      manifestPath: manifestAfter !== undefined ? manifestFile : undefined,
    });
    if (manifestAfter !== undefined && manifestAfter !== manifestBefore) o.onManifest?.(manifestFile);
    return result;
  }

  private startDbt(args: string[]) {
    const o = this.options;
    return execa(o.python, ['-c', DBT_MAIN, ...args], {
      cwd: o.projectRoot,
      env: o.env,
      extendEnv: false,
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      cleanup: true,
      windowsHide: true,
    });
  }

  /** Reads dbt's JSON log lines: every event goes to the collector, the ones the caller wants to `call.onEvent`. */
  private eventReader(collector: CliResultCollector, request: BackendRequest, call: BackendCall): JsonLineReader {
    const o = this.options;
    return new JsonLineReader({
      onValue: (value) => {
        const event = value as unknown as Parameters<CliResultCollector['add']>[0];
        // dbt always writes {info: {name, ...}, data: {...}}; anything else is not an event (a plugin's print, a cut-off line).
        if (!event.info || typeof event.info.name !== 'string' || typeof event.data !== 'object' || event.data === null || Array.isArray(event.data)) {
          o.log?.('debug', o.scrub(`dbt stdout: skipped a line (not a dbt event): ${JSON.stringify(value).slice(0, 200)}`));
          return;
        }
        collector.add(event);
        if (!request.verboseEvents && NOISE_EVENTS.has(event.info.name)) return;
        try {
          call.onEvent?.(event);
        } catch (e) {
          o.log?.('error', o.scrub(`event listener failed: ${(e as Error).message}`));
        }
      },
      onSkip: (reason, preview) => o.log?.('debug', o.scrub(`dbt stdout: skipped a line (${reason}): ${preview}`)),
    });
  }

  /** dbt's exit code (0, 1 or 2), or the RunnerError that says why the process ended otherwise. */
  private exitCodeOf(exit: ProcessExit, cancel: CancelWatch, stderr: TailBuffer): ExitCode {
    const o = this.options;
    if (exit.code === 'ENOENT') {
      throw new RunnerError(`Python interpreter '${o.python}' was not found. Set dbtConductor.pythonPath to a Python with dbt-core installed.`, 'python-not-found');
    }
    if (cancel.killed) throw new RunnerError(`dbt did not stop within ${o.cancelGraceMs / 1000} s of the cancel, so it was killed.`, 'cancelled');
    if (this.disposed && exit.exitCode === undefined) throw new RunnerError('The runner was disposed while dbt was running.', 'disposed');
    // Python ends by SIGINT when a KeyboardInterrupt escapes dbt (e.g. while it waits for a worker
    // thread at exit): after our own SIGINT that is the cancel we asked for, not a crash.
    if (cancel.cancelled && exit.exitCode === undefined && exit.signal === 'SIGINT') return 2;
    if (exit.exitCode === undefined || exit.exitCode > 2) {
      const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.exitCode}`;
      throw new RunnerError(`dbt ended abnormally (${how}).\n${o.scrub(stderr.tail(12))}`, 'worker-crashed', o.scrub(stderr.tail()));
    }
    return exit.exitCode as ExitCode;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const child of this.running) child.kill('SIGKILL');
  }
}

/** How the dbt process ended, as execa reports it (`code` is set when it could not start). */
interface ProcessExit {
  exitCode?: number;
  signal?: string;
  code?: string;
}

/** dbt's arguments: the user's, plus JSON log lines on stdout at debug level (for NodeStart/NodeFinished). */
function cliArgs(command: string, userArgs: readonly string[]): string[] {
  const args = [...userArgs];
  if (command === 'show' && !hasFlag(args, '--output', '-o')) args.push('--output', 'json');
  // Debug level for NodeStart/NodeFinished; the log file keeps its usual text format.
  args.push('--log-format', 'json', '--log-level', 'debug');
  if (!hasFlag(userArgs, '--log-format-file')) args.push('--log-format-file', 'debug');
  return args;
}

interface CancelWatch {
  /** We sent SIGINT: dbt's KeyboardInterrupt path, which cancels queries and writes partial results. */
  readonly cancelled: boolean;
  /** dbt outlived the grace period after the cancel and was killed. */
  readonly killed: boolean;
  stop(): void;
}

/** On abort: SIGINT, then SIGKILL if dbt has not ended `graceMs` later. */
function watchCancel(
  child: { kill: (signal: NodeJS.Signals) => boolean },
  collector: CliResultCollector,
  signal: AbortSignal | undefined,
  graceMs: number,
): CancelWatch {
  const watch = { cancelled: false, killed: false, stop: () => {} };
  let graceTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    // After CommandCompleted the outcome is settled: a SIGINT now would only make the exit code
    // depend on how far the process got in exiting (the worker ignores such a cancel too).
    if (!collector.completed) {
      watch.cancelled = true;
      child.kill('SIGINT');
    }
    graceTimer = setTimeout(() => {
      watch.killed = true;
      child.kill('SIGKILL');
    }, graceMs);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  watch.stop = () => {
    signal?.removeEventListener('abort', onAbort);
    if (graceTimer) clearTimeout(graceTimer);
  };
  return watch;
}

function mtimeOf(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Node and source counts of catalog.json (read after dbt has exited, so never half-written). */
function readCatalogCounts(path: string): { nodes: number; sources: number } | undefined {
  try {
    const catalog = JSON.parse(readFileSync(path, 'utf8')) as { nodes?: object; sources?: object };
    return { nodes: Object.keys(catalog.nodes ?? {}).length, sources: Object.keys(catalog.sources ?? {}).length };
  } catch {
    return undefined;
  }
}
