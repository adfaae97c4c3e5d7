// The runner against real dbt-core 1.12 on DuckDB and on PostgreSQL (the same
// cases, one target each), on a temp copy of test/fixtures/jaffle, through the
// worker backend. Tests run in order and share one runner (one warm worker),
// as the extension would.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RawDbtEvent } from '../../src/dbt/protocol';
import { RunnerError, type ProjectRunner } from '../../src/runner/api';
import { ADAPTERS, assertWarehouseFree, copyProject, makeRunner, PARSE_ONLY_EVENTS, record, SLOW_RUN, statuses, warehouseQuery, whenSlowQueryRuns, type Adapter, type TempProject } from './runnerHelpers';

const T = { timeout: 600_000 }; // a bound, not a speed check: a busy 2-core machine is slow

for (const adapter of ADAPTERS) {
  void describe(`runner with the dbt 1.12 worker on jaffle (${adapter})`, () => runnerCases(adapter));
}

function runnerCases(adapter: Adapter): void {
  let p: TempProject;
  let runner: ProjectRunner;
  const manifests: string[] = [];
  let workerPid = 0;

  before(async () => {
    p = await copyProject('jaffle', adapter);
    runner = makeRunner(p);
    runner.onManifest((path) => manifests.push(path));
  });

  after(async () => {
    await runner.dispose();
    await p.cleanup();
  });

  void it('parse writes the slim manifest and reports counts', T, async () => {
    const r = await runner.parse();
    assert.equal(r.exitCode, 0, JSON.stringify(r.exception));
    assert.equal(r.backend, 'worker');
    assert.equal(r.parsed, true);
    assert.equal(r.output.kind, 'parse');
    if (r.output.kind === 'parse') {
      assert.ok(r.output.summary.models >= 5, JSON.stringify(r.output.summary));
      assert.ok(r.output.summary.sources >= 3);
      assert.ok(r.output.summary.tests >= 5);
    }
    assert.deepEqual(manifests, [p.manifestPath]);
    assert.equal(r.manifestPath, p.manifestPath);
    const slim = JSON.parse(readFileSync(p.manifestPath, 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;
    for (const key of ['metadata', 'nodes', 'sources', 'macros', 'docs', 'exposures', 'semantic_models', 'unit_tests', 'disabled', 'selectors', 'parent_map', 'child_map']) {
      assert.ok(key in slim, `slim manifest has ${key}`);
    }
    const orders = slim.nodes['model.jaffle.orders'];
    assert.equal(orders.original_file_path, 'models/marts/orders.sql');
    assert.ok((orders.depends_on as { nodes: string[] }).nodes.length > 0);
    assert.ok(Object.keys(slim.sources).some((k) => k.startsWith('source.jaffle.raw.')));
    assert.ok('model.jaffle.slow_model' in slim.disabled, 'disabled nodes are kept');

    // A second parse request with nothing changed answers from the cache.
    const again = await runner.parse();
    assert.equal(again.exitCode, 0);
    assert.equal(again.parsed, false);
    assert.equal(manifests.length, 1);
  });

  void it('seed, then build: every node starts before it finishes; a failing test gives exit 1', T, async () => {
    const seed = await record(runner, ['seed']);
    assert.equal(seed.result.exitCode, 0, JSON.stringify(seed.result.exception));
    assert.ok(seed.result.nodes.length >= 3);
    assert.ok(seed.result.nodes.every((n) => n.resourceType === 'seed' && n.status === 'success'));
    workerPid = [...seed.pids][0];
    assert.ok(workerPid > 0);

    const build = await record(runner, ['build']);
    assert.equal(build.result.command, 'build');
    assert.equal(build.result.exitCode, 1, 'jaffle has one failing accepted_values test');
    assert.equal(build.result.success, false);
    assert.equal(build.result.parsed, false, 'the manifest from the parse is reused');
    const st = statuses(build.result);
    assert.equal(st['model.jaffle.orders'], 'success');
    assert.ok(Object.values(st).includes('fail'));
    assert.ok(Object.values(st).includes('pass'));
    // Order of the event stream: NodeStart before NodeFinished for every node, and each node finished.
    const started = new Map<string, number>();
    const finished = new Map<string, number>();
    build.events.forEach((e, i) => {
      const uid = (e.data.node_info as { unique_id?: string } | undefined)?.unique_id;
      if (!uid) return;
      if (e.info.name === 'NodeStart' && !started.has(uid)) started.set(uid, i);
      if (e.info.name === 'NodeFinished') finished.set(uid, i);
    });
    for (const n of build.result.nodes) {
      assert.ok(started.has(n.uniqueId), `NodeStart for ${n.uniqueId}`);
      assert.ok(finished.has(n.uniqueId), `NodeFinished for ${n.uniqueId}`);
      assert.ok(started.get(n.uniqueId)! < finished.get(n.uniqueId)!, `order for ${n.uniqueId}`);
    }
    assert.ok(build.names.indexOf('NodeStart') < build.names.lastIndexOf('StatsLine'));
    assert.deepEqual([...build.pids], [workerPid], 'the same warm worker ran it');
    // No noise on the channel by default.
    assert.ok(!build.names.includes('SQLQuery'));
    const failing = build.result.nodes.find((n) => n.status === 'fail')!;
    assert.ok((failing.failures ?? 0) >= 1);
    assert.ok(failing.timing.length > 0 && failing.executionTime >= 0);
  });

  void it('retry re-runs what failed', T, async () => {
    const r = await record(runner, ['retry']);
    assert.equal(r.result.command, 'retry');
    assert.equal(r.result.exitCode, 1, JSON.stringify(r.result.exception));
    assert.equal(r.result.nodes.length, 1);
    assert.equal(r.result.nodes[0].status, 'fail');
    assert.match(r.result.nodes[0].uniqueId, /^test\.jaffle\.accepted_values_orders_status/);
  });

  void it('reuses the manifest: a second run does not parse', T, async () => {
    // What dbt writes into the profiles folder (here the project) on a user's first CLI run with tracking on.
    writeFileSync(join(p.root, '.user.yml'), 'id: 0c2f3f4e-8d1a-4b52-9d0e-5a1f7c3b2e10\n');
    const r = await record(runner, ['run', '--select', 'stg_customers']);
    assert.equal(r.result.exitCode, 0);
    assert.equal(r.result.parsed, false);
    for (const name of PARSE_ONLY_EVENTS) assert.ok(!r.names.includes(name), `no ${name} when the manifest is reused`);
    assert.deepEqual(Object.keys(statuses(r.result)), ['model.jaffle.stg_customers']);
    assert.ok(r.result.nodes[0].compiledCode?.includes('select'));
  });

  void it('an edited model is re-parsed and runs with its new SQL', T, async () => {
    const file = join(p.root, 'models', 'staging', 'stg_customers.sql');
    const sql = readFileSync(file, 'utf8');
    writeFileSync(file, sql.replace(/\bselect\b/i, 'select 4242 as conductor_marker,'));
    const r = await record(runner, ['run', '--select', 'stg_customers']);
    assert.equal(r.result.exitCode, 0, JSON.stringify(r.result.exception));
    assert.equal(r.result.parsed, true);
    assert.ok(r.names.some((n) => PARSE_ONLY_EVENTS.includes(n)));
    assert.ok(r.result.nodes[0].compiledCode?.includes('conductor_marker'));
    // The warehouse is free right after the invocation, while the worker lives (DuckDB file unlocked, no PostgreSQL session).
    await assertWarehouseFree(p);
    const rows = await warehouseQuery(p, 'select distinct conductor_marker from main.stg_customers');
    assert.deepEqual(rows, [[4242]]);
    const show = await runner.invoke({ args: ['show', '--select', 'stg_customers', '--limit', '2'] });
    assert.equal(show.output.kind, 'show');
    if (show.output.kind === 'show') {
      assert.ok(show.output.tables[0].columns.includes('conductor_marker'));
      assert.equal(show.output.tables[0].rows.length, 2);
    }
  });

  void it('compile, show, ls, debug, source freshness and docs generate answer with their output', T, async () => {
    const compile = await runner.invoke({ args: ['compile', '--select', 'orders'] });
    assert.equal(compile.exitCode, 0);
    assert.equal(compile.output.kind, 'compile');
    if (compile.output.kind === 'compile') {
      const orders = compile.output.nodes.find((n) => n.uniqueId === 'model.jaffle.orders');
      assert.ok(orders && /from/i.test(orders.compiledCode) && !orders.compiledCode.includes('{{'));
    }

    const show = await runner.invoke({ args: ['show', '--select', 'customers', '--limit', '3'] });
    assert.equal(show.exitCode, 0);
    assert.equal(show.output.kind, 'show');
    if (show.output.kind === 'show') {
      // dbt also previews the model's tests (indirect selection); the model's own table is the one we want.
      const t = show.output.tables.find((x) => x.uniqueId === 'model.jaffle.customers');
      assert.ok(t, JSON.stringify(show.output.tables.map((x) => x.uniqueId)));
      assert.equal(t.rows.length, 3);
      assert.ok(t.columns.includes('customer_id'));
      assert.ok(t.rows.every((row) => row.length === t.columns.length));
      JSON.stringify(t.rows); // JSON-safe values
      // agate's column types, for the results grid: one per column.
      assert.equal(t.types?.length, t.columns.length);
      assert.equal(t.types?.[t.columns.indexOf('customer_id')], 'Integer');
    }

    const ls = await runner.invoke({ args: ['ls', '--resource-type', 'model'] });
    assert.equal(ls.exitCode, 0);
    assert.ok(ls.output.kind === 'list' && ls.output.items.includes('jaffle.marts.orders'), JSON.stringify(ls.output));

    const debug = await runner.invoke({ args: ['debug'] });
    assert.equal(debug.exitCode, 0);
    assert.deepEqual(debug.output, { kind: 'debug', ok: true });

    const fresh = await runner.invoke({ args: ['source', 'freshness'] });
    assert.equal(fresh.command, 'source freshness');
    assert.equal(fresh.output.kind, 'freshness');
    if (fresh.output.kind === 'freshness') {
      const byId = Object.fromEntries(fresh.output.sources.map((s) => [s.uniqueId, s]));
      assert.equal(byId['source.jaffle.raw.raw_customers']?.status, 'pass');
      assert.equal(byId['source.jaffle.raw.raw_orders']?.status, 'error');
      assert.equal(byId['source.jaffle.raw.raw_payments']?.status, 'warn');
      assert.match(byId['source.jaffle.raw.raw_orders'].maxLoadedAt ?? '', /^2018-/);
      assert.ok((byId['source.jaffle.raw.raw_orders'].ageSeconds ?? 0) > 86400);
    }
    assert.equal(fresh.exitCode, 1, 'a source past error_after fails the command');

    const docs = await runner.invoke({ args: ['docs', 'generate'] });
    assert.equal(docs.exitCode, 0);
    assert.ok(docs.output.kind === 'docs' && docs.output.catalogNodes > 0 && docs.output.catalogSources >= 3);
  });

  void it('an inline query that failed does not break the next one (as in a fresh dbt process)', T, async () => {
    const bad = await runner.invoke({ args: ['show', '--inline', "select nope_col from {{ ref('raw_orders') }}", '--limit', '3'] });
    assert.equal(bad.exitCode, 2);
    const good = await runner.invoke({ args: ['show', '--inline', "select user_id from {{ ref('raw_orders') }}", '--limit', '3'] });
    assert.equal(good.exitCode, 0, JSON.stringify(good.exception));
    assert.ok(good.output.kind === 'show' && good.output.tables[0]?.rows.length === 3);
  });

  void it('cancels the slow model mid-run; the same worker then runs the next request', T, async () => {
    const ac = new AbortController();
    const slow = await record(runner, SLOW_RUN, ac.signal, whenSlowQueryRuns(() => ac.abort()), true);
    assert.equal(slow.result.exitCode, 2);
    assert.equal(slow.result.cancelled, true);
    assert.equal(slow.result.exception?.type, 'KeyboardInterrupt');
    assert.ok(slow.names.includes('NodeExecuting'));
    assert.ok(slow.names.includes('SQLQuery'), 'verboseEvents delivers the SQL events');
    assert.deepEqual([...slow.pids], [workerPid]);

    const next = await record(runner, ['run', '--select', 'stg_orders']);
    assert.equal(next.result.exitCode, 0, JSON.stringify(next.result.exception));
    assert.deepEqual([...next.pids], [workerPid], 'still the same worker process');
  });

  void it('two requests at once are serialized and both succeed', T, async () => {
    const order: string[] = [];
    const on = (tag: string) => (e: RawDbtEvent) => {
      if (order[order.length - 1] !== `${tag}:event`) order.push(`${tag}:event`);
      void e;
    };
    const a = runner.invoke({ args: ['run', '--select', 'stg_customers'] }, { onEvent: on('a') }).then((r) => (order.push('a:result'), r));
    const b = runner.invoke({ args: ['run', '--select', 'stg_orders'] }, { onEvent: on('b') }).then((r) => (order.push('b:result'), r));
    assert.equal(runner.queueLength, 1);
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(ra.exitCode, 0);
    assert.equal(rb.exitCode, 0);
    assert.deepEqual(order, ['a:event', 'a:result', 'b:event', 'b:result']);
  });

  void it('exit code 2 carries dbt\'s own error text', T, async () => {
    const r = await runner.invoke({ args: ['run', '--selector', 'no_such_selector'] });
    assert.equal(r.exitCode, 2);
    assert.equal(r.success, false);
    assert.match(r.exception?.message ?? '', /no_such_selector/);

    const usage = await runner.invoke({ args: ['run', '--no-such-flag'] });
    assert.equal(usage.exitCode, 2);
    assert.match(usage.exception?.message ?? '', /no-such-flag/);
  });

  void it('a ref cycle gives dbt\'s own error, the same as the CLI gives (the worker only speeds up the no-cycle answer)', T, async () => {
    const a = join(p.root, 'models', 'cycle_a.sql');
    const b = join(p.root, 'models', 'cycle_b.sql');
    writeFileSync(a, "select * from {{ ref('cycle_b') }}\n");
    writeFileSync(b, "select * from {{ ref('cycle_a') }}\n");
    const cli = makeRunner(p, { backend: 'cli' });
    try {
      const viaWorker = await runner.invoke({ args: ['run', '-s', 'cycle_a'] });
      const viaCli = await cli.invoke({ args: ['run', '-s', 'cycle_a'] });
      assert.equal(viaWorker.exitCode, 2, JSON.stringify(viaWorker.exception));
      assert.match(viaWorker.exception?.message ?? '', /Found a cycle: model\.jaffle\.cycle_[ab] --> model\.jaffle\.cycle_[ab]/);
      assert.equal(viaCli.exitCode, 2);
      const cycleLine = (m: string | undefined) => /Found a cycle: .*/.exec(m ?? '')?.[0];
      assert.equal(cycleLine(viaWorker.exception?.message), cycleLine(viaCli.exception?.message), 'the same message from both backends');
    } finally {
      await cli.dispose();
      rmSync(a);
      rmSync(b);
    }
    const after = await runner.invoke({ args: ['ls', '-s', 'stg_orders'] });
    assert.equal(after.exitCode, 0, 'the worker links the DAG again once the cycle is gone');
  });

  void it('a worker killed with SIGKILL mid-run fails that request clearly; the next one starts a new worker', T, async () => {
    let killed = 0;
    const onEvent = whenSlowQueryRuns((e) => {
      killed = Number(e.info.pid);
      process.kill(killed, 'SIGKILL');
    }, { delayMs: 0 });
    const failed = record(runner, SLOW_RUN, undefined, onEvent, true);
    await assert.rejects(failed, (e: RunnerError) => {
      assert.ok(e instanceof RunnerError);
      assert.equal(e.code, 'worker-crashed');
      assert.match(e.message, /exited unexpectedly \(signal SIGKILL\)/);
      return true;
    });
    assert.equal(killed, workerPid);
    const next = await record(runner, ['run', '--select', 'stg_customers']);
    assert.equal(next.result.exitCode, 0, JSON.stringify(next.result.exception));
    const [pid] = next.pids;
    assert.ok(pid > 0 && pid !== workerPid, 'a new worker process');
    await assertWarehouseFree(p, 'after the kill');
  });
}
