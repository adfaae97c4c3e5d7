// The CLI fallback (`dbt ... --log-format json`) answers in the same shape as
// the worker: same node ids and statuses for the same build, outputs for ls,
// show and compile, and cancel through SIGINT.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { InvocationResult } from '../../src/dbt/protocol';
import type { ProjectRunner } from '../../src/runner/api';
import { copyProject, makeRunner, record, SLOW_RUN, statuses, whenSlowQueryRuns, type TempProject } from './runnerHelpers';

const T = { timeout: 900_000 }; // a bound, not a speed check: a busy 2-core machine is slow

void describe('CLI backend against the worker on jaffle (dbt 1.12)', () => {
  let cliProject: TempProject;
  let workerProject: TempProject;
  let cli: ProjectRunner;
  let worker: ProjectRunner;

  before(async () => {
    cliProject = await copyProject('jaffle');
    workerProject = await copyProject('jaffle');
    cli = makeRunner(cliProject, { backend: 'cli' });
    worker = makeRunner(workerProject, { backend: 'worker' });
  });

  after(async () => {
    await Promise.all([cli.dispose(), worker.dispose()]);
    await cliProject.cleanup();
    await workerProject.cleanup();
  });

  void it('seed + build give the same node ids, statuses and exit codes', T, async () => {
    const results: Record<string, InvocationResult> = {};
    for (const [name, runner] of [['cli', cli], ['worker', worker]] as const) {
      const seed = await runner.invoke({ args: ['seed'] });
      assert.equal(seed.exitCode, 0, `${name} seed: ${JSON.stringify(seed.exception)}`);
      const build = await record(runner, ['build']);
      results[name] = build.result;
      assert.ok(build.names.includes('NodeStart') && build.names.includes('NodeFinished'), `${name} streams node events`);
      assert.ok(!build.names.includes('SQLQuery'), `${name} drops noise events`);
    }
    const { cli: c, worker: w } = results;
    assert.equal(c.backend, 'cli');
    assert.equal(w.backend, 'worker');
    assert.equal(c.exitCode, 1);
    assert.equal(c.exitCode, w.exitCode);
    assert.equal(c.success, w.success);
    assert.equal(c.command, w.command);
    assert.deepEqual(statuses(c), statuses(w));
    assert.ok(c.nodes.length >= 20);
    const shape = (r: InvocationResult) => r.nodes.map((n) => Object.keys(n).filter((k) => !['originalFilePath', 'compiledCode'].includes(k)).sort().join(','));
    assert.deepEqual(new Set(shape(c)), new Set(shape(w)));
    const failC = c.nodes.find((n) => n.status === 'fail')!;
    const failW = w.nodes.find((n) => n.status === 'fail')!;
    assert.equal(failC.failures, failW.failures);
    assert.equal(failC.relationName ?? null, failW.relationName ?? null);
  });

  void it('ls, show and compile outputs match the worker\'s', T, async () => {
    for (const args of [['ls', '--resource-type', 'model'], ['show', '--select', 'stg_customers', '--limit', '3'], ['compile', '--select', 'stg_orders']]) {
      const [c, w] = await Promise.all([cli.invoke({ args }), worker.invoke({ args })]);
      assert.equal(c.exitCode, 0, `${args[0]}: ${JSON.stringify(c.exception)}`);
      assert.equal(c.output.kind, w.output.kind);
      if (c.output.kind === 'list' && w.output.kind === 'list') assert.deepEqual([...c.output.items].sort(), [...w.output.items].sort());
      if (c.output.kind === 'show' && w.output.kind === 'show') {
        const tc = c.output.tables.find((t) => t.uniqueId === 'model.jaffle.stg_customers')!;
        const tw = w.output.tables.find((t) => t.uniqueId === 'model.jaffle.stg_customers')!;
        assert.deepEqual(tc.columns, tw.columns);
        assert.deepEqual(tc.rows, tw.rows);
      }
      if (c.output.kind === 'compile' && w.output.kind === 'compile') {
        const pick = (o: typeof c.output) => o.nodes.find((n) => n.uniqueId === 'model.jaffle.stg_orders')?.compiledCode.trim();
        assert.ok(pick(c.output));
        assert.equal(pick(c.output), pick(w.output));
      }
    }
  });

  void it('exit code 2 with dbt\'s message, and cancel through SIGINT', T, async () => {
    const bad = await cli.invoke({ args: ['run', '--selector', 'nope'] });
    assert.equal(bad.exitCode, 2);
    assert.match(bad.exception?.message ?? '', /nope/);
    const usage = await cli.invoke({ args: ['run', '--no-such-flag'] });
    assert.equal(usage.exitCode, 2);
    assert.match(usage.exception?.message ?? '', /no-such-flag/);

    const ac = new AbortController();
    const slow = await record(cli, SLOW_RUN, ac.signal, whenSlowQueryRuns(() => ac.abort()), true);
    assert.equal(slow.result.exitCode, 2);
    assert.equal(slow.result.cancelled, true);
    assert.equal(slow.result.exception?.type, 'KeyboardInterrupt');
  });
});

// Seed 1120 of the equivalence layer: with target ci in a file named ci.duckdb, the name `ci` is
// both a catalog and a schema, so shop's on-run-start hook (`create table ... ci.run_audit`) fails;
// dbt then marks every selected node skipped without a NodeFinished event.
void describe('CLI backend against the worker when an on-run-start hook fails (shop, dbt 1.12)', () => {
  let p: TempProject;

  before(async () => {
    p = await copyProject('shop', 'duckdb', ['shop_common']);
    p.env.DBT_DUCKDB_PATH_CI = join(p.dir, 'ci.duckdb');
  });

  after(async () => {
    await p.cleanup();
  });

  void it('the selected nodes are reported skipped by both backends', T, async () => {
    const args = ['run', '--select', '+int_items_priced', '--target', 'ci'];
    const results: Record<string, InvocationResult> = {};
    for (const backend of ['cli', 'worker'] as const) {
      const runner = makeRunner(p, { backend });
      try {
        if (backend === 'cli') assert.equal((await runner.invoke({ args: ['deps'] })).exitCode, 0);
        results[backend] = await runner.invoke({ args });
      } finally {
        await runner.dispose();
      }
    }
    const { cli: c, worker: w } = results;
    assert.equal(c.exitCode, 1);
    assert.equal(w.exitCode, 1);
    assert.match(w.nodes.find((n) => n.uniqueId.startsWith('operation.'))?.message ?? '', /on-run-start.*failed/);
    const skipped = { 'model.shop.int_items_priced': 'skipped', 'model.shop.stg_items': 'skipped' };
    const models = (r: InvocationResult) => Object.fromEntries(Object.entries(statuses(r)).filter(([uid]) => uid.startsWith('model.')));
    assert.deepEqual(models(w), skipped);
    assert.deepEqual(models(c), skipped);
  });
});
