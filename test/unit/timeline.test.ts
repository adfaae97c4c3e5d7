// The run timeline, laid out from recorded real dbt builds
// (test/fixtures/events, 4 threads) with the fixture manifest's
// dependencies: lanes by thread, bars from node start to end, and the
// critical path.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { layoutTimeline } from '../../src/dbt/timeline';
import { InvocationHistory, type InvocationEntry } from '../../src/dbt/treeModel';
import { loadStream, resultOf, type Stream } from './eventStreams';
import { jaffleIndex } from './server-fixture';
import { PASSING_TESTS } from '../fixtures/lib/jaffleIds';

const index = jaffleIndex();
const parentsOf = (id: string) => index.parents(id);

function replay(stream: Stream, upTo = stream.events.length): InvocationEntry {
  const history = new InvocationHistory();
  const entry = history.start({ label: 'dbt build', args: stream.args, projectRoot: '/p', projectName: 'jaffle' });
  for (const e of stream.events.slice(0, upTo)) history.event(entry, e);
  return entry;
}

void describe('layoutTimeline on a recorded dbt build (dbt 1.12, 4 threads)', () => {
  const build = loadStream('build');
  const entry = replay(build);
  const layout = layoutTimeline(entry.rows, parentsOf);

  void it('has one lane per dbt thread, in thread order', () => {
    assert.deepEqual(layout.lanes, ['Thread-1 (worker)', 'Thread-2 (worker)', 'Thread-3 (worker)', 'Thread-4 (worker)']);
  });

  void it('draws every node that ran, on the lane of the thread that ran it, without overlaps in a lane', () => {
    const started = entry.rows.filter((n) => n.startedAt);
    assert.equal(layout.bars.length, started.length);
    assert.equal(layout.bars.length, 29, "3 seeds, 7 models, 1 snapshot, 1 exposure, 16 data tests, 1 unit test");
    const seed = layout.bars.find((b) => b.uniqueId === 'seed.jaffle.raw_customers')!;
    assert.equal(layout.lanes[seed.lane], 'Thread-1 (worker)');
    assert.equal(seed.start, 0);
    for (let lane = 0; lane < layout.lanes.length; lane++) {
      const bars = layout.bars.filter((b) => b.lane === lane).sort((a, b) => a.start - b.start);
      for (let i = 1; i < bars.length; i++) assert.ok(bars[i]!.start >= bars[i - 1]!.end, `${bars[i - 1]!.name} and ${bars[i]!.name} overlap`);
    }
    assert.ok(layout.bars.every((b) => !b.open && b.end >= b.start));
    assert.equal(layout.span, Math.max(...layout.bars.map((b) => b.end)));
    const orders = layout.bars.find((b) => b.name === 'orders')!;
    assert.equal(orders.status, 'success');
  });

  void it('follows the critical path from the last node back through the dependency each one waited for', () => {
    // From the recording: the relationships test on orders ends last; orders
    // waited for int_order_payments, which waited for stg_payments, which
    // waited for raw_payments (the slowest seed).
    assert.deepEqual(layout.criticalPath, [
      'seed.jaffle.raw_payments',
      'model.jaffle.stg_payments',
      'model.jaffle.int_order_payments',
      'model.jaffle.orders',
      PASSING_TESTS.ordersCustomerIdRelationship,
    ]);
    const bars = new Map(layout.bars.map((b) => [b.uniqueId, b]));
    const path = layout.criticalPath.map((id) => bars.get(id)!);
    for (let i = 1; i < path.length; i++) assert.ok(path[i]!.start >= path[i - 1]!.end, 'each waits for the one before');
    assert.ok(path.every((b) => b.critical));
    assert.equal(layout.bars.filter((b) => b.critical).length, path.length);
    assert.equal(layout.criticalMs, path[path.length - 1]!.end - path[0]!.start);
  });

  void it('is live: mid-run, running nodes are open bars ending at "now"', () => {
    const firstModelResult = build.events.findIndex((e) => e.info.name === 'LogModelResult');
    const mid = replay(build, firstModelResult);
    const ts = Date.parse(build.events[firstModelResult]!.info.ts!);
    const live = layoutTimeline(mid.rows, parentsOf, ts);
    const open = live.bars.filter((b) => b.open);
    assert.ok(open.length > 0);
    assert.ok(open.every((b) => b.end === ts - live.origin));
    assert.ok(live.bars.some((b) => !b.open && b.status === 'success'));
  });

  void it('packs nodes without a thread (older history) into lanes of their own', () => {
    const rows = entry.rows.map((n) => ({ ...n, thread: undefined }));
    const packed = layoutTimeline(rows, parentsOf);
    assert.ok(packed.lanes.length >= 1 && packed.lanes.every((l) => l.startsWith('lane ')));
    for (let lane = 0; lane < packed.lanes.length; lane++) {
      const bars = packed.bars.filter((b) => b.lane === lane).sort((a, b) => a.start - b.start);
      for (let i = 1; i < bars.length; i++) assert.ok(bars[i]!.start >= bars[i - 1]!.end);
    }
    assert.deepEqual(packed.criticalPath, layout.criticalPath);
  });

  void it('is the same after the final result is applied', () => {
    const history = new InvocationHistory();
    const e = history.start({ label: 'dbt build', args: build.args, projectRoot: '/p', projectName: 'jaffle' });
    for (const ev of build.events) history.event(e, ev);
    history.finish(e, resultOf(build));
    assert.deepEqual(layoutTimeline(e.rows, parentsOf).criticalPath, layout.criticalPath);
  });

  void it('is empty for a run that started nothing', () => {
    const empty = layoutTimeline([], parentsOf, 1000);
    assert.deepEqual([empty.bars, empty.lanes, empty.criticalPath, empty.span], [[], [], [], 0]);
  });
});
