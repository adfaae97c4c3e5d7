// Regression tests of issue 11 ("warm must equal cold"), on dbt 1.12 and 1.8:
// each case is one way a warm worker used to answer differently from a fresh
// `dbt` process. test/equivalence checks the same contract on random sequences.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { InvocationResult, RawDbtEvent } from '../../src/dbt/protocol';
import type { ProjectRunner } from '../../src/runner/api';
import { copyProject, duckdbQuery, makeRunner, PY112, PY18, record, statuses, type TempProject } from './runnerHelpers';

const T = { timeout: 600_000 }; // a bound, not a speed check: a busy 2-core machine is slow
const ORDERS_CTE = '__dbt__cte__int_order_payments as (';

function compiledOf(r: InvocationResult, uid: string): string {
  const code = r.output.kind === 'compile' ? r.output.nodes.find((n) => n.uniqueId === uid)?.compiledCode : undefined;
  assert.ok(code, `compiled code of ${uid} in ${JSON.stringify(r.output).slice(0, 300)}`);
  return code;
}

function runResults(root: string): { generated: string; statuses: Record<string, string> } {
  const rr = JSON.parse(readFileSync(join(root, 'target', 'run_results.json'), 'utf8')) as {
    metadata: { generated_at: string };
    results: { unique_id: string; status: string }[];
  };
  return { generated: rr.metadata.generated_at, statuses: Object.fromEntries(rr.results.map((r) => [r.unique_id, r.status])) };
}

/**
 * Runs `args` and cancels once the slow model's big query is running and the
 * other selected nodes have finished, so what "finished" means is the same
 * for every backend. Needs verbose events (SQLQuery).
 */
async function cancelWhenOnlySlowLeft(runner: ProjectRunner, args: string[], others: string[]): Promise<InvocationResult> {
  const ac = new AbortController();
  const finished = new Set<string>();
  let slowRunning = false;
  const onEvent = (e: RawDbtEvent): void => {
    const uid = (e.data.node_info as { unique_id?: string } | undefined)?.unique_id ?? '';
    if (e.info.name === 'NodeFinished') finished.add(uid);
    if (e.info.name === 'SQLQuery' && uid === 'model.jaffle.slow_model' && String(e.data.sql ?? '').includes('range(')) slowRunning = true;
    if (slowRunning && others.every((o) => finished.has(o)) && !ac.signal.aborted) setTimeout(() => ac.abort(), 500);
  };
  return (await record(runner, args, ac.signal, onEvent, true)).result;
}

for (const [label, python] of [['1.12', PY112], ['1.8', PY18]] as const) {
  void describe(`warm equals cold, dbt ${label}: jaffle`, () => {
    let p: TempProject;
    let warm: ProjectRunner;
    let cold: ProjectRunner;

    before(async () => {
      p = await copyProject('jaffle');
      warm = makeRunner(p, { python });
      cold = makeRunner(p, { python, backend: 'cli' });
      const seed = await warm.invoke({ args: ['seed'] });
      assert.equal(seed.exitCode, 0, JSON.stringify(seed.exception));
    });

    after(async () => {
      await warm.dispose();
      await cold.dispose();
      await p.cleanup();
    });

    void it('a model that refs an ephemeral model runs again after its parents ran (no compile state kept)', T, async () => {
      const first = await warm.invoke({ args: ['run', '--select', '+orders'] });
      assert.equal(first.exitCode, 0, JSON.stringify(first.nodes.map((n) => [n.uniqueId, n.status, n.message])));
      const second = await warm.invoke({ args: ['run', '--select', 'orders'] });
      assert.equal(second.parsed, false);
      assert.equal(second.exitCode, 0, JSON.stringify(second.nodes.map((n) => [n.uniqueId, n.status, n.message])));
      assert.equal(statuses(second)['model.jaffle.orders'], 'success');
    });

    void it('a second warm compile keeps the ephemeral CTE, and equals the cold compile', T, async () => {
      const args = ['compile', '--select', 'orders'];
      const a = compiledOf(await warm.invoke({ args }), 'model.jaffle.orders');
      const b = compiledOf(await warm.invoke({ args }), 'model.jaffle.orders');
      const c = compiledOf(await cold.invoke({ args }), 'model.jaffle.orders');
      assert.ok(a.includes(ORDERS_CTE), a);
      assert.equal(b, a);
      assert.equal(a, c);
    });

    void it('malformed --vars is a usage error that keeps the cached manifest', T, async () => {
      const good = ['run', '--select', 'stg_customers'];
      assert.equal((await warm.invoke({ args: good })).exitCode, 0);
      const bad = await warm.invoke({ args: [...good, '--vars', '{slow: true'] });
      assert.equal(bad.exitCode, 2);
      assert.match(bad.exception?.message ?? '', /not valid YAML/);
      const next = await warm.invoke({ args: good });
      assert.equal(next.exitCode, 0);
      assert.equal(next.parsed, false, 'the next good request runs on the cached manifest');
    });

    void it('cancel keeps the finished nodes and writes the partial run_results.json, as the CLI does', T, async () => {
      const others = ['model.jaffle.stg_customers', 'model.jaffle.stg_orders'];
      const args = ['run', '--select', 'stg_customers', 'stg_orders', 'slow_model', '--vars', '{slow: true}'];
      const expected = Object.fromEntries(others.map((o) => [o, 'success']));
      for (const [name, runner] of [['cli', cold], ['worker', warm]] as const) {
        const before = runResults(p.root).generated;
        const r = await cancelWhenOnlySlowLeft(runner, args, others);
        assert.equal(r.cancelled, true, name);
        assert.equal(r.exitCode, 2, name);
        // The interrupted node may be reported too (as an error), once its cancelled query returns.
        const { 'model.jaffle.slow_model': slow, ...finished } = statuses(r);
        assert.deepEqual(finished, expected, `${name}: finished nodes in the result`);
        assert.ok(slow === undefined || slow === 'error', `${name}: slow_model ${slow}`);
        const rr = runResults(p.root);
        assert.notEqual(rr.generated, before, `${name}: run_results.json was written`);
        assert.deepEqual(rr.statuses, expected, `${name}: run_results.json holds the finished nodes`);
      }
    });
  });

  void describe(`warm equals cold, dbt ${label}: a local package installed as a symlink`, () => {
    let p: TempProject;
    let warm: ProjectRunner;

    before(async () => {
      p = await copyProject('shop', 'duckdb', ['shop_common']);
      warm = makeRunner(p, { python });
    });

    after(async () => {
      await warm.dispose();
      await p.cleanup();
    });

    void it('an edit of a package model is seen by the next warm run', T, async () => {
      const deps = await warm.invoke({ args: ['deps'] });
      assert.equal(deps.exitCode, 0, JSON.stringify(deps.exception));
      const run = await warm.invoke({ args: ['run', '--select', 'common_calendar'] });
      assert.equal(run.exitCode, 0, JSON.stringify(run.exception ?? run.nodes));
      const count = 'select count(*) from main.common_calendar';
      assert.deepEqual(await duckdbQuery(python, p.dbPath, count), [[10]]);
      const again = await warm.invoke({ args: ['run', '--select', 'common_calendar'] });
      assert.equal(again.parsed, false);

      // Through the symlink's target, as an editor open on the package folder would write it.
      const file = join(p.dir, 'shop_common', 'models', 'common_calendar.sql');
      writeFileSync(file, readFileSync(file, 'utf8').replace("var('calendar_days', 10)", '3'));
      const edited = await warm.invoke({ args: ['run', '--select', 'common_calendar'] });
      assert.equal(edited.exitCode, 0, JSON.stringify(edited.exception ?? edited.nodes));
      assert.equal(edited.parsed, true, 'the edit made the manifest stale');
      assert.deepEqual(await duckdbQuery(python, p.dbPath, count), [[3]]);
    });

    // dbt 1.12 loads .env without overriding what is set: a warm process used to keep the first value
    // forever. dbt 1.8 does not read .env at all.
    if (label === '1.12') {
      void it('an edited .env value read by env_var() is seen, as a new process sees it', T, async () => {
        const orders = 'select count(*) from main.stg_orders';
        const seeded = await warm.invoke({ args: ['build', '--select', '+stg_orders', '--exclude', 'test_type:unit'] });
        assert.equal(seeded.exitCode, 0, JSON.stringify(seeded.nodes.filter((n) => n.status !== 'success' && n.status !== 'pass')));
        assert.deepEqual(await duckdbQuery(python, p.dbPath, orders), [[8]]);
        writeFileSync(join(p.root, '.env'), 'SHOP_MIN_CENTS=2000\n');
        const edited = await warm.invoke({ args: ['run', '--select', 'stg_orders'] });
        assert.equal(edited.exitCode, 0);
        assert.equal(edited.parsed, true);
        assert.deepEqual(await duckdbQuery(python, p.dbPath, orders), [[4]]);
      });
    }
  });
}
