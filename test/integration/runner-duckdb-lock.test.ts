// Between invocations the worker holds no DuckDB lock, even when the profile
// says keep_open: true (dbt-duckdb's default since 1.9.2): a terminal `dbt
// run` and a separate duckdb connection work while the worker is alive.
import { execa } from 'execa';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ProjectRunner } from '../../src/runner/api';
import { dbtExecutable } from '../fixtures/lib/fixtures';
import { copyProject, duckdbQuery, makeRunner, PY112, record, type TempProject } from './runnerHelpers';

const T = { timeout: 600_000 }; // a bound, not a speed check: a busy 2-core machine is slow

void describe('DuckDB file lock with keep_open: true', () => {
  let p: TempProject;
  let runner: ProjectRunner;

  before(async () => {
    p = await copyProject('jaffle');
    const profiles = join(p.root, 'profiles.yml');
    const text = readFileSync(profiles, 'utf8');
    assert.match(text, /keep_open: false/);
    writeFileSync(profiles, text.replace(/keep_open: false/g, 'keep_open: true'));
    runner = makeRunner(p);
  });

  after(async () => {
    await runner.dispose();
    await p.cleanup();
  });

  void it('a separate process and a terminal dbt run can use the file while the worker lives', T, async () => {
    const seed = await record(runner, ['seed']);
    assert.equal(seed.result.exitCode, 0, JSON.stringify(seed.result.exception));
    const [pid] = seed.pids;
    assert.deepEqual(await duckdbQuery(PY112, p.dbPath, 'select count(*) > 0 from main.raw_customers'), [[true]]);
    const terminal = await execa(dbtExecutable(), ['run', '--select', 'stg_customers'], { cwd: p.root, env: p.env, reject: false, timeout: 180_000 });
    assert.equal(terminal.exitCode, 0, terminal.stdout.slice(-2000));
    // The worker is still the same process and can use the file again.
    const again = await record(runner, ['run', '--select', 'stg_orders']);
    assert.equal(again.result.exitCode, 0, JSON.stringify(again.result.exception));
    assert.deepEqual([...again.pids], [pid]);
    process.kill(pid, 0); // throws if the worker had died
  });
});
