// Shared set-up of the runner integration tests: a temp copy of a fixture
// project (its DuckDB file inside the temp dir, or its own database on the
// test PostgreSQL server), a runner on it, and event recording. Not a test
// entry itself.
import { execa } from 'execa';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { InvocationResult, RawDbtEvent } from '../../src/dbt/protocol';
import type { ProjectRunner, RunnerOptions } from '../../src/runner/api';
import { createProjectRunner } from '../../src/runner/runner';
import { copyFixture, pythonPath, repoRoot } from '../fixtures/lib/fixtures';
import { connectionsTo, onPostgres, pgQuery, type PgConnection } from '../fixtures/lib/postgres';

export const ROOT = repoRoot();
export const PY112 = pythonPath('1.12');
export const PY18 = pythonPath('1.8');
export const WORKER = join(ROOT, 'src', 'runner', 'dbt_worker.py');

/** The warehouses the core cases run on: DuckDB in-process, PostgreSQL over the network. */
export type Adapter = 'duckdb' | 'postgres';
export const ADAPTERS: readonly Adapter[] = ['duckdb', 'postgres'];

export interface TempProject {
  adapter: Adapter;
  /** The temp folder holding the copy and its DuckDB files. */
  dir: string;
  /** The copied dbt project. */
  root: string;
  dbPath: string;
  /** PostgreSQL: the copy's own database (target `pg`). */
  pgDatabase?: string;
  manifestPath: string;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/**
 * A temp copy of test/fixtures/<name> (see test/fixtures/lib/fixtures.ts) on
 * DuckDB or on its own Postgres database, with the sibling fixtures it refers
 * to (e.g. a local package), plus where the worker's slim manifest goes.
 */
export async function copyProject(name = 'jaffle', adapter: Adapter = 'duckdb', siblings: string[] = []): Promise<TempProject> {
  const copy = await copyFixture(name, { siblings });
  const fx = adapter === 'postgres' ? await onPostgres(copy) : copy;
  return {
    adapter,
    pgDatabase: fx.env.DBT_POSTGRES_DB,
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

/** Rows of `sql` in the project's warehouse, read from another process (the DuckDB file must be free), as JSON-like values. */
export async function warehouseQuery(p: TempProject, sql: string): Promise<unknown[][]> {
  if (p.adapter === 'duckdb') return duckdbQuery(PY112, p.dbPath, sql);
  const rows = await pgQuery(p.pgDatabase!, sql);
  return rows.map((row) => row.map((v) => (/^-?\d+$/.test(v) ? Number(v) : v)));
}

/**
 * Nothing of the project holds the warehouse: the DuckDB file opens read-write
 * from another process, or no session is open on the project's PostgreSQL
 * database (a closed socket ends its server process within moments: polled, bounded).
 */
export async function assertWarehouseFree(p: TempProject, what = 'after the invocation'): Promise<void> {
  if (p.adapter === 'duckdb') {
    assert.deepEqual(await duckdbQuery(PY112, p.dbPath, 'select 42'), [[42]]);
    return;
  }
  let open: PgConnection[] = [];
  const deadline = Date.now() + 5000;
  while ((open = await connectionsTo(p.pgDatabase!)).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(open, [], `no PostgreSQL session left ${what}`);
}

/** Events that only a parse fires (none of them appears when the cached manifest is reused). */
export const PARSE_ONLY_EVENTS = ['ParsePerfInfoPath', 'StateCheckVarsHash', 'PartialParsingEnabled', 'PartialParsingSkipParsing', 'UnableToPartialParse', 'ParseCmdPerf'];

/**
 * An onEvent handler that calls `act` once the slow model's long query is
 * really running (its SQLQuery event, plus a second): DuckDB's range() sum or
 * PostgreSQL's pg_sleep. DuckDB's interrupt only stops a statement that is
 * executing; one sent between statements is lost and dbt then waits for the
 * next statement (minutes). Needs verboseEvents (SQLQuery is filtered by default).
 */
export function whenSlowQueryRuns(act: (event: RawDbtEvent) => void, delayMs = 1000): (e: RawDbtEvent) => void {
  let fired = false;
  return (e) => {
    const uid = (e.data.node_info as { unique_id?: string } | undefined)?.unique_id;
    if (fired || e.info.name !== 'SQLQuery' || !uid?.endsWith('.slow_model')) return;
    if (!/range\(|pg_sleep\(/.test(String(e.data.sql ?? ''))) return;
    fired = true;
    setTimeout(() => act(e), delayMs);
  };
}

export const SLOW_RUN = ['run', '--select', 'slow_model', '--vars', '{slow: true}'];
