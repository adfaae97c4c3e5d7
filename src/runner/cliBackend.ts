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
import { cancelledBeforeStart, type Backend, type BackendCall, type BackendRequest } from './backend';
import { CliResultCollector, NOISE_EVENTS } from './cliResults';
import { JsonLineReader } from './lineReader';
import { TailBuffer } from './tailBuffer';

export interface CliBackendOptions {
  python: string;
  projectRoot: string;
  env: Record<string, string | undefined>;
  cancelGraceMs: number;
  scrub: (text: string) => string;
  log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
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
    const args = [...userArgs];
    if (command === 'show' && !hasFlag(args, '--output', '-o')) args.push('--output', 'json');
    // Debug level for NodeStart/NodeFinished; the log file keeps its usual text format.
    args.push('--log-format', 'json', '--log-level', 'debug');
    if (!hasFlag(userArgs, '--log-format-file')) args.push('--log-format-file', 'debug');

    const manifestFile = join(o.projectRoot, 'target', 'manifest.json');
    const manifestBefore = mtimeOf(manifestFile);
    const collector = new CliResultCollector(command);
    const stderr = new TailBuffer();
    const started = performance.now();
    const child = execa(o.python, ['-c', DBT_MAIN, ...args], {
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
    this.running.add(child);
    const reader = new JsonLineReader({
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
    child.stdout?.on('data', (chunk: Buffer) => reader.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));

    let cancelled = false;
    let killed = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      cancelled = true;
      child.kill('SIGINT'); // dbt's KeyboardInterrupt path: cancels queries, writes partial results
      graceTimer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, o.cancelGraceMs);
    };
    call.signal?.addEventListener('abort', onAbort, { once: true });
    let r: { exitCode?: number; signal?: string; code?: string };
    try {
      r = (await child) as unknown as { exitCode?: number; signal?: string; code?: string };
    } finally {
      reader.end();
      this.running.delete(child);
      call.signal?.removeEventListener('abort', onAbort);
      if (graceTimer) clearTimeout(graceTimer);
    }
    if (r.code === 'ENOENT') {
      throw new RunnerError(`Python interpreter '${o.python}' was not found. Set dbtConductor.pythonPath to a Python with dbt-core installed.`, 'python-not-found');
    }
    if (killed) throw new RunnerError(`dbt did not stop within ${o.cancelGraceMs / 1000} s of the cancel, so it was killed.`, 'cancelled');
    if (this.disposed && r.exitCode === undefined) throw new RunnerError('The runner was disposed while dbt was running.', 'disposed');
    // Python ends by SIGINT when a KeyboardInterrupt escapes dbt (e.g. while it waits for a worker
    // thread at exit): after our own SIGINT that is the cancel we asked for, not a crash.
    if (cancelled && r.exitCode === undefined && r.signal === 'SIGINT') r = { ...r, exitCode: 2 };
    if (r.exitCode === undefined || r.exitCode > 2) {
      const how = r.signal ? `signal ${r.signal}` : `exit code ${r.exitCode}`;
      throw new RunnerError(`dbt ended abnormally (${how}).\n${o.scrub(stderr.tail(12))}`, 'worker-crashed', o.scrub(stderr.tail()));
    }

    const catalogFile = collector.catalogFile;
    const manifestAfter = mtimeOf(manifestFile);
    const result = collector.finish({
      exitCode: r.exitCode as ExitCode,
      elapsedSeconds: Math.round(performance.now() - started) / 1000,
      cancelled,
      stderrTail: o.scrub(stderr.tail(12)),
      catalog: catalogFile ? readCatalogCounts(isAbsolute(catalogFile) ? catalogFile : join(o.projectRoot, catalogFile)) : undefined,
      manifestPath: manifestAfter !== undefined ? manifestFile : undefined,
    });
    if (manifestAfter !== undefined && manifestAfter !== manifestBefore) o.onManifest?.(manifestFile);
    return result;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const child of this.running) child.kill('SIGKILL');
  }
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
