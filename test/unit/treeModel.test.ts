// The Invocations / Test Results data model, fed with event streams recorded
// from real dbt (test/fixtures/events) and the results the CLI backend
// builds from them. Expected outcomes come from the fixture's README.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RawDbtEvent } from '../../src/dbt/protocol';
import { countsText } from '../../src/dbt/outcomes';
import { TestState } from '../../src/dbt/testState';
import { InvocationHistory, testGroupsKey, type InvocationEntry, type NodeStatus } from '../../src/dbt/treeModel';
import { loadStream, resultOf, type Stream } from './eventStreams';
import { jaffleIndex } from './server-fixture';
import { FAILING_TEST, SINGULAR_TEST, UNIT_TEST, WARNING_TEST } from '../fixtures/lib/jaffleIds';

const ORDERS = 'model.jaffle.orders';

function replay(history: InvocationHistory, stream: Stream, label = `dbt ${stream.args.join(' ')}`): InvocationEntry {
  const entry = history.start({ label, args: stream.args, projectRoot: '/p', projectName: 'jaffle' });
  for (const e of stream.events) history.event(entry, e);
  return entry;
}

function status(entry: InvocationEntry, id: string): NodeStatus | undefined {
  return entry.rows.find((r) => r.uniqueId === id)?.status;
}

void describe('InvocationHistory with a recorded dbt build', () => {
  const build = loadStream('build');

  void it('ends with the fixture outcomes from the events alone', () => {
    const h = new InvocationHistory();
    const entry = replay(h, build);
    assert.equal(status(entry, FAILING_TEST), 'fail');
    assert.equal(status(entry, WARNING_TEST), 'warn');
    assert.equal(status(entry, UNIT_TEST), 'pass');
    assert.equal(status(entry, ORDERS), 'success');
    assert.equal(status(entry, 'exposure.jaffle.weekly_revenue_dashboard'), 'no-op');
    const seed = entry.rows.find((r) => r.uniqueId === 'seed.jaffle.raw_orders');
    assert.equal(seed?.rowsAffected, 45);
    assert.ok((seed?.durationSeconds ?? 0) > 0);
    assert.equal(entry.rows.find((r) => r.uniqueId === FAILING_TEST)?.failures, 1);
    assert.equal(entry.rows.find((r) => r.uniqueId === FAILING_TEST)?.testOf, ORDERS);
    const errors = entry.rows.filter((r) => r.status === 'error' || r.status === 'fail').map((r) => r.uniqueId);
    assert.deepEqual(errors, [FAILING_TEST]);
  });

  void it('shows nodes running while dbt works on them, then their final status, never going back', () => {
    const h = new InvocationHistory();
    const entry = h.start({ label: 'dbt build', args: ['build'], projectRoot: '/p', projectName: 'jaffle' });
    const seen = new Map<string, NodeStatus[]>();
    for (const e of build.events) {
      h.event(entry, e);
      for (const row of entry.rows) {
        const list = seen.get(row.uniqueId) ?? [];
        if (list[list.length - 1] !== row.status) list.push(row.status);
        seen.set(row.uniqueId, list);
      }
    }
    assert.deepEqual(seen.get(ORDERS), ['running', 'success']);
    assert.deepEqual(seen.get(FAILING_TEST), ['running', 'fail']);
    for (const [id, list] of seen) {
      const firstFinal = list.findIndex((s) => s !== 'running' && s !== 'queued');
      if (firstFinal >= 0) assert.ok(!list.slice(firstFinal).includes('running'), `${id}: ${list.join(' -> ')}`);
    }
  });

  void it('reports progress as node n of total', () => {
    const h = new InvocationHistory();
    const entry = h.start({ label: 'dbt build', args: ['build'], projectRoot: '/p', projectName: 'jaffle' });
    const totals = build.events.map((e) => e.data.total).filter((t): t is number => typeof t === 'number');
    const announced = Math.max(...totals);
    let sawPartial = false;
    for (const e of build.events) {
      h.event(entry, e);
      const p = h.progress(entry);
      assert.ok(p.done <= p.total);
      if (p.done > 0 && p.done < p.total) sawPartial = true;
    }
    assert.ok(sawPartial, 'progress moved through intermediate values');
    const end = h.progress(entry);
    assert.ok(end.total >= announced);
    assert.equal(end.done, end.total);
  });

  void it('takes the final result as authoritative: status, message, file path', () => {
    const h = new InvocationHistory();
    const entry = replay(h, build);
    const result = resultOf(build);
    h.finish(entry, result);
    assert.equal(entry.status, 'failed');
    const failing = entry.rows.find((r) => r.uniqueId === FAILING_TEST)!;
    assert.equal(failing.status, 'fail');
    assert.match(failing.message ?? '', /Got 1 result, configured to fail if != 0/);
    assert.equal(h.progress(entry).done, h.progress(entry).total);
  });

  void it('groups tests by the model they test, failing groups first', () => {
    const h = new InvocationHistory();
    const index = jaffleIndex();
    // What the extension passes: the manifest says what a test checks when the events do not.
    const testSubject = (id: string) => {
      const e = index.get(id);
      return e?.attachedNode ?? e?.dependsOnNodes.find((d) => !d.startsWith('macro.'));
    };
    const entry = h.start({ label: 'dbt build', args: ['build'], projectRoot: '/p', projectName: 'jaffle' }, { testSubject });
    for (const e of build.events) h.event(entry, e);
    h.finish(entry, resultOf(build));
    const groups = h.testGroups();
    assert.equal(groups[0]?.subject, ORDERS);
    assert.equal(groups[0]?.counts.fail, 1);
    assert.equal(groups[0]?.tests[0]?.uniqueId, FAILING_TEST, 'the failing test leads its group');
    const payments = groups.find((g) => g.subject === 'model.jaffle.stg_payments');
    assert.equal(payments?.counts.warn, 1);
    assert.ok(payments?.tests.some((t) => t.uniqueId === UNIT_TEST), 'the unit test is under its model');
    // A singular test has no attached node in the events: the manifest says what it depends on.
    assert.ok(groups.find((g) => g.subject === ORDERS)?.tests.some((t) => t.uniqueId === SINGULAR_TEST));
    const total = groups.reduce((n, g) => n + g.tests.length, 0);
    assert.equal(total, entry.rows.filter((r) => r.resourceType === 'test' || r.resourceType === 'unit_test').length);
  });

  void it('keeps the newest result of each test across invocations', () => {
    const h = new InvocationHistory();
    const first = replay(h, build);
    const second = replay(h, loadStream('test'));
    const failing = h.testGroups().flatMap((g) => g.tests).find((t) => t.uniqueId === FAILING_TEST);
    assert.equal(failing?.invocationId, second.id);
    assert.notEqual(first.id, second.id);
  });
});

void describe('testGroupsKey: when the Test Results view must redraw', () => {
  const build = loadStream('build');

  void it('is unchanged by events that change no test, and by a re-run with the same outcomes', () => {
    const h = new InvocationHistory();
    replay(h, build);
    const before = testGroupsKey(h.testGroups());
    const other = h.start({ label: 'dbt run', args: ['run'], projectRoot: '/p', projectName: 'jaffle' });
    for (const e of build.events.filter((x) => !/^test\.|^unit_test\./.test(String((x.data.node_info as { unique_id?: string } | undefined)?.unique_id ?? '')))) h.event(other, e);
    assert.equal(testGroupsKey(h.testGroups()), before, 'model events alone leave the view as it was');
    replay(h, build);
    assert.equal(testGroupsKey(h.testGroups()), before, 'the same outcomes again: nothing to redraw');
  });

  void it('changes when a test\'s outcome, failure count, message or staleness changes', () => {
    const h = new InvocationHistory();
    replay(h, build);
    const groups = h.testGroups();
    const before = testGroupsKey(groups);
    const failing = groups.flatMap((g) => g.tests).find((t) => t.uniqueId === FAILING_TEST)!;
    assert.notEqual(testGroupsKey(groups, (t) => t === failing), before, 'a result turning stale redraws');
    for (const change of [() => (failing.outcome = 'pass'), () => (failing.failures = (failing.failures ?? 0) + 1), () => (failing.message = 'other')]) {
      const saved = { ...failing };
      change();
      assert.notEqual(testGroupsKey(groups), before);
      Object.assign(failing, saved);
      assert.equal(testGroupsKey(groups), before);
    }
  });
});

void describe('InvocationHistory bookkeeping', () => {
  void it('keeps the last 20 invocations, newest first, and leaves background parses out', () => {
    const h = new InvocationHistory(20);
    const ids: number[] = [];
    for (let i = 0; i < 25; i++) ids.push(h.start({ label: `dbt run ${i}`, args: ['run'], projectRoot: '/p', projectName: 'p' }).id);
    const parse = h.start({ label: 'dbt parse', args: ['parse'], projectRoot: '/p', projectName: 'p', background: true });
    const listed = h.list().map((e) => e.id);
    assert.equal(listed.length, 20);
    assert.deepEqual(listed, ids.slice(5).reverse());
    assert.ok(!listed.includes(parse.id));
  });

  void it('marks the nodes still running as cancelled when the invocation is cancelled', () => {
    const build = loadStream('build');
    const h = new InvocationHistory();
    const entry = h.start({ label: 'dbt build', args: ['build'], projectRoot: '/p', projectName: 'jaffle' });
    // Stop halfway, as a cancel would.
    for (const e of build.events.slice(0, Math.floor(build.events.length / 2))) h.event(entry, e);
    const running = entry.rows.filter((r) => r.status === 'running');
    assert.ok(running.length > 0, 'something was running at the cut');
    h.finish(entry, { command: 'build', success: false, exitCode: 2, nodes: [], output: { kind: 'none' }, exception: { type: 'KeyboardInterrupt', message: 'Cancelled' }, elapsedSeconds: 1, parsed: false, cancelled: true, backend: 'worker' });
    assert.equal(entry.status, 'cancelled');
    assert.ok(running.every((r) => r.status === 'cancelled'));
    assert.equal(entry.state.counts['not run'], 0, 'nodes dbt had not announced are listed only by addNotRun');
    assert.ok(!entry.rows.some((r) => r.status === 'running' || r.status === 'queued'));
  });

  void it('a runner failure (or a cancel dbt did not honour) ends the invocation without a result', () => {
    const build = loadStream('build');
    for (const cancelled of [false, true]) {
      const h = new InvocationHistory();
      const entry = h.start({ label: 'dbt build', args: ['build'], projectRoot: '/p', projectName: 'jaffle' });
      for (const e of build.events.slice(0, Math.floor(build.events.length / 2))) h.event(entry, e);
      h.fail(entry, 'the worker died', cancelled);
      assert.equal(entry.status, cancelled ? 'cancelled' : 'error');
      assert.equal(entry.error, 'the worker died');
      assert.ok(!entry.rows.some((r) => r.status === 'running' || r.status === 'queued'));
    }
  });

  void it('counts the invocations that ended (by a result or a failure), not those started or streaming', () => {
    const build = loadStream('build');
    const h = new InvocationHistory();
    const a = h.start({ label: 'dbt build', args: ['build'], projectRoot: '/p', projectName: 'jaffle' });
    const b = h.start({ label: 'dbt build', args: ['build'], projectRoot: '/p', projectName: 'jaffle' });
    for (const e of build.events) h.event(a, e);
    assert.equal(h.ended, 0);
    h.finish(a, resultOf(build));
    assert.equal(h.ended, 1);
    h.fail(b, 'the worker died');
    assert.equal(h.ended, 2);
  });

  void it('reads dbt 1.8 streams too', () => {
    const old = loadStream('dbt18/build');
    const h = new InvocationHistory();
    const entry = replay(h, old);
    assert.equal(status(entry, FAILING_TEST), 'fail');
    assert.equal(status(entry, WARNING_TEST), 'warn');
    assert.equal(status(entry, ORDERS), 'success');
  });

  void it('ignores events without a node and summary events that repeat node info', () => {
    const h = new InvocationHistory();
    const entry = h.start({ label: 'x', args: ['build'], projectRoot: '/p', projectName: 'p' });
    const summary: RawDbtEvent = {
      info: { name: 'RunResultFailure', level: 'error' },
      data: { node_info: { unique_id: 'test.p.t', node_status: 'None', node_name: 't', resource_type: 'test' } },
    };
    h.event(entry, summary);
    h.event(entry, { info: { name: 'MainReportVersion' }, data: { version: '1.12.6' } });
    assert.deepEqual(entry.rows, []);
    assert.equal(entry.status, 'running');
  });
});

void describe('InvocationHistory: the first-hour regressions', () => {
  const build = loadStream('build');

  void it('a cancelled build says cancelled, counts what finished and lists what never ran', () => {
    const h = new InvocationHistory();
    const entry = h.start({ label: 'dbt build', args: ['build'], projectRoot: '/p', projectName: 'jaffle' });
    const cut = Math.floor(build.events.length / 2);
    for (const e of build.events.slice(0, cut)) h.event(entry, e);
    h.finish(entry, { command: 'build', success: false, exitCode: 2, nodes: [], output: { kind: 'none' }, exception: { type: 'KeyboardInterrupt', message: '' }, elapsedSeconds: 1, parsed: false, cancelled: true, backend: 'worker' });
    const finished = entry.rows.filter((r) => r.status !== 'cancelled').length;
    // What `dbt ls` of the same selection lists (every node of the build).
    const all = resultOf(build).nodes.map((n) => ({ uniqueId: n.uniqueId, name: n.name, resourceType: n.resourceType }));
    h.addNotRun(entry, all);
    const notRun = entry.rows.filter((r) => r.status === 'not run');
    assert.equal(entry.status, 'cancelled');
    assert.ok(notRun.length > 0 && notRun.length === all.length - entry.rows.filter((r) => r.status !== 'not run').length);
    assert.equal(entry.rows.filter((r) => r.status !== 'cancelled' && r.status !== 'not run').length, finished, 'the finished nodes keep their results');
    const summary = countsText(entry.state.counts);
    assert.match(summary, new RegExp(`\\b${notRun.length} not run\\b`));
    assert.doesNotMatch(summary, /inv-\d+/);
  });

  void it('"nothing to do" is its own outcome, not a success', () => {
    const h = new InvocationHistory();
    const stream = loadStream('unknown_selector');
    const entry = h.start({ label: 'dbt run', args: stream.args, projectRoot: '/p', projectName: 'jaffle' });
    for (const e of stream.events) h.event(entry, e);
    h.finish(entry, resultOf(stream));
    assert.equal(entry.result?.success, true, 'dbt calls it a success');
    assert.equal(entry.status, 'nothing');
    assert.deepEqual(entry.state.summary.unmatched, ['no_such_model']);
  });

  void it('survives a reload: invocations, their rows and the test results, bounded', () => {
    const h = new InvocationHistory();
    const first = replay(h, build);
    h.finish(first, resultOf(build));
    const second = replay(h, loadStream('run_one'));
    h.finish(second, resultOf(loadStream('run_one')));
    const saved = JSON.parse(JSON.stringify({ history: h.toJSON(), tests: h.tests.toJSON() }));
    const back = InvocationHistory.restore(saved.history, TestState.from(saved.tests));
    assert.deepEqual(back.list().map((e) => [e.id, e.label, e.status, e.rows.length]), h.list().map((e) => [e.id, e.label, e.status, e.rows.length]));
    assert.equal(back.list()[1]?.rows.find((r) => r.uniqueId === FAILING_TEST)?.status, 'fail');
    assert.equal(countsText(back.list()[1]!.state.counts), countsText(first.state.counts));
    assert.equal(back.tests.get('/p', FAILING_TEST)?.outcome, 'fail');
    assert.deepEqual(back.testGroups().map((g) => g.subject), h.testGroups().map((g) => g.subject));
    const next = back.start({ label: 'dbt test', args: ['test'], projectRoot: '/p', projectName: 'jaffle' });
    assert.ok(next.id > second.id, 'new invocations are newer than the restored ones');
    // Bounded: at most maxRows rows in all, newest invocations first.
    const small = InvocationHistory.restore(h.toJSON(5), new TestState());
    assert.equal(small.list().reduce((n, e) => n + e.rows.length, 0), 5);
    assert.equal(InvocationHistory.restore({ version: 1, invocations: [{ junk: 1 }] }, new TestState()).list().length, 0);
  });
});
