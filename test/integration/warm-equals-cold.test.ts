// Regression tests of issue 11 ("warm must equal cold"), on dbt 1.12 and 1.8:
// each case is one way a warm worker used to answer differently from a fresh
// `dbt` process. test/equivalence checks the same contract on random sequences.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { InvocationResult } from '../../src/dbt/protocol';
import type { ProjectRunner } from '../../src/runner/api';
import { copyProject, duckdbQuery, makeRunner, PY112, PY18, record, statuses, whenSlowQueryRuns, type TempProject } from './runnerHelpers';

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
 * The flags a run recorded in target/run_results.json (what `dbt retry` replays), less the
 * invocation's command line and the log flags each backend sets to read dbt's events.
 */
function runArgs(root: string): Record<string, unknown> {
  const rr = JSON.parse(readFileSync(join(root, 'target', 'run_results.json'), 'utf8')) as { args: Record<string, unknown> };
  const { invocation_command: _command, log_format: _format, log_level: _level, ...rest } = rr.args;
  return rest;
}

/** Runs `args` and cancels once the slow model's query runs and the others have finished (the same point for every backend). */
async function cancelWhenOnlySlowLeft(runner: ProjectRunner, args: string[], others: string[]): Promise<InvocationResult> {
  const ac = new AbortController();
  return (await record(runner, args, ac.signal, whenSlowQueryRuns(() => ac.abort(), { others }), true)).result;
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

    // Seeds 1242 and 1124 of the equivalence layer: dbt runs ephemeral models as nodes in a `compile`
    // (NodeFinished fires) and lists them as results only when given --select; the CLI backend
    // listed them always, then (the first fix) never.
    void it('compile lists the nodes run_results.json lists, ephemeral ones only when selected, on both backends', T, async () => {
      for (const [args, ephemeralListed] of [[['compile'], false], [['compile', '--select', '+int_order_payments'], true]] as const) {
        const answers: Record<string, string>[] = [];
        for (const [name, runner] of [['cli', cold], ['worker', warm]] as const) {
          const label = `${name}, ${args.join(' ')}`;
          const r = await runner.invoke({ args: [...args] });
          assert.equal(r.exitCode, 0, `${label}: ${JSON.stringify(r.exception)}`);
          const listed = Object.keys(statuses(r)).sort();
          assert.deepEqual(listed, Object.keys(runResults(p.root).statuses).sort(), `${label}: the result lists what dbt recorded`);
          assert.equal(listed.includes('model.jaffle.int_order_payments'), ephemeralListed, `${label}: the ephemeral model`);
          answers.push(statuses(r));
        }
        assert.deepEqual(answers[1], answers[0], args.join(' '));
      }
    });

    // Seed 1395 of the equivalence layer: `dbt show --select` of an ephemeral model lists that model
    // among its results (ShowTask._handle_result); the CLI backend left it out, as for a `compile`
    // without --select.
    void it('show of an ephemeral model lists it, on both backends', T, async () => {
      const built = await warm.invoke({ args: ['run', '--select', '+orders'] });
      assert.equal(built.exitCode, 0, JSON.stringify(built.exception));
      const answers: Record<string, string>[] = [];
      for (const [name, runner] of [['cli', cold], ['worker', warm]] as const) {
        const r = await runner.invoke({ args: ['show', '--select', 'int_order_payments', '--limit', '3'] });
        assert.equal(r.exitCode, 0, `${name}: ${JSON.stringify(r.exception)}`);
        assert.equal(statuses(r)['model.jaffle.int_order_payments'], 'success', `${name}: ${JSON.stringify(statuses(r))}`);
        answers.push(statuses(r));
      }
      assert.deepEqual(answers[1], answers[0]);
    });

    // Seed 1157 of the equivalence layer: `show --select orders` also runs the tests on orders (indirect
    // selection) and gets their rows (accepted_values fails on order 37); dbt prints only the node the
    // selection names, and the worker used to return a table for every result.
    void it('show returns the table dbt shows (the selected model, not its tests), on both backends', T, async () => {
      const built = await warm.invoke({ args: ['run', '--select', '+orders', '+customers'] });
      assert.equal(built.exitCode, 0, JSON.stringify(built.exception));
      for (const [name, runner] of [['cli', cold], ['worker', warm]] as const) {
        const r = await runner.invoke({ args: ['show', '--select', 'orders', '--limit', '3'] });
        assert.equal(r.exitCode, 0, `${name}: ${JSON.stringify(r.exception)}`);
        assert.ok(r.nodes.some((n) => n.uniqueId.startsWith('test.jaffle.accepted_values_orders_status')), `${name}: dbt ran the test too`);
        assert.equal(r.output.kind, 'show', name);
        if (r.output.kind !== 'show') continue;
        assert.deepEqual(r.output.tables.map((t) => t.uniqueId), ['model.jaffle.orders'], name);
        assert.equal(r.output.tables[0]!.rows.length, 3, name);
      }
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

    // Seed 1104 of the equivalence layer: a cancel that came as the command ended gave exit 1 warm
    // (the worker had answered) and exit 2 cold (the SIGINT landed while the process was exiting).
    void it('a cancel that arrives once dbt completed the command changes nothing, on both backends', T, async () => {
      const args = ['run', '--select', 'stg_customers', 'stg_orders'];
      const model = join(p.root, 'models', 'staging', 'stg_customers.sql');
      const original = readFileSync(model, 'utf8');
      for (const [name, runner] of [['cli', cold], ['worker', warm]] as const) {
        // An edit makes the worker parse before the run: that parse's completion is not the command's.
        writeFileSync(model, `${original}\n-- edited before the ${name} run\n`);
        const ac = new AbortController();
        const { result: r, names } = await record(runner, args, ac.signal, (e) => {
          if (e.info.name === 'CommandCompleted') ac.abort();
        });
        assert.ok(names.includes('CommandCompleted'), name);
        assert.equal(r.cancelled, false, name);
        assert.equal(r.exitCode, 0, `${name}: ${JSON.stringify(r.exception)}`);
        assert.equal(statuses(r)['model.jaffle.stg_orders'], 'success', name);
        assert.deepEqual(runResults(p.root).statuses, { 'model.jaffle.stg_customers': 'success', 'model.jaffle.stg_orders': 'success' }, name);
        assert.equal(names.filter((n) => n === 'CommandCompleted').length, 1, `${name}: one completion, as a cold process`);
      }
      writeFileSync(model, original);
    });

    // A manifest parsed without --warn-error used to be re-parsed without it too: the warning
    // stayed a warning where a cold `dbt run --warn-error` on the same files fails.
    void it('--warn-error applies to the warm re-parse: a parse-time warning fails the run, as cold', T, async () => {
      const ghost = join(p.root, 'models', 'ghost.yml');
      const patch = (description: string) => `version: 2\nmodels:\n  - name: ghost_model\n    description: ${description}\n`;
      const args = ['run', '--select', 'stg_customers'];
      try {
        writeFileSync(ghost, patch('no such model'));
        const warned = await warm.invoke({ args });
        assert.equal(warned.exitCode, 0, JSON.stringify(warned.exception));
        writeFileSync(ghost, patch('still no such model')); // new content: dbt's partial parsing reads it again
        for (const [name, runner] of [['worker', warm], ['cli', cold]] as const) {
          const r = await runner.invoke({ args: [...args, '--warn-error'] });
          assert.equal(r.exitCode, 2, `${name}: ${JSON.stringify(r.nodes)}`);
          assert.match(r.exception?.message ?? '', /ghost_model/, name);
        }
      } finally {
        rmSync(ghost, { force: true });
      }
    });

    // Seeds 1112 and 1120 of the equivalence layer: the worker wrote run_results.json recording its own
    // --no-write-json, which `dbt retry` replays, so a warm retry left the previous file in place.
    void it('retry after a warm run writes run_results.json of the retried nodes, as after a cold run', T, async () => {
      const args = ['run', '--select', 'stg_orders', 'broken_runtime', '--vars', '{broken_runtime: true}'];
      const recorded: Record<string, unknown>[] = [];
      for (const [name, runner] of [['cli', cold], ['worker', warm]] as const) {
        const first = await runner.invoke({ args });
        assert.equal(first.exitCode, 1, name);
        recorded.push(runArgs(p.root));
        const before = runResults(p.root).generated;
        const retry = await runner.invoke({ args: ['retry'] });
        assert.equal(retry.exitCode, 1, name);
        const rr = runResults(p.root);
        assert.notEqual(rr.generated, before, `${name}: retry wrote run_results.json`);
        assert.deepEqual(rr.statuses, { 'model.jaffle.broken_runtime': 'error' }, `${name}: only the retried node`);
      }
      assert.deepEqual(recorded[1], recorded[0], 'the flags recorded in run_results.json');
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
