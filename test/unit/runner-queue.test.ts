// The queue and cancel logic of the runner, with a scripted backend in place
// of Python (the real backends are covered by test/integration/runner*.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunnerError } from '../../src/runner/api';
import { QueuedRunner } from '../../src/runner/runner';
import { ScriptedBackend } from './scriptedBackend';

const tick = () => new Promise<void>((r) => setImmediate(r));

void test('invocations run one at a time, in order', async () => {
  const backend = new ScriptedBackend();
  const runner = new QueuedRunner('/p', async () => backend);
  const p1 = runner.invoke({ args: ['run'] });
  const p2 = runner.invoke({ args: ['test'] });
  const p3 = runner.invoke({ args: ['seed'] });
  const c1 = await backend.reached(1);
  await tick();
  assert.equal(backend.calls.length, 1);
  assert.equal(runner.queueLength, 2);
  assert.ok(runner.busy);
  c1.finish();
  (await backend.reached(2)).finish(1);
  (await backend.reached(3)).finish(2);
  const results = await Promise.all([p1, p2, p3]);
  assert.deepEqual(results.map((r) => [r.command, r.exitCode]), [['run', 0], ['test', 1], ['seed', 2]]);
  assert.equal(backend.maxActive, 1);
  assert.ok(!runner.busy);
});

void test('a queued invocation that is aborted never reaches the backend and resolves as cancelled', async () => {
  const backend = new ScriptedBackend();
  const runner = new QueuedRunner('/p', async () => backend);
  const p1 = runner.invoke({ args: ['run'] });
  const ac = new AbortController();
  const p2 = runner.invoke({ args: ['build'] }, { signal: ac.signal });
  const p3 = runner.invoke({ args: ['ls'] });
  const c1 = await backend.reached(1);
  ac.abort();
  const r2 = await p2;
  assert.equal(r2.cancelled, true);
  assert.equal(r2.exitCode, 2);
  assert.equal(r2.command, 'build');
  assert.equal(runner.queueLength, 1);
  c1.finish();
  (await backend.reached(2)).finish();
  await Promise.all([p1, p3]);
  assert.deepEqual(backend.calls.map((c) => c.request.args[0]), ['run', 'ls']);
});

void test('an already aborted signal resolves as cancelled without running', async () => {
  const backend = new ScriptedBackend();
  const runner = new QueuedRunner('/p', async () => backend);
  const r = await runner.invoke({ args: ['run'] }, { signal: AbortSignal.abort() });
  assert.equal(r.cancelled, true);
  assert.equal(backend.calls.length, 0);
});

void test('aborting the running invocation reaches the backend, and the queue goes on after its error', async () => {
  const backend = new ScriptedBackend();
  const runner = new QueuedRunner('/p', async () => backend);
  const ac = new AbortController();
  const p1 = runner.invoke({ args: ['run'] }, { signal: ac.signal });
  const p2 = runner.invoke({ args: ['test'] });
  const c1 = await backend.reached(1);
  let seen = false;
  c1.call.signal?.addEventListener('abort', () => (seen = true));
  ac.abort();
  assert.ok(seen);
  c1.fail(new RunnerError('killed', 'cancelled'));
  await assert.rejects(p1, (e: RunnerError) => e.code === 'cancelled');
  (await backend.reached(2)).finish();
  assert.equal((await p2).command, 'test');
});

void test('dispose rejects queued work and disposes the backend', async () => {
  const backend = new ScriptedBackend();
  const runner = new QueuedRunner('/p', async () => backend);
  const p1 = runner.invoke({ args: ['run'] });
  const p2 = runner.invoke({ args: ['test'] });
  const c1 = await backend.reached(1);
  const disposed = runner.dispose();
  await assert.rejects(p2, (e: RunnerError) => e.code === 'disposed' && /before this invocation started/.test(e.message));
  await disposed;
  assert.ok(backend.disposed);
  c1.finish();
  await p1;
  await assert.rejects(runner.invoke({ args: ['run'] }), (e: RunnerError) => e.code === 'disposed');
});

void test('a backend that fails to start rejects the request; the next request tries again', async () => {
  let attempts = 0;
  const backend = new ScriptedBackend();
  const runner = new QueuedRunner('/p', async () => {
    attempts++;
    if (attempts === 1) throw new RunnerError('no dbt', 'dbt-not-installed');
    return backend;
  });
  await assert.rejects(runner.invoke({ args: ['run'] }), (e: RunnerError) => e.code === 'dbt-not-installed');
  const p = runner.invoke({ args: ['run'] });
  (await backend.reached(1)).finish();
  assert.equal((await p).exitCode, 0);
  assert.equal(attempts, 2);
});

void test('invalidate() makes the next invocation force a parse, once', async () => {
  const backend = new ScriptedBackend();
  const runner = new QueuedRunner('/p', async () => backend);
  runner.invalidate();
  const p1 = runner.invoke({ args: ['run'] });
  (await backend.reached(1)).finish();
  await p1;
  const p2 = runner.parse();
  (await backend.reached(2)).finish();
  await p2;
  assert.equal(backend.calls[0].request.forceParse, true);
  assert.equal(backend.calls[1].request.forceParse, false);
  assert.equal(backend.calls[1].request.ensureParsed, true);
});

void test('args are validated before queueing', () => {
  const runner = new QueuedRunner('/p', async () => new ScriptedBackend());
  assert.throws(() => runner.invoke({ args: ['run', 1 as unknown as string] }), /array of strings/);
});

void test('whenIdle() resolves once nothing runs and nothing waits', async () => {
  const backend = new ScriptedBackend();
  const runner = new QueuedRunner('/p', async () => backend);
  await runner.whenIdle();
  const order: string[] = [];
  const p1 = runner.invoke({ args: ['run'] });
  const p2 = runner.invoke({ args: ['test'] });
  const idle = runner.whenIdle().then(() => order.push('idle'));
  (await backend.reached(1)).finish();
  await p1.then(() => order.push('run'));
  await tick();
  order.push('test finishing');
  (await backend.reached(2)).finish();
  await Promise.all([p2, idle]);
  assert.deepEqual(order, ['run', 'test finishing', 'idle']);
  assert.ok(!runner.busy && runner.queueLength === 0);
});
