// The invocation reducer (src/dbt/results.ts) over event streams recorded
// from real dbt runs of the jaffle fixture: the statuses the fixture's
// README promises, tests grouped per model, progress, problems, dbt 1.8,
// and reconciliation with the final result (including a cancel).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseEventLine } from '../../src/dbt/events';
import type { InvocationResult } from '../../src/dbt/protocol';
import {
  applyResult, expectNodes, initialState, reduce, testsOf,
  type InvocationState, type StateOptions,
} from '../../src/dbt/results';
import { CliResultCollector } from '../../src/runner/cliResults';
import { fixturePath } from '../fixtures/lib/fixtures';
import { BUILD_STATUSES, FAILING_TEST, PASSING_TESTS, SINGULAR_TEST, UNIT_TEST, WARNING_TEST } from '../fixtures/lib/jaffleIds';

const eventsDir = fixturePath('events');

function lines(name: string): string[] {
  return readFileSync(join(eventsDir, `${name}.jsonl`), 'utf8').split('\n').filter((l) => l !== '');
}

function reduceLines(label: string, ls: string[], options?: StateOptions): InvocationState {
  const state = initialState(label, options);
  for (const l of ls) reduce(state, parseEventLine(l));
  return state;
}

function reduceStream(name: string, options?: StateOptions): InvocationState {
  return reduceLines(name, lines(name), options);
}

/** The InvocationResult the CLI backend builds from the same lines. */
function cliResult(command: string, ls: string[], exitCode: 0 | 1 | 2, cancelled = false): InvocationResult {
  const collector = new CliResultCollector(command);
  for (const l of ls) collector.add(JSON.parse(l));
  return collector.finish({ exitCode, elapsedSeconds: 12.5, cancelled, stderrTail: '' });
}

/** What each test checks, according to the recorded manifest (attached_node, or the first ref for singular tests). */
function manifestTestSubjects(): Map<string, string> {
  const manifest = JSON.parse(readFileSync(join(fixturePath('manifests'), 'jaffle.manifest.json'), 'utf8')) as {
    nodes: Record<string, { resource_type: string; attached_node?: string | null; depends_on?: { nodes?: string[] } }>;
    unit_tests?: Record<string, { depends_on?: { nodes?: string[] } }>;
  };
  const out = new Map<string, string>();
  for (const [id, n] of Object.entries(manifest.nodes)) {
    if (n.resource_type !== 'test') continue;
    const subject = n.attached_node ?? n.depends_on?.nodes?.[0];
    if (subject) out.set(id, subject);
  }
  for (const [id, u] of Object.entries(manifest.unit_tests ?? {})) {
    const subject = u.depends_on?.nodes?.[0];
    if (subject) out.set(id, subject);
  }
  return out;
}

// Tests per model, from the fixture's schema files (README table).
const TESTS_BY_MODEL: Record<string, string[]> = {
  'model.jaffle.stg_customers': [PASSING_TESTS.stgCustomersIdNotNull, PASSING_TESTS.stgCustomersIdUnique],
  'model.jaffle.stg_payments': [
    WARNING_TEST, PASSING_TESTS.stgPaymentsIdNotNull, PASSING_TESTS.stgPaymentsIdUnique, UNIT_TEST,
  ],
  'model.jaffle.int_order_payments': [PASSING_TESTS.intOrderPaymentsIdUnique],
  'model.jaffle.customers': [PASSING_TESTS.customersIdNotNull, PASSING_TESTS.customersIdUnique],
  'model.jaffle.orders': [
    FAILING_TEST, PASSING_TESTS.ordersCustomerIdNotNull, PASSING_TESTS.ordersIdNotNull,
    PASSING_TESTS.ordersCustomerIdRelationship, PASSING_TESTS.ordersIdUnique,
  ],
  'model.jaffle.order_events': [PASSING_TESTS.orderEventsIdNotNull, PASSING_TESTS.orderEventsIdUnique],
};

function grouping(state: InvocationState): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [subject, ids] of state.testsBySubject) if (ids.size > 0) out[subject] = [...ids].sort();
  return out;
}

function assertBuildOutcomes(state: InvocationState): void {
  for (const [id, status] of Object.entries(BUILD_STATUSES)) {
    assert.equal(state.nodes.get(id)?.status, status, id);
  }
  assert.equal(state.counts.running, 0);
  assert.equal(state.counts.queued, 0);
  assert.equal(state.counts.fail, 1);
  assert.equal(state.counts.warn, 1);
  assert.equal(state.counts.error, 0);
  assert.equal(state.counts.skipped, 0);
}

void describe('reducing `dbt build` (dbt 1.12)', () => {
  const state = reduceStream('build');

  void it('gives every node the outcome the fixture README lists', () => {
    assertBuildOutcomes(state);
    assert.equal(state.nodes.get('exposure.jaffle.weekly_revenue_dashboard')?.status, 'no-op');
    assert.equal(state.phase, 'failed');
  });

  void it('keeps rows affected, durations, timestamps and messages', () => {
    const seed = state.nodes.get('seed.jaffle.raw_payments');
    assert.equal(seed?.rowsAffected, 52);
    assert.ok((seed?.durationSeconds ?? 0) > 0);
    assert.match(seed?.startedAt ?? '', /Z$/);
    assert.match(seed?.finishedAt ?? '', /Z$/);
    assert.ok((seed?.startedAt ?? '') <= (seed?.finishedAt ?? ''));
    const fail = state.nodes.get(FAILING_TEST);
    assert.equal(fail?.failures, 1);
    assert.equal(fail?.message, 'Got 1 result, configured to fail if != 0');
    assert.equal(fail?.filePath, 'models/marts/schema.yml');
    assert.equal(state.nodes.get('model.jaffle.orders')?.materialized, 'table');
    assert.equal(state.nodes.get('model.jaffle.orders')?.nodePath, 'marts/orders.sql');
  });

  void it('groups test outcomes by the model they test; the singular test has no single model', () => {
    const groups = grouping(state);
    for (const [model, tests] of Object.entries(TESTS_BY_MODEL)) assert.deepEqual(groups[model], [...tests].sort(), model);
    assert.deepEqual(groups[''], [SINGULAR_TEST]);
    assert.deepEqual(testsOf(state, 'model.jaffle.orders').map((t) => t.status).sort(), ['fail', 'pass', 'pass', 'pass', 'pass']);
    assert.deepEqual(testsOf(state, 'model.jaffle.stg_orders'), []);
  });

  void it('counts progress the way dbt does (n of 28; the ephemeral model is compiled but not counted)', () => {
    assert.deepEqual(state.progress, { done: 28, total: 28 });
    assert.equal(state.summary.stats?.total, 28);
    assert.equal(state.nodes.get('model.jaffle.int_order_payments')?.materialized, 'ephemeral');
  });

  void it('reports progress while the build runs', () => {
    const all = lines('build');
    const half = reduceLines('half', all.slice(0, Math.floor(all.length / 2)));
    assert.equal(half.progress.total, 28);
    assert.ok(half.progress.done > 0 && half.progress.done < 28, `done=${half.progress.done}`);
    assert.equal(half.phase, 'running');
    const inFlight = [...half.nodes.values()].filter((n) => n.status === 'running' || n.status === 'queued').length;
    assert.equal(half.counts.running + half.counts.queued, inFlight);
  });

  void it('collects one problem per failing or warning node, with its file', () => {
    assert.equal(state.problems.length, 2);
    const fail = state.problems.find((p) => p.uniqueId === FAILING_TEST);
    assert.deepEqual(
      { severity: fail?.severity, message: fail?.message, path: fail?.path },
      { severity: 'error', message: 'Got 1 result, configured to fail if != 0', path: 'models/marts/schema.yml' },
    );
    const warn = state.problems.find((p) => p.uniqueId === WARNING_TEST);
    assert.equal(warn?.severity, 'warning');
    assert.equal(warn?.path, 'models/staging/schema.yml');
  });

  void it('keeps dbt\'s summary', () => {
    assert.deepEqual(state.summary.stats, { pass: 25, warn: 1, error: 1, skip: 0, noop: 1, reused: 0, total: 28 });
    assert.equal(state.summary.numErrors, 1);
    assert.equal(state.summary.numWarnings, 1);
    assert.equal(state.summary.success, false);
    assert.ok((state.summary.elapsedSeconds ?? 0) > 0);
    assert.equal(state.summary.targetName, 'dev');
    assert.ok(state.startedAt !== undefined && state.finishedAt !== undefined && state.startedAt < state.finishedAt);
  });

  void it('bumps the version on changes and not on plain log events', () => {
    const s = initialState('v');
    const sql = lines('build').find((l) => l.includes('"SQLQuery"'));
    assert.ok(sql);
    reduce(s, parseEventLine(sql));
    reduce(s, parseEventLine('not json at all'));
    assert.equal(s.version, 0);
    assert.ok(state.version > 50);
  });
});

void describe('reducing the dbt 1.8 build stream', () => {
  const name = join('dbt18', 'build');

  void it('gives the same outcomes (1.8 has no exposure node)', () => {
    const state = reduceStream(name);
    assertBuildOutcomes(state);
    assert.equal(state.nodes.has('exposure.jaffle.weekly_revenue_dashboard'), false);
    assert.deepEqual(state.progress, { done: 27, total: 27 });
    assert.equal(state.problems.length, 2);
  });

  void it('groups tests by model from their names, as 1.8 events do not say', () => {
    const groups = grouping(reduceStream(name));
    for (const [model, tests] of Object.entries(TESTS_BY_MODEL)) assert.deepEqual(groups[model], [...tests].sort(), model);
  });

  void it('groups tests like 1.12 when given the manifest\'s lookup, including the singular test', () => {
    const subjects = manifestTestSubjects();
    const options: StateOptions = { testSubject: (id) => subjects.get(id) };
    const g18 = grouping(reduceStream(name, options));
    const g112 = grouping(reduceStream('build', options));
    assert.deepEqual(g18, g112);
    assert.equal(g18[''], undefined);
    assert.ok(g18['model.jaffle.orders'].includes(SINGULAR_TEST));
  });
});

void describe('reducing other commands', () => {
  void it('dbt test: 17 tests, grouped by model although no model ran', () => {
    const state = reduceStream('test');
    assert.deepEqual(state.progress, { done: 17, total: 17 });
    assert.equal(state.counts.pass, 15);
    assert.equal(state.nodes.get(FAILING_TEST)?.status, 'fail');
    const groups = grouping(state);
    for (const [model, tests] of Object.entries(TESTS_BY_MODEL)) assert.deepEqual(groups[model], [...tests].sort(), model);
  });

  void it('source freshness: pass, warn, error, and a problem for the stale source', () => {
    const state = reduceStream('source_freshness');
    assert.equal(state.nodes.get('source.jaffle.raw.raw_customers')?.status, 'pass');
    assert.equal(state.nodes.get('source.jaffle.raw.raw_payments')?.status, 'warn');
    assert.equal(state.nodes.get('source.jaffle.raw.raw_orders')?.status, 'error');
    const problem = state.problems.find((p) => p.uniqueId === 'source.jaffle.raw.raw_orders');
    assert.match(problem?.message ?? '', /stale/);
    assert.equal(problem?.path, 'models/staging/sources.yml');
  });

  void it('a runtime error: the node fails with DuckDB\'s message, the rest succeed', () => {
    const state = reduceStream('run_broken_runtime');
    const node = state.nodes.get('model.jaffle.broken_runtime');
    assert.equal(node?.status, 'error');
    assert.match(node?.message ?? '', /Binder Error/);
    assert.equal(state.counts.error, 1);
    assert.ok(state.counts.success >= 6);
    const problem = state.problems.find((p) => p.uniqueId === 'model.jaffle.broken_runtime');
    assert.match(problem?.message ?? '', /Runtime Error in model broken_runtime/);
    assert.equal(problem?.path, 'models/broken/broken_runtime.sql');
  });

  void it('an invocation error: a problem without a node, and the phase failed', () => {
    const state = reduceStream('unknown_named_selector');
    assert.equal(state.nodes.size, 0);
    assert.ok(state.problems.some((p) => p.uniqueId === undefined && /no_such_selector/.test(p.message)));
    assert.equal(state.phase, 'failed');
  });
});

void describe('applyResult', () => {
  void it('keeps the statuses of a finished build and takes exit code and elapsed time from the result', () => {
    const ls = lines('build');
    const state = reduceLines('build', ls);
    applyResult(state, cliResult('build', ls, 1));
    assertBuildOutcomes(state);
    assert.equal(state.summary.exitCode, 1);
    assert.equal(state.summary.elapsedSeconds, 12.5);
    assert.equal(state.phase, 'failed');
    assert.equal(state.problems.length, 2);
    assert.deepEqual(state.progress, { done: 28, total: 28 });
  });

  void it('fills in a state that saw no events (a backend without streaming)', () => {
    const ls = lines('build');
    const state = applyResult(initialState('build'), cliResult('build', ls, 1));
    for (const [id, status] of Object.entries(BUILD_STATUSES)) assert.equal(state.nodes.get(id)?.status, status, id);
    assert.ok(state.problems.some((p) => p.uniqueId === FAILING_TEST && p.severity === 'error'));
    assert.ok(state.problems.some((p) => p.uniqueId === WARNING_TEST && p.severity === 'warning'));
    assert.deepEqual(grouping(state)['model.jaffle.orders'], [...TESTS_BY_MODEL['model.jaffle.orders']].sort());
  });

  void it('marks the nodes still running when the user cancelled as cancelled', () => {
    const all = lines('build');
    // The run as far as it got when the user pressed cancel.
    const cut = all.slice(0, Math.floor(all.length * 0.4));
    const state = reduceLines('build', cut);
    const running = [...state.nodes.values()].filter((n) => n.status === 'running').map((n) => n.uniqueId);
    const done = [...state.nodes.values()].filter((n) => n.status === 'success' || n.status === 'pass').map((n) => n.uniqueId);
    assert.ok(running.length > 0, 'the cut should leave nodes running');
    const result = cliResult('build', cut, 2, true);
    assert.ok(result.cancelled);
    applyResult(state, result);
    for (const id of running) assert.equal(state.nodes.get(id)?.status, 'cancelled', id);
    for (const id of done) assert.notEqual(state.nodes.get(id)?.status, 'cancelled', id);
    assert.equal(state.counts.running, 0);
    assert.equal(state.phase, 'cancelled');
    assert.equal(state.problems.length, 0);
  });

  void it('marks nodes left running by a crash as errors with the reason', () => {
    const all = lines('build');
    const cut = all.slice(0, Math.floor(all.length * 0.4));
    const state = reduceLines('build', cut);
    const running = [...state.nodes.values()].filter((n) => n.status === 'running').map((n) => n.uniqueId);
    const result: InvocationResult = { ...cliResult('build', cut, 2), exception: { type: 'WorkerCrashed', message: 'the worker process exited' } };
    applyResult(state, result);
    for (const id of running) {
      assert.equal(state.nodes.get(id)?.status, 'error');
      assert.match(state.nodes.get(id)?.message ?? '', /dbt stopped before this node finished: the worker process exited/);
    }
    assert.ok(state.problems.some((p) => p.message === 'WorkerCrashed: the worker process exited'));
    assert.equal(state.phase, 'failed');
  });

  void it('turns a query that dbt cancelled into cancelled, not error', () => {
    // dbt fires LogCancelLine{conn_name: <unique_id>} for each open query on
    // Ctrl-C, and the interrupted node then ends with an "INTERRUPT Error".
    const ls = lines('run_broken_runtime');
    const state = initialState('run');
    for (const l of ls) {
      const e = parseEventLine(l);
      if (e.kind === 'node-finished' && e.node.uniqueId === 'model.jaffle.broken_runtime') {
        reduce(state, { kind: 'cancel', name: 'LogCancelLine', level: 'error', msg: 'CANCEL query model.jaffle.broken_runtime', connection: e.node.uniqueId, supported: true });
      }
      reduce(state, e);
    }
    assert.equal(state.nodes.get('model.jaffle.broken_runtime')?.status, 'cancelled');
    assert.equal(state.nodes.get('model.jaffle.broken_runtime')?.dbtStatus, 'error');
    assert.equal(state.counts.error, 0);
  });
});

void describe('expectNodes', () => {
  void it('shows expected nodes as queued until dbt starts them', () => {
    const state = initialState('dbt run');
    expectNodes(state, [
      { uniqueId: 'model.jaffle.orders', name: 'orders', resourceType: 'model', filePath: 'models/marts/orders.sql' },
      { uniqueId: 'model.jaffle.customers', name: 'customers', resourceType: 'model' },
    ]);
    assert.equal(state.counts.queued, 2);
    assert.deepEqual(state.progress, { done: 0, total: 2 });
    for (const l of lines('run_one')) reduce(state, parseEventLine(l));
    assert.equal(state.nodes.get('model.jaffle.orders')?.status, 'success');
    assert.equal(state.nodes.get('model.jaffle.orders')?.filePath, 'models/marts/orders.sql');
    assert.equal(state.nodes.get('model.jaffle.customers')?.status, 'queued');
    applyResult(state, cliResult('run', lines('run_one'), 0));
    // dbt did not run it: not selected after all.
    assert.equal(state.nodes.get('model.jaffle.customers')?.status, 'skipped');
    assert.equal(state.phase, 'success');
  });
});

void describe('speed', () => {
  void it('reduces a build of 3,000 nodes with O(1) work per event', () => {
    // The real build events, replayed for 120 copies of the project's nodes
    // (unique_ids renamed), so the state holds over 3,000 nodes.
    const events = lines('build').map((l) => parseEventLine(l));
    const state = initialState('big');
    for (let copy = 0; copy < 120; copy++) {
      for (const e of events) {
        if (e.kind === 'node-started' || e.kind === 'node-finished') {
          reduce(state, { ...e, node: { ...e.node, uniqueId: `${e.node.uniqueId}_${copy}`, name: `${e.node.name}_${copy}` } });
        }
      }
    }
    assert.ok(state.nodes.size >= 3000, `${state.nodes.size} nodes`);
    assert.equal(state.counts.fail, 120);
    assert.equal(state.counts.running, 0);
  });
});
