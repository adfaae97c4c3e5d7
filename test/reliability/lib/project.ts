// Fixture projects for the reliability tests: a temp copy of jaffle (from the
// runner tests' helpers) plus the few models and macros the faults need, and
// the checks every fault ends with: no dbt process left, DuckDB file free.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InvocationResult } from '../../../src/dbt/protocol';
import { RunnerError } from '../../../src/runner/api';
import { assertWarehouseFree, copyProject, type Adapter, type TempProject } from '../../integration/runnerHelpers';
import { anyProcessUnder, isWithin, waitFor, workersUnder } from './procs';

export { ADAPTERS, assertWarehouseFree, copyProject, duckdbQuery, makeRunner, PY112, PY18, record, ROOT, WORKER, type Adapter, type TempProject } from '../../integration/runnerHelpers';

/** Seconds the hanging Python model sleeps: far longer than any test waits. */
export const HANG_SECONDS = 3600;

/** The file hang_py creates once it is in its sleep (outside the project, so no re-parse follows). */
export const hangStartedFile = (p: TempProject): string => join(p.dir, 'hang_py_started');

/**
 * jaffle plus, all off unless a var turns them on:
 * - models/rel/hang_py.py: a Python model that sleeps in Python. dbt-duckdb runs
 *   Python models in-process on a worker thread, where neither dbt's cancel
 *   (KeyboardInterrupt lands on the main thread, which then waits for the
 *   pool) nor DuckDB's interrupt reaches it: a real hang from the runner's view.
 *   It creates hangStartedFile(p) just before its sleep.
 * - an on-run-start hook that divides by zero (var hook_boom): dbt fails the
 *   command with exit 2 from inside a macro it calls back into.
 * - models/rel/bytes_py.py (var bytes): writes non-UTF-8 bytes and a truncated
 *   JSON line to file descriptors 1 and 2.
 * - macros/rel.sql: big_log(n) logs an n-character line.
 */
export async function relProject(adapter: Adapter = 'duckdb'): Promise<TempProject> {
  const p = await copyProject('jaffle', adapter);
  const rel = join(p.root, 'models', 'rel');
  mkdirSync(rel, { recursive: true });
  writeFileSync(
    join(rel, 'hang_py.py'),
    [
      'import time',
      '',
      '',
      'def model(dbt, session):',
      '    dbt.config(materialized="table")',
      `    open(${JSON.stringify(hangStartedFile(p))}, "w").close()`,
      `    time.sleep(${HANG_SECONDS})`,
      '    return session.sql("select 1 as a")',
      '',
    ].join('\n'),
  );
  // Writes bytes that are not UTF-8, and a truncated JSON line, straight to fd 1 and 2: in the
  // worker fd 1 is stderr; in the CLI backend fd 1 is the JSON log stream the runner reads.
  writeFileSync(
    join(rel, 'bytes_py.py'),
    [
      'import os',
      '',
      '',
      'def model(dbt, session):',
      '    dbt.config(materialized="table")',
      '    for fd in (1, 2):',
      "        os.write(fd, b'\\xff\\xfe\\xfa not utf-8 \\xc3\\x28\\n')",
      '        os.write(fd, b\'{"info": {"name": "NodeFinished", "lev\\n\')',
      '    return session.sql("select 1 as a")',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(rel, 'schema.yml'),
    [
      'version: 2',
      'models:',
      '  - name: hang_py',
      '    config:',
      `      enabled: "{{ var('hang', false) }}"`,
      '  - name: bytes_py',
      '    config:',
      `      enabled: "{{ var('bytes', false) }}"`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(p.root, 'macros', 'rel.sql'),
    [
      '{% macro boom_div() %}{{ return(1 / 0) }}{% endmacro %}',
      "{% macro big_log(n) %}{% do log('x' * (n | int), info=True) %}{% endmacro %}",
      '',
    ].join('\n'),
  );
  const projectFile = join(p.root, 'dbt_project.yml');
  writeFileSync(projectFile, `${readFileSync(projectFile, 'utf8')}\non-run-start:\n  - "{% if var('hook_boom', false) %}{{ boom_div() }}{% endif %}"\n`);
  return p;
}

/** Every fault ends here: no process of this test's temp dir survives, and the warehouse is free (DuckDB file opens from another process; no PostgreSQL session). */
export async function assertCleanAfterFault(p: TempProject, what: string, keepWorker?: number): Promise<void> {
  // The live worker, if any, and its own children (dbt's multiprocessing helpers) are not left over.
  const leftOver = () => anyProcessUnder(p.dir).filter((x) => keepWorker === undefined || !isWithin(x.pid, keepWorker));
  await waitFor(`no orphaned dbt processes after ${what}`, 15_000, () => {
    return leftOver().length === 0;
  }).catch((e: Error) => {
    const left = leftOver().map((x) => `${x.pid}: ${x.cmdline.join(' ').slice(0, 200)}`);
    throw new Error(`${e.message}\nstill running:\n${left.join('\n')}`);
  });
  if (keepWorker !== undefined) assert.ok(workersUnder(p.dir).every((w) => w.pid === keepWorker), 'only the live worker remains');
  await assertWarehouseFree(p, `after ${what}`);
}

/** Awaits an invocation that must fail with a RunnerError of `code`; a result instead fails the test showing it. */
export async function expectRunnerError(pending: Promise<InvocationResult>, code: RunnerError['code']): Promise<RunnerError> {
  let result: InvocationResult;
  try {
    result = await pending;
  } catch (e) {
    assert.ok(e instanceof RunnerError, `expected a RunnerError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected RunnerError ${code}, got a result: exit ${result.exitCode}, exception ${JSON.stringify(result.exception)}`);
}
