// The queue and cancel logic of the runner, with a scripted backend in place
// of Python (the real backends are covered by test/integration/runner*.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InvocationResult } from '../../src/dbt/protocol';
import { RunnerError } from '../../src/runner/api';
import type { Backend, BackendCall, BackendRequest } from '../../src/runner/backend';
import { manifestPathFor } from '../../src/dbt/manifestPath';
import { RunnerPool } from '../../src/runner/pool';
import { QueuedRunner } from '../../src/runner/runner';

interface Call {
  request: BackendRequest;
  call: BackendCall;
  finish: (exitCode?: 0 | 1 | 2) => void;
  fail: (e: Error) => void;
}

class ScriptedBackend implements Backend {
  readonly kind = 'worker' as const;
  readonly calls: Call[] = [];
  active = 0;
  maxActive = 0;
  disposed = false;
  private waiters: (() => void)[] = [];

  run(request: BackendRequest, call: BackendCall): Promise<InvocationResult> {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    return new Promise((resolve, reject) => {
      const done = () => this.active--;
      this.calls.push({
        request,
        call,
        finish: (exitCode = 0) => {
          done();
          resolve(result(request.args[0] ?? 'parse', exitCode));
        },
        fail: (e) => {
          done();
          reject(e);
        },
      });
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Resolves once `n` calls have reached the backend. */
  async reached(n: number): Promise<Call> {
    while (this.calls.length < n) await new Promise<void>((r) => this.waiters.push(r));
    return this.calls[n - 1];
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

function result(command: string, exitCode: 0 | 1 | 2): InvocationResult {
  return { command, success: exitCode === 0, exitCode, nodes: [], output: { kind: 'none' }, elapsedSeconds: 0, parsed: false, cancelled: false, backend: 'worker' };
}

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

void test('RunnerPool keeps one runner per project root and a distinct manifest path each', async () => {
  const pool = new RunnerPool({ python: '/no/python', workerScript: '/no/worker.py', manifestDir: '/tmp/m' });
  const a = pool.get('/work/projects/a');
  assert.equal(pool.get('/work/projects/a/'), a);
  assert.equal(pool.get('/work/projects/b/../a'), a);
  const b = pool.get('/work/projects/b');
  assert.notEqual(a, b);
  assert.equal(pool.size, 2);
  assert.notEqual(manifestPathFor('/tmp/m', '/x/a'), manifestPathFor('/tmp/m', '/y/a'));
  assert.match(manifestPathFor('/tmp/m', '/x/jaffle shop'), /^\/tmp\/m\/jaffle_shop-[0-9a-f]{12}\.json$/);
  await pool.release('/work/projects/a');
  assert.ok(!pool.has('/work/projects/a'));
  await assert.rejects(a.invoke({ args: ['run'] }), (e: RunnerError) => e.code === 'disposed');
  await pool.dispose();
  assert.equal(pool.size, 0);
});
