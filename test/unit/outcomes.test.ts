// One vocabulary for outcomes, and rows that keep outcome and time in sight.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countsText, formatSeconds, outcomeOf, rowText } from '../../src/dbt/outcomes';

void describe('outcomes', () => {
  void it("uses dbt's words: a model's success is a pass, a runtime error an error", () => {
    assert.deepEqual(['success', 'pass', 'partial success', 'runtime error', 'fail', 'not run', 'something new'].map(outcomeOf), ['pass', 'pass', 'warn', 'error', 'fail', 'not run', 'unknown']);
  });
  void it('counts in a fixed order and leaves zeros out', () => {
    assert.equal(countsText({ success: 20, pass: 5, fail: 1, warn: 1, 'no-op': 1, error: 0 }), '25 pass, 1 warn, 1 fail, 1 no-op');
    assert.equal(countsText({ cancelled: 1, 'not run': 13, success: 16 }), '16 pass, 1 cancelled, 13 not run');
    assert.equal(countsText({}), '');
  });
  void it('formats durations', () => {
    assert.deepEqual([0.4211, 12.34, 185, undefined].map(formatSeconds), ['0.42 s', '12.3 s', '3 min 5 s', '']);
  });
  void it('puts outcome and time before the name, so a long name cannot hide them', () => {
    const long = 'accepted_values_orders_status__placed__shipped__completed__return_pending__returned';
    const row = rowText(long, 'fail', 0.0512, { failures: 1 });
    assert.equal(row.label, `fail 1 · 0.05 s  ${long}`);
    assert.ok(row.label.indexOf('0.05 s') < row.label.indexOf(long));
    assert.equal(row.accessible, `${long}, fail 1 · 0.05 s`);
    assert.equal(rowText('m', 'not run', 0).label, 'not run  m');
    assert.equal(rowText('m', 'pass', 1.5, { stale: true }).label, 'pass (stale) · 1.50 s  m');
  });
});
