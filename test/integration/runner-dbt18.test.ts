// The core runner behaviour with the older supported dbt (1.8 + dbt-duckdb 1.8).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ProjectRunner } from '../../src/runner/api';
import { copyProject, duckdbQuery, makeRunner, PARSE_ONLY_EVENTS, PY18, record, SLOW_RUN, statuses, whenSlowQueryRuns, type TempProject } from './runnerHelpers';

const T = { timeout: 600_000 }; // a bound, not a speed check: a busy 2-core machine is slow

void describe('runner with the dbt 1.8 worker on jaffle', () => {
  let p: TempProject;
  let runner: ProjectRunner;
  let pid = 0;

  before(async () => {
    p = await copyProject('jaffle');
    runner = makeRunner(p, { python: PY18 });
  });

  after(async () => {
    await runner.dispose();
    await p.cleanup();
  });

  void it('seed and build: exit 1 for the failing test, node events in order', T, async () => {
    const seed = await record(runner, ['seed']);
    assert.equal(seed.result.exitCode, 0, JSON.stringify(seed.result.exception));
    assert.equal(seed.result.parsed, true);
    pid = [...seed.pids][0];
    const build = await record(runner, ['build']);
    assert.equal(build.result.exitCode, 1);
    assert.equal(build.result.parsed, false);
    const st = statuses(build.result);
    assert.equal(st['model.jaffle.orders'], 'success');
    assert.ok(Object.values(st).includes('fail'));
    for (const n of build.result.nodes) {
      const s = build.events.findIndex((e) => e.info.name === 'NodeStart' && (e.data.node_info as { unique_id?: string })?.unique_id === n.uniqueId);
      const f = build.events.findIndex((e) => e.info.name === 'NodeFinished' && (e.data.node_info as { unique_id?: string })?.unique_id === n.uniqueId);
      assert.ok(s >= 0 && f > s, n.uniqueId);
    }
    assert.deepEqual([...build.pids], [pid]);
  });

  void it('reuses the manifest, and re-parses after an edit', T, async () => {
    const reuse = await record(runner, ['run', '--select', 'stg_customers']);
    assert.equal(reuse.result.exitCode, 0);
    assert.equal(reuse.result.parsed, false);
    assert.ok(!reuse.names.some((n) => PARSE_ONLY_EVENTS.includes(n)));
    const file = join(p.root, 'models', 'staging', 'stg_customers.sql');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\bselect\b/i, 'select 18 as conductor_marker,'));
    const edited = await record(runner, ['run', '--select', 'stg_customers']);
    assert.equal(edited.result.exitCode, 0, JSON.stringify(edited.result.exception));
    assert.equal(edited.result.parsed, true);
    assert.deepEqual(await duckdbQuery(PY18, p.dbPath, 'select distinct conductor_marker from main.stg_customers'), [[18]]);
  });

  void it('ls, show and compile', T, async () => {
    const ls = await runner.invoke({ args: ['ls', '--resource-type', 'model'] });
    assert.ok(ls.output.kind === 'list' && ls.output.items.includes('jaffle.marts.orders'));
    const show = await runner.invoke({ args: ['show', '--select', 'stg_customers', '--limit', '2'] });
    assert.ok(show.output.kind === 'show' && show.output.tables.some((t) => t.uniqueId === 'model.jaffle.stg_customers' && t.rows.length === 2));
    const compile = await runner.invoke({ args: ['compile', '--select', 'orders'] });
    assert.ok(compile.output.kind === 'compile' && compile.output.nodes.some((n) => n.uniqueId === 'model.jaffle.orders'));
  });

  void it('cancel mid-run, then the same worker goes on', T, async () => {
    const ac = new AbortController();
    const slow = await record(runner, SLOW_RUN, ac.signal, whenSlowQueryRuns(() => ac.abort()), true);
    assert.equal(slow.result.exitCode, 2);
    assert.equal(slow.result.cancelled, true);
    const next = await record(runner, ['run', '--select', 'stg_orders']);
    assert.equal(next.result.exitCode, 0);
    assert.deepEqual([...next.pids], [pid]);
  });
});
