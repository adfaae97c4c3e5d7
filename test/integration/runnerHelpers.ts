// Shared set-up of the runner integration tests: a temp copy of a fixture
// project (its DuckDB file inside the temp dir), a runner on it, and event
// recording. Not a test entry itself.
import { execa } from 'execa';
import { join } from 'node:path';
import type { InvocationResult, RawDbtEvent } from '../../src/dbt/protocol';
import type { ProjectRunner, RunnerOptions } from '../../src/runner/api';
import { createProjectRunner } from '../../src/runner/runner';
import { copyFixture, pythonPath, repoRoot } from '../fixtures/lib/fixtures';

export const ROOT = repoRoot();
export const PY112 = pythonPath('1.12');
export const PY18 = pythonPath('1.8');
export const WORKER = join(ROOT, 'src', 'runner', 'dbt_worker.py');

export interface TempProject {
  /** The temp folder holding the copy and its DuckDB files. */
  dir: string;
  /** The copied dbt project. */
  root: string;
  dbPath: string;
  manifestPath: string;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** A temp copy of test/fixtures/<name> (and sibling fixtures it refers to, e.g. a local package), plus where the worker's slim manifest goes. */
export async function copyProject(name = 'jaffle', siblings: string[] = []): Promise<TempProject> {
  const fx = await copyFixture(name, { siblings });
  return {
    dir: fx.root,
    root: fx.dir,
    dbPath: fx.env.DBT_DUCKDB_PATH,
    manifestPath: join(fx.root, 'conductor', 'manifest.json'),
    env: fx.env,
    cleanup: fx.cleanup,
  };
}

export function makeRunner(p: TempProject, extra: Partial<RunnerOptions> = {}): ProjectRunner {
  return createProjectRunner({
    projectRoot: p.root,
    python: PY112,
    workerScript: WORKER,
    manifestPath: p.manifestPath,
    backend: 'worker',
    env: p.env,
    cancelGraceMs: 20_000,
    startTimeoutMs: 300_000, // a bound, not a speed check: importing dbt on a loaded 2-core machine can take minutes
    ...extra,
  });
}

export interface Recorded {
  result: InvocationResult;
  events: RawDbtEvent[];
  names: string[];
  pids: Set<number>;
}

export async function record(
  runner: ProjectRunner,
  args: string[],
  signal?: AbortSignal,
  onEvent?: (e: RawDbtEvent) => void,
  verboseEvents = false,
): Promise<Recorded> {
  const events: RawDbtEvent[] = [];
  const result = await runner.invoke(
    { args, verboseEvents },
    {
      signal,
      onEvent: (e) => {
        events.push(e);
        onEvent?.(e);
      },
    },
  );
  return { result, events, names: events.map((e) => e.info.name), pids: pidsOf(events) };
}

export function pidsOf(events: RawDbtEvent[]): Set<number> {
  return new Set(events.map((e) => Number(e.info.pid)).filter((n) => Number.isFinite(n) && n > 0));
}

export function statuses(result: InvocationResult): Record<string, string> {
  return Object.fromEntries(result.nodes.map((n) => [n.uniqueId, n.status]));
}

/** Runs SQL against the DuckDB file from a separate Python process (proves the file is not locked). */
export async function duckdbQuery(python: string, dbPath: string, sql: string): Promise<unknown[][]> {
  const code = 'import duckdb, json, sys\ncon = duckdb.connect(sys.argv[1])\nprint(json.dumps(con.execute(sys.argv[2]).fetchall(), default=str))\ncon.close()';
  const r = await execa(python, ['-c', code, dbPath, sql], { timeout: 60_000 });
  return JSON.parse(r.stdout) as unknown[][];
}

/** Events that only a parse fires (none of them appears when the cached manifest is reused). */
export const PARSE_ONLY_EVENTS = ['ParsePerfInfoPath', 'StateCheckVarsHash', 'PartialParsingEnabled', 'PartialParsingSkipParsing', 'UnableToPartialParse', 'ParseCmdPerf'];

/**
 * An onEvent handler that calls `act` once the slow model's big query is
 * really running in DuckDB (its SQLQuery event, plus a second). DuckDB's
 * interrupt only stops a statement that is executing; one sent between
 * statements is lost and dbt then waits for the next statement (minutes).
 * Needs verboseEvents (SQLQuery is filtered by default).
 */
export function whenSlowQueryRuns(act: (event: RawDbtEvent) => void, delayMs = 1000): (e: RawDbtEvent) => void {
  let fired = false;
  return (e) => {
    const uid = (e.data.node_info as { unique_id?: string } | undefined)?.unique_id;
    if (fired || e.info.name !== 'SQLQuery' || uid !== 'model.jaffle.slow_model') return;
    if (!String(e.data.sql ?? '').includes('range(')) return;
    fired = true;
    setTimeout(() => act(e), delayMs);
  };
}

export const SLOW_RUN = ['run', '--select', 'slow_model', '--vars', '{slow: true}'];
