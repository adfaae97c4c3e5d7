// RunnerPool, as the editor (src/editor/runnerHost.ts) and the load test use
// it: one runner per project root, replaced when the settings it was made
// from change or it was marked outdated (once it has finished its work), a
// failed start not kept, restart of all, disposal. Runners are real
// QueuedRunners over a scripted backend (test/unit/scriptedBackend.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { manifestPathFor } from '../../src/dbt/manifestPath';
import { RunnerError } from '../../src/runner/api';
import { RunnerPool } from '../../src/runner/pool';
import { QueuedRunner } from '../../src/runner/runner';
import { ScriptedBackend } from './scriptedBackend';

interface Made {
  runner: QueuedRunner;
  backend: ScriptedBackend;
  name: string;
}

/** A recipe that makes runners named `name`, logging each creation to `log`. */
function recipe(name: string, log: string[], settings?: string) {
  return {
    settings,
    create: (projectRoot: string): Made => {
      log.push(`create ${name}`);
      const backend = new ScriptedBackend();
      return { runner: new QueuedRunner(projectRoot, async () => backend), backend, name };
    },
  };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

void test('one runner per project root, made once even when asked for at the same time', async () => {
  const pool = new RunnerPool<Made>();
  const log: string[] = [];
  const [a1, a2, a3] = await Promise.all([
    pool.get('/work/projects/a/', recipe('a', log)),
    pool.get('/work/projects/a', recipe('a', log)),
    pool.get('/work/projects/b/../a', recipe('a', log)),
  ]);
  assert.equal(a1, a2);
  assert.equal(a1, a3);
  assert.equal(a1.runner.projectRoot, '/work/projects/a', 'made for the resolved root');
  const b = await pool.get('/work/projects/b', recipe('b', log));
  assert.notEqual(a1, b);
  assert.deepEqual(log, ['create a', 'create b']);
  assert.equal(pool.size, 2);
  assert.ok(pool.has('/work/projects/a/'));
  assert.notEqual(manifestPathFor('/tmp/m', '/x/a'), manifestPathFor('/tmp/m', '/y/a'));
  assert.match(manifestPathFor('/tmp/m', '/x/jaffle shop'), /^\/tmp\/m\/jaffle_shop-[0-9a-f]{12}\.json$/);
  await pool.dispose();
});

void test('existing() gives the runner made for a project and never makes one', async () => {
  const pool = new RunnerPool<Made>();
  const log: string[] = [];
  assert.equal(pool.existing('/p/a'), undefined);
  const a = await pool.get('/p/a', recipe('a', log));
  assert.equal(await pool.existing('/p/a/'), a);
  assert.equal(pool.existing('/p/b'), undefined);
  assert.deepEqual(log, ['create a']);
  await pool.dispose();
});

void test('changed settings: new work waits for a new runner, made once the old one has finished its work', async () => {
  const pool = new RunnerPool<Made>();
  const log: string[] = [];
  const old = await pool.get('/p/a', recipe('old', log, 'python=1'));
  assert.equal(await pool.get('/p/a', recipe('unused', log, 'python=1')), old, 'same settings, same runner');
  const running = old.runner.invoke({ args: ['run'] });
  const call = await old.backend.reached(1);
  const next = pool.get('/p/a', recipe('new', log, 'python=2'));
  await tick();
  log.push('old run finished');
  call.finish();
  await running;
  const made = await next;
  assert.equal(made.name, 'new');
  assert.deepEqual(log, ['create old', 'old run finished', 'create new']);
  assert.ok(old.backend.disposed, 'the old runner stopped');
  await assert.rejects(old.runner.invoke({ args: ['run'] }), (e: RunnerError) => e.code === 'disposed');
  assert.equal(await pool.get('/p/a', recipe('unused', log, 'python=2')), made);
  await pool.dispose();
});

void test('markOutdated(): the next get replaces every runner, even with the same settings', async () => {
  const pool = new RunnerPool<Made>();
  const log: string[] = [];
  const a = await pool.get('/p/a', recipe('a1', log, 's'));
  const b = await pool.get('/p/b', recipe('b1', log, 's'));
  pool.markOutdated();
  assert.equal((await pool.get('/p/a', recipe('a2', log, 's'))).name, 'a2');
  assert.equal((await pool.get('/p/b', recipe('b2', log, 's'))).name, 'b2');
  await assert.rejects(a.runner.invoke({ args: ['ls'] }), (e: RunnerError) => e.code === 'disposed');
  await assert.rejects(b.runner.invoke({ args: ['ls'] }), (e: RunnerError) => e.code === 'disposed');
  assert.deepEqual(log, ['create a1', 'create b1', 'create a2', 'create b2']);
  await pool.dispose();
});

void test('a failed start is shared by those waiting on it and not kept: the next get tries again', async () => {
  const pool = new RunnerPool<Made>();
  const log: string[] = [];
  const failing = {
    create: async (): Promise<Made> => {
      log.push('create failing');
      throw new RunnerError('no dbt here', 'dbt-not-installed');
    },
  };
  const both = await Promise.allSettled([pool.get('/p/a', failing), pool.get('/p/a', failing)]);
  assert.deepEqual(both.map((r) => r.status), ['rejected', 'rejected']);
  assert.equal(pool.has('/p/a'), false);
  assert.equal((await pool.get('/p/a', recipe('a', log))).name, 'a');
  assert.deepEqual(log, ['create failing', 'create a']);
  await pool.dispose();
});

void test('restartAll(): idle runners stop now, busy ones are replaced on next use once done', async () => {
  const pool = new RunnerPool<Made>();
  const log: string[] = [];
  const idle = await pool.get('/p/idle', recipe('idle', log));
  const listed = idle.runner.invoke({ args: ['ls'] });
  (await idle.backend.reached(1)).finish();
  await listed;
  const busy = await pool.get('/p/busy', recipe('busy', log));
  const running = busy.runner.invoke({ args: ['run'] });
  const call = await busy.backend.reached(1);
  await assert.rejects(pool.get('/p/broken', { create: () => Promise.reject(new Error('no python')) }));
  assert.equal(await pool.restartAll(), 2, 'the two runners that were made');
  assert.ok(idle.backend.disposed, 'the idle one stopped');
  assert.equal(pool.has('/p/idle'), false);
  assert.ok(!busy.backend.disposed, 'the busy one goes on');
  const next = pool.get('/p/busy', recipe('busy2', log));
  await tick();
  log.push('busy run finished');
  call.finish();
  assert.equal((await running).exitCode, 0);
  assert.equal((await next).name, 'busy2');
  assert.ok(busy.backend.disposed);
  assert.deepEqual(log, ['create idle', 'create busy', 'busy run finished', 'create busy2']);
  await pool.dispose();
});

void test('release() and dispose() stop the runners', async () => {
  const pool = new RunnerPool<Made>();
  const log: string[] = [];
  const a = await pool.get('/p/a', recipe('a', log));
  const b = await pool.get('/p/b', recipe('b', log));
  await pool.release('/p/a/');
  assert.ok(!pool.has('/p/a'));
  await assert.rejects(a.runner.invoke({ args: ['run'] }), (e: RunnerError) => e.code === 'disposed');
  await pool.dispose();
  assert.equal(pool.size, 0);
  await assert.rejects(b.runner.invoke({ args: ['run'] }), (e: RunnerError) => e.code === 'disposed');
});
