// The refresh batching of the Invocations and Test Results trees
// (src/editor/refreshBatch.ts), on node's mocked clock.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { RefreshBatch } from '../../src/editor/refreshBatch';

void test('one run per interval while events stream in; at once when an invocation ended', () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 10_000 });
  try {
    const history = { ended: 0 };
    let runs = 0;
    const batch = new RefreshBatch(history, () => runs++);
    batch.request(300);
    assert.equal(runs, 1, 'the first request runs at once');
    batch.request(300);
    batch.request(300);
    assert.equal(runs, 1, 'within the interval: batched');
    mock.timers.tick(299);
    assert.equal(runs, 1);
    mock.timers.tick(1);
    assert.equal(runs, 2, 'one run for the batched requests, when the interval is over');
    batch.request(300);
    history.ended++;
    batch.request(300);
    assert.equal(runs, 3, 'an invocation ended: at once, and the pending run is dropped');
    mock.timers.tick(1000);
    assert.equal(runs, 3);
    batch.request(300);
    assert.equal(runs, 4, 'past the interval: at once');
    batch.request(300);
    batch.dispose();
    mock.timers.tick(1000);
    assert.equal(runs, 4, 'the pending run is dropped on dispose');
  } finally {
    mock.timers.reset();
  }
});
