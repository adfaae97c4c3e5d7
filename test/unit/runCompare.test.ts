// Comparing two runs of the same command, and what "Retry failed" runs.
// The runs are recorded real dbt streams (test/fixtures/events) replayed
// through the same history the views use.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareRuns, failedNodes, retryArgs, sameCommand, type RunSummary } from '../../src/dbt/runCompare';
import type { NodeRun } from '../../src/dbt/results';
import { InvocationHistory } from '../../src/dbt/treeModel';
import { loadStream, resultOf } from './eventStreams';

function recorded(name: string, id = 1): RunSummary {
  const stream = loadStream(name);
  const history = new InvocationHistory();
  const entry = history.start({ label: name, args: stream.args, projectRoot: '/p', projectName: 'jaffle' });
  for (const e of stream.events) history.event(entry, e);
  history.finish(entry, resultOf(stream));
  return { id, args: entry.args, projectRoot: '/p', rows: entry.rows };
}

function withRow(run: RunSummary, id: string, change: Partial<NodeRun>): RunSummary {
  return { ...run, id: run.id + 1, rows: run.rows.map((n) => (n.uniqueId === id ? { ...n, ...change } : n)) };
}

void describe('compareRuns on a recorded dbt build', () => {
  const before = recorded('build');

  void it('finds nothing changed between a run and itself', () => {
    const diffs = compareRuns(before, { ...before, id: 2 });
    assert.ok(diffs.length > 0 && diffs.every((d) => d.kind === 'same' && d.deltaSeconds === 0));
  });

  void it('puts status changes first, then what got slower, by how much', () => {
    const orders = before.rows.find((n) => n.name === 'orders')!;
    const customers = before.rows.find((n) => n.name === 'customers')!;
    let after = withRow(before, orders.uniqueId, { durationSeconds: orders.durationSeconds! + 3 });
    after = withRow(after, customers.uniqueId, { status: 'error', durationSeconds: customers.durationSeconds });
    const diffs = compareRuns(before, after);
    assert.equal(diffs[0]!.name, 'customers');
    assert.equal(diffs[0]!.kind, 'status');
    assert.deepEqual([diffs[0]!.before?.status, diffs[0]!.after?.status], ['success', 'error']);
    assert.equal(diffs[1]!.name, 'orders');
    assert.equal(diffs[1]!.kind, 'slower');
    assert.ok(Math.abs(diffs[1]!.deltaSeconds! - 3) < 1e-9);
  });

  void it('ignores jitter below both thresholds, and lists added and removed nodes', () => {
    const seed = before.rows.find((n) => n.resourceType === 'seed')!;
    const jitter = withRow(before, seed.uniqueId, { durationSeconds: seed.durationSeconds! + 0.05 });
    assert.equal(compareRuns(before, jitter).find((d) => d.uniqueId === seed.uniqueId)?.kind, 'same');
    const fewer = { ...before, id: 2, rows: before.rows.filter((n) => n.uniqueId !== seed.uniqueId) };
    assert.equal(compareRuns(before, fewer).find((d) => d.uniqueId === seed.uniqueId)?.kind, 'removed');
    assert.equal(compareRuns(fewer, before).find((d) => d.uniqueId === seed.uniqueId)?.kind, 'added');
  });

  void it('compares runs of the same arguments on the same project only', () => {
    assert.equal(sameCommand(before, { ...before, id: 2 }), true);
    assert.equal(sameCommand(before, { ...before, args: ['build', '--select', 'orders'] }), false);
    assert.equal(sameCommand(before, { ...before, projectRoot: '/q' }), false);
  });
});

void describe('Retry failed', () => {
  const build = recorded('build');

  void it('retries the failed test of the recorded build', () => {
    assert.deepEqual(failedNodes(build).map((n) => n.name), ['accepted_values_orders_status__placed__shipped__completed__return_pending__returned']);
  });

  void it('is `dbt retry` for the latest run, keeping where and how to connect', () => {
    const run = { ...build, args: ['build', '--select', 'orders+', '--target', 'ci', '--vars', '{"a": 1}', '--full-refresh'] };
    assert.deepEqual(retryArgs(run, true), ['retry', '--target', 'ci', '--vars', '{"a": 1}']);
  });

  void it('selects the failed nodes again for an older run, with its flags', () => {
    const run = { ...build, args: ['build', '--profiles-dir=/x', '--full-refresh'] };
    assert.deepEqual(retryArgs(run, false), ['build', '--select', 'accepted_values_orders_status__placed__shipped__completed__return_pending__returned', '--profiles-dir=/x', '--full-refresh']);
  });

  void it('has nothing to retry for a clean run or a command dbt cannot retry', () => {
    assert.equal(retryArgs(recorded('run_one'), true), undefined);
    assert.equal(retryArgs({ ...build, args: ['show', '--select', 'x'] }, true), undefined);
  });
});
