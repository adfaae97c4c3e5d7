// What the Testing view shows: the fixture manifest's tests grouped by
// subject, and the Testing API outcomes of recorded real dbt invocations
// replayed through the history, read from its one test-result record (the
// one the Test Results tree and Problems read).
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resultsOf, subjectSelector, testingOutcome, testSubjects } from '../../src/dbt/testItems';
import { InvocationHistory, type InvocationEntry, type NodeRun } from '../../src/dbt/treeModel';
import { loadStream, resultOf } from './eventStreams';
import { jaffleIndex } from './server-fixture';
import { FAILING_TEST, SINGULAR_TEST, UNIT_TEST, WARNING_TEST } from '../fixtures/lib/jaffleIds';

void describe('testSubjects on the fixture manifest', () => {
  const subjects = testSubjects(jaffleIndex());
  const byName = new Map(subjects.map((s) => [s.name, s]));

  void it('groups every enabled test once, under the node it tests', () => {
    const all = subjects.flatMap((s) => s.tests.map((t) => t.uniqueId));
    assert.equal(new Set(all).size, all.length);
    assert.ok(byName.get('orders')!.tests.some((t) => t.uniqueId === FAILING_TEST));
    assert.ok(byName.get('orders')!.tests.some((t) => t.uniqueId === SINGULAR_TEST), 'a singular test sits under what it refs');
    assert.ok(byName.get('stg_payments')!.tests.some((t) => t.uniqueId === UNIT_TEST));
    assert.equal(byName.get('orders')!.resourceType, 'model');
    assert.equal(byName.get('orders')!.file, 'models/marts/orders.sql');
  });

  void it('selects a model subject by name and a source subject with source:', () => {
    assert.equal(subjectSelector(byName.get('orders')!), 'orders');
    assert.equal(subjectSelector({ uniqueId: 'source.jaffle.raw.orders', name: 'raw.orders', resourceType: 'source' }), 'source:raw.orders');
  });
});

/** Replays a recorded stream through `history` (the one test-result record is `history.tests`); calls `each` after every event. */
function replay(history: InvocationHistory, name: string, each: () => void = () => undefined): InvocationEntry {
  const stream = loadStream(name);
  const entry = history.start({ label: `dbt ${name}`, args: stream.args, projectRoot: '/p', projectName: 'jaffle' });
  for (const e of stream.events) {
    history.event(entry, e);
    each();
  }
  history.finish(entry, resultOf(stream));
  return entry;
}

void describe('testingOutcome from the test results of a recorded dbt test', () => {
  const history = new InvocationHistory();
  const seen = new Map<string, Set<string>>();
  const test = replay(history, 'test', () => {
    for (const r of history.tests.all()) {
      if (!seen.has(r.uniqueId)) seen.set(r.uniqueId, new Set());
      seen.get(r.uniqueId)!.add(testingOutcome(r)!.state);
    }
  });
  const outcome = (id: string) => testingOutcome(history.tests.get('/p', id)!)!;

  void it('goes running, then its final state, live from the events', () => {
    assert.deepEqual([...seen.get(FAILING_TEST)!], ['running', 'failed']);
    assert.deepEqual([...seen.get(UNIT_TEST)!], ['running', 'passed']);
  });

  void it('fails a failing test with dbt\'s message and the failing-row count', () => {
    const o = outcome(FAILING_TEST);
    assert.equal(o.state, 'failed');
    assert.equal(o.failures, 1);
    assert.match(o.message!, /^FAIL · 1 failing row/);
    assert.ok(o.durationMs! > 0);
  });

  void it('passes a warning with its message kept', () => {
    const o = outcome(WARNING_TEST);
    assert.deepEqual([o.state, o.warned], ['passed', true]);
    assert.match(o.message!, /^WARN/);
  });

  void it('passes the passing ones without a message', () => {
    const o = outcome(SINGULAR_TEST);
    assert.deepEqual([o.state, o.warned, o.message], ['passed', false, undefined]);
  });

  void it('maps errors and skips; a test with no result has no outcome', () => {
    const r = history.tests.get('/p', SINGULAR_TEST)!;
    assert.equal(testingOutcome({ ...r, outcome: 'error', message: 'Binder Error' })!.state, 'errored');
    assert.match(testingOutcome({ ...r, outcome: 'error', message: 'Binder Error' })!.message!, /^ERROR\nBinder Error/);
    assert.equal(testingOutcome({ ...r, outcome: 'skipped' })!.state, 'skipped');
    assert.equal(testingOutcome({ ...r, outcome: undefined }), undefined);
  });

  void it('reports what the dbt test produced, every test it ran', () => {
    const produced = resultsOf(history.tests.all(), test.id, test.startedAt).map((r) => r.uniqueId);
    assert.ok(produced.includes(FAILING_TEST) && produced.includes(UNIT_TEST) && produced.includes(SINGULAR_TEST));
    assert.equal(produced.length, test.rows.filter((n) => n.resourceType === 'test' || n.resourceType === 'unit_test').length);
  });
});

void describe('the Testing view reads the one test-result record', () => {
  void it('a Show Failing Rows (dbt show of the failing test) or a compile reports nothing and leaves the failure', () => {
    const history = new InvocationHistory();
    replay(history, 'test');
    for (const name of ['show_failing_test', 'compile_one']) {
      const entry = replay(history, name);
      assert.deepEqual(resultsOf(history.tests.all(), entry.id, entry.startedAt), [], name);
      assert.equal(testingOutcome(history.tests.get('/p', FAILING_TEST)!)!.state, 'failed', name);
    }
  });

  void it('a test the manifest no longer has has no outcome', () => {
    const history = new InvocationHistory();
    replay(history, 'test');
    history.tests.retain('/p', (id) => id !== FAILING_TEST);
    assert.equal(history.tests.get('/p', FAILING_TEST), undefined);
    assert.ok(history.tests.get('/p', UNIT_TEST));
  });

  void it('a test cancelled while running keeps its older result, which the cancelled invocation did not produce', () => {
    const history = new InvocationHistory();
    replay(history, 'test');
    const failed = history.tests.get('/p', FAILING_TEST)!;
    const node = { uniqueId: FAILING_TEST, name: failed.name, resourceType: 'test', status: 'running' } as NodeRun;
    const entry = history.start({ label: 'dbt test', args: ['test'], projectRoot: '/p', projectName: 'jaffle' });
    history.tests.record('/p', 'test', entry.id, node, entry.startedAt);
    assert.deepEqual(resultsOf(history.tests.all(), entry.id, entry.startedAt).map((r) => testingOutcome(r)!.state), ['running']);
    history.tests.record('/p', 'test', entry.id, { ...node, status: 'cancelled' }, entry.startedAt);
    assert.deepEqual(resultsOf(history.tests.all(), entry.id, entry.startedAt), []);
    assert.equal(testingOutcome(history.tests.get('/p', FAILING_TEST)!)!.state, 'failed');
  });
});
