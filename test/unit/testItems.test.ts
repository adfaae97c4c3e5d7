// What the Testing view shows: the fixture manifest's tests grouped by
// subject, and the Testing API outcomes of a recorded real `dbt test`
// replayed through the same history the Test Results tree reads.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runsTests, subjectSelector, testOutcome, testSubjects } from '../../src/dbt/testItems';
import { InvocationHistory } from '../../src/dbt/treeModel';
import { loadStream, resultOf } from './eventStreams';
import { jaffleIndex } from './server-fixture';

const FAILING = 'test.jaffle.accepted_values_orders_status__placed__shipped__completed__return_pending__returned.be6b5b5ec3';
const WARNING = 'test.jaffle.accepted_values_stg_payments_payment_method__credit_card__coupon__bank_transfer.1a6bf817f5';
const UNIT = 'unit_test.jaffle.stg_payments.test_stg_payments_converts_cents_to_dollars';
const SINGULAR = 'test.jaffle.assert_order_amounts_are_not_negative';

void describe('testSubjects on the fixture manifest', () => {
  const subjects = testSubjects(jaffleIndex());
  const byName = new Map(subjects.map((s) => [s.name, s]));

  void it('groups every enabled test once, under the node it tests', () => {
    const all = subjects.flatMap((s) => s.tests.map((t) => t.uniqueId));
    assert.equal(new Set(all).size, all.length);
    assert.ok(byName.get('orders')!.tests.some((t) => t.uniqueId === FAILING));
    assert.ok(byName.get('orders')!.tests.some((t) => t.uniqueId === SINGULAR), 'a singular test sits under what it refs');
    assert.ok(byName.get('stg_payments')!.tests.some((t) => t.uniqueId === UNIT));
    assert.equal(byName.get('orders')!.resourceType, 'model');
    assert.equal(byName.get('orders')!.file, 'models/marts/orders.sql');
  });

  void it('selects a model subject by name and a source subject with source:', () => {
    assert.equal(subjectSelector(byName.get('orders')!), 'orders');
    assert.equal(subjectSelector({ uniqueId: 'source.jaffle.raw.orders', name: 'raw.orders', resourceType: 'source' }), 'source:raw.orders');
  });
});

void describe('testOutcome from a recorded dbt test', () => {
  const stream = loadStream('test');
  const history = new InvocationHistory();
  const entry = history.start({ label: 'dbt test', args: stream.args, projectRoot: '/p', projectName: 'jaffle' });
  const seen = new Map<string, Set<string>>();
  for (const e of stream.events) {
    history.event(entry, e);
    for (const n of entry.rows) {
      if (!seen.has(n.uniqueId)) seen.set(n.uniqueId, new Set());
      seen.get(n.uniqueId)!.add(testOutcome(n).state);
    }
  }
  history.finish(entry, resultOf(stream));
  const outcome = (id: string) => testOutcome(entry.rows.find((n) => n.uniqueId === id)!);

  void it('goes running, then its final state, live from the events', () => {
    assert.deepEqual([...seen.get(FAILING)!], ['running', 'failed']);
    assert.deepEqual([...seen.get(UNIT)!], ['running', 'passed']);
  });

  void it('fails a failing test with dbt\'s message and the failing-row count', () => {
    const o = outcome(FAILING);
    assert.equal(o.state, 'failed');
    assert.equal(o.failures, 1);
    assert.match(o.message!, /^FAIL · 1 failing row/);
    assert.ok(o.durationMs! > 0);
  });

  void it('passes a warning with its message kept', () => {
    const o = outcome(WARNING);
    assert.deepEqual([o.state, o.warned], ['passed', true]);
    assert.match(o.message!, /^WARN/);
  });

  void it('passes the passing ones without a message', () => {
    const o = outcome(SINGULAR);
    assert.deepEqual([o.state, o.warned, o.message], ['passed', false, undefined]);
  });

  void it('maps errors, skips and cancels', () => {
    const node = entry.rows.find((n) => n.uniqueId === SINGULAR)!;
    assert.equal(testOutcome({ ...node, status: 'error', message: 'Binder Error' }).state, 'errored');
    assert.match(testOutcome({ ...node, status: 'error', message: 'Binder Error' }).message!, /Binder Error/);
    assert.equal(testOutcome({ ...node, status: 'skipped' }).state, 'skipped');
    assert.equal(testOutcome({ ...node, status: 'cancelled' }).state, 'skipped');
    assert.equal(testOutcome({ ...node, status: 'queued' }).state, 'queued');
  });
});

void describe('runsTests', () => {
  void it('says which recorded invocations report test outcomes: test and build, not show or compile', () => {
    assert.deepEqual(['test', 'build', 'show', 'compile_one'].map((n) => runsTests(loadStream(n).args)), [true, true, false, false]);
    assert.equal(runsTests(['retry']), true);
  });
});
