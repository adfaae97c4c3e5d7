// Faults the runner must survive, each on real dbt-core and DuckDB: a worker
// SIGKILLed mid-build, a model that hangs and ignores cancel, dbt failing
// inside a macro it calls back into, Python or dbt removed under a running
// extension, the project folder deleted or renamed. After each: no dbt
// process of the test left behind and the DuckDB file free.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RawDbtEvent } from '../../src/dbt/protocol';
import { InvocationHistory } from '../../src/dbt/treeModel';
import { RunnerError, type ProjectRunner } from '../../src/runner/api';
import { isAlive, workersUnder, waitFor } from './lib/procs';
import { assertCleanAfterFault, expectRunnerError, hangStartedFile, makeRunner, record, relProject, type TempProject } from './lib/project';
import { recordSection, Tally } from './lib/summary';
import { linkedVenv } from './lib/venvs';

const T = { timeout: 360_000 };
const tally = new Tally();
const figures: Record<string, number> = {};

const uidOf = (e: RawDbtEvent): string | undefined => (e.data.node_info as { unique_id?: string } | undefined)?.unique_id;

void describe('faults', () => {
  let p: TempProject;
  let runner: ProjectRunner;
  const logs: string[] = [];

  before(async () => {
    p = await relProject();
    runner = makeRunner(p, { cancelGraceMs: 3000, log: (level, m) => logs.push(`${level}: ${m}`) });
    const seeded = await runner.invoke({ args: ['seed'] });
    assert.equal(seeded.exitCode, 0, JSON.stringify(seeded.exception));
  });

  after(async () => {
    await runner?.dispose();
    await p?.cleanup();
    recordSection('faults', { tried: tally.tried, survived: tally.held, cases: tally.cases, figures });
  });

  void it('SIGKILL mid-build: a clear error at once, the finished nodes kept, the next request on a new worker', T, () =>
    tally.run('worker SIGKILLed mid-build', () => sigkillMidBuild(p, runner, figures)));

  void it('a model that hangs and ignores cancel: cancel, then kill after the grace period; the queue moves on', T, () =>
    tally.run('hung model ignoring cancel', async () => {
      const ac = new AbortController();
      let hangPid = 0;
      let abortedAt = 0;
      const afterAbort: string[] = [];
      const hung = runner.invoke(
        { args: ['run', '--select', 'hang_py', '--vars', '{hang: true}'] },
        {
          signal: ac.signal,
          onEvent: (e) => {
            if (abortedAt) afterAbort.push(e.info.name);
            if (e.info.name === 'NodeExecuting' && uidOf(e) === 'model.jaffle.hang_py' && !hangPid) {
              hangPid = Number(e.info.pid);
              // Cancel once the model is in its sleep (bounded: a model that never got there fails the checks below).
              void waitFor('hang_py to be in its sleep', 120_000, () => existsSync(hangStartedFile(p)))
                .catch(() => undefined)
                .then(() => {
                  abortedAt = performance.now();
                  ac.abort();
                });
            }
          },
        },
      );
      // Queued behind the hung one: must run once the hung worker is gone.
      const queued = record(runner, ['ls', '--select', 'stg_orders']);
      assert.equal(runner.queueLength, 1);

      let error: RunnerError | undefined;
      try {
        await hung;
      } catch (e) {
        error = e as RunnerError;
      }
      const stopMs = Math.round(performance.now() - abortedAt);
      assert.ok(error instanceof RunnerError, `the hung run ends with a RunnerError (got ${String(error)})`);
      assert.equal(error.code, 'cancelled');
      assert.match(error.message, /did not stop within 3 s of the cancel, so its worker was killed/);
      // Cancel went first (the worker interrupts dbt: its KeyboardInterrupt path fires events), the kill came after the grace period.
      assert.ok(logs.some((l) => /cancelling dbt run: asking dbt to stop \(KeyboardInterrupt\)/.test(l)), logs.join('\n'));
      assert.ok(logs.some((l) => /dbt did not stop within 3000 ms of the cancel; killing worker/.test(l)), logs.join('\n'));
      assert.ok(stopMs >= 3000, `killed only after the grace period (${stopMs} ms)`);
      assert.ok(stopMs < 10_000, `and promptly after it (${stopMs} ms)`);
      figures.hangStopMs = stopMs;
      await waitFor('the hung worker to be gone', 10_000, () => !isAlive(hangPid));

      const next = await queued;
      assert.equal(next.result.exitCode, 0, JSON.stringify(next.result.exception));
      assert.ok(next.result.output.kind === 'list' && next.result.output.items.includes('jaffle.staging.stg_orders'), JSON.stringify(next.result.output));
      const [pid] = next.pids;
      assert.ok(pid > 0 && pid !== hangPid, 'the queued request ran on a new worker');
      await assertCleanAfterFault(p, 'hang + kill', pid);
      return `stopped ${stopMs} ms after cancel (grace 3000 ms); events after the cancel: ${[...new Set(afterAbort)].join(', ') || 'none'}`;
    }));

  void it('dbt fails inside a macro it calls back into (on-run-start): exit 2 with type and message; the worker goes on', T, () =>
    tally.run('exception in a hook macro', () => hookException(p, runner)));

  void it('dbt uninstalled under a running extension: a clear message per request, one spawn each, no retries', T, () =>
    tally.run('dbt removed while running', async () => {
      const scratch = mkdtempSync(join(tmpdir(), 'conductor-rel-venv-'));
      const spawnLog = join(scratch, 'spawns.log');
      // Python starts of that venv: distinct pids in the log (site.py may run the .pth twice in one start).
      const spawns = () => new Set(readFileSync(spawnLog, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')[0])).size;
      let r: ProjectRunner | undefined;
      try {
        const venv = await linkedVenv(join(scratch, 'venv'), spawnLog);
        r = makeRunner(p, { python: venv.python, idleTimeoutMs: 1500, env: { ...p.env, CONDUCTOR_REL: scratch } });
        const ok = await record(r, ['ls', '--select', 'stg_orders']);
        assert.equal(ok.result.exitCode, 0, JSON.stringify(ok.result.exception));
        const [pid] = ok.pids;
        unlinkSync(venv.dbtLink); // pip uninstall dbt-core, as far as this Python can tell
        await waitFor('the idle worker to stop', 20_000, () => !isAlive(pid));
        const before = spawns();
        const messages: string[] = [];
        for (let i = 0; i < 3; i++) {
          await assert.rejects(r.invoke({ args: ['ls'] }), (e: RunnerError) => {
            assert.equal(e.code, 'dbt-not-installed');
            assert.match(e.message, /dbt-core is not installed in .*venv.* Install it with: .* -m pip install dbt-core dbt-<adapter>/);
            messages.push(e.message);
            return true;
          });
        }
        assert.equal(spawns() - before, 3, `exactly one Python start per request:\n${readFileSync(spawnLog, 'utf8')}`);
        // Nothing retries in the background: counted once the runner is disposed (nothing can start
        // after that) and every process of the venv has ended (each logged its start on start-up).
        await r.dispose();
        await assertCleanAfterFault({ ...p, dir: scratch }, 'dbt removed');
        assert.equal(spawns() - before, 3, `nothing retried in the background:\n${readFileSync(spawnLog, 'utf8')}`);
        return `3 requests -> 3 spawns, message: ${messages[0].split('\n')[0]}`;
      } finally {
        await r?.dispose();
        rmSync(scratch, { recursive: true, force: true });
      }
    }));

  void it('Python removed under a running extension: a clear message per request, no process, no retries', T, () =>
    tally.run('Python removed while running', async () => {
      const scratch = mkdtempSync(join(tmpdir(), 'conductor-rel-venv-'));
      let r: ProjectRunner | undefined;
      try {
        const venv = await linkedVenv(join(scratch, 'venv'));
        r = makeRunner(p, { python: venv.python, idleTimeoutMs: 1500 });
        const ok = await record(r, ['ls', '--select', 'stg_orders']);
        assert.equal(ok.result.exitCode, 0, JSON.stringify(ok.result.exception));
        const [pid] = ok.pids;
        rmSync(venv.dir, { recursive: true, force: true });
        await waitFor('the idle worker to stop', 20_000, () => !isAlive(pid));
        for (let i = 0; i < 3; i++) {
          await assert.rejects(r.invoke({ args: ['ls'] }), (e: RunnerError) => {
            assert.equal(e.code, 'python-not-found');
            assert.equal(e.message, `Python interpreter '${venv.python}' was not found. Set dbtConductor.pythonPath to a Python with dbt-core installed.`);
            return true;
          });
        }
        await assertCleanAfterFault({ ...p, dir: scratch }, 'Python removed');
      } finally {
        await r?.dispose();
        rmSync(scratch, { recursive: true, force: true });
      }
    }));

  for (const how of ['deleted', 'renamed'] as const) {
    void it(`project folder ${how} while its worker is alive: the worker stops, the next request says why`, T, () =>
      tally.run(`project folder ${how}`, async () => {
        const q = await relProject();
        const r = makeRunner(q);
        try {
          const ok = await record(r, ['ls', '--select', 'stg_orders']);
          assert.equal(ok.result.exitCode, 0, JSON.stringify(ok.result.exception));
          const [pid] = ok.pids;
          if (how === 'deleted') rmSync(q.root, { recursive: true, force: true });
          else renameSync(q.root, `${q.root}-moved`);
          const e = await expectRunnerError(r.invoke({ args: ['ls'] }), 'project-missing');
          assert.match(e.message, /No dbt_project\.yml in .*jaffle/);
          await waitFor(`the worker of the ${how} project to stop`, 15_000, () => !isAlive(pid));
          assert.deepEqual(workersUnder(q.dir), []);
          await assertCleanAfterFault(q, `project ${how}`);
        } finally {
          await r.dispose();
          await q.cleanup();
        }
      }));
  }

  void it('project folder deleted while its worker idles: the worker stops by itself, before any request', T, () =>
    tally.run('project folder deleted, no request', async () => {
      const q = await relProject();
      // The idle timeout (5 min by default) is far away: only the runner's check of the folder can stop this worker.
      const r = makeRunner(q);
      try {
        const ok = await record(r, ['ls', '--select', 'stg_orders']);
        assert.equal(ok.result.exitCode, 0, JSON.stringify(ok.result.exception));
        const [pid] = ok.pids;
        assert.ok(isAlive(pid), 'the worker idles');
        const removedAt = performance.now();
        rmSync(q.root, { recursive: true, force: true });
        await waitFor('the worker of the deleted project to stop without a request', 15_000, () => !isAlive(pid));
        const stopMs = Math.round(performance.now() - removedAt);
        await assertCleanAfterFault(q, 'project deleted while idle');
        // The next request says why, and starts nothing.
        const e = await expectRunnerError(r.invoke({ args: ['ls'] }), 'project-missing');
        assert.match(e.message, /No dbt_project\.yml in .*jaffle: the project folder was deleted or moved/);
        assert.deepEqual(workersUnder(q.dir), []);
        return `worker stopped ${stopMs} ms after the folder was deleted`;
      } finally {
        await r.dispose();
        await q.cleanup();
      }
    }));
});

// The same two faults on the networked warehouse: after each, no PostgreSQL session is left.
void describe('faults on postgres', () => {
  let p: TempProject;
  let runner: ProjectRunner;
  const pgFigures: Record<string, number> = {};

  before(async () => {
    p = await relProject('postgres');
    runner = makeRunner(p, { cancelGraceMs: 3000 });
    const seeded = await runner.invoke({ args: ['seed'] });
    assert.equal(seeded.exitCode, 0, JSON.stringify(seeded.exception));
  });

  after(async () => {
    await runner?.dispose();
    await p?.cleanup();
    figures.postgresSigkillDetectMs = pgFigures.sigkillDetectMs;
    recordSection('faults', { tried: tally.tried, survived: tally.held, cases: tally.cases, figures });
  });

  void it('SIGKILL mid-build on postgres: a clear error, the finished nodes kept, no session left, the next request works', T, () =>
    tally.run('worker SIGKILLed mid-build (postgres)', () => sigkillMidBuild(p, runner, pgFigures)));

  void it('an exception in a hook macro on postgres: exit 2, the worker goes on, no session left', T, () =>
    tally.run('exception in a hook macro (postgres)', () => hookException(p, runner)));
});

const RESULT_EVENTS = new Set(['NodeFinished', 'LogModelResult', 'LogTestResult', 'LogSeedResult', 'LogSnapshotResult', 'LogFreshnessResult', 'LogNodeResult', 'LogNodeNoOpResult']);

/** The worker SIGKILLed mid-build: a clear error at once, the finished nodes kept, the next request on a new worker. */
async function sigkillMidBuild(p: TempProject, runner: ProjectRunner, figures: Record<string, number>): Promise<string> {
  const history = new InvocationHistory();
  const entry = history.start({ label: 'dbt build', args: ['build'], projectRoot: p.root, projectName: 'jaffle' });
  const finishedBeforeKill = new Set<string>();
  let slowRunning = false;
  let killedPid = 0;
  let killedAt = 0;
  const onEvent = (e: RawDbtEvent) => {
    if (killedAt) return; // what arrives after the kill is not "partial results we had"
    history.event(entry, e);
    const uid = uidOf(e);
    if (e.info.name === 'NodeExecuting' && uid === 'model.jaffle.slow_model') slowRunning = true;
    // A node's result comes in its Log…Result event, then again in NodeFinished: the kill can fall between the two.
    if (RESULT_EVENTS.has(e.info.name) && uid) finishedBeforeKill.add(uid);
    // Kill once the slow model runs and a good part of the DAG is done.
    if (slowRunning && finishedBeforeKill.size >= 6 && !killedPid) {
      killedPid = Number(e.info.pid);
      killedAt = performance.now();
      process.kill(killedPid, 'SIGKILL');
    }
  };
  let error: RunnerError | undefined;
  try {
    await runner.invoke({ args: ['build', '--vars', '{slow: true}'] }, { onEvent });
  } catch (e) {
    error = e as RunnerError;
  }
  const detectMs = Math.round(performance.now() - killedAt);
  assert.ok(killedPid > 0, 'the worker was killed mid-build');
  assert.ok(error instanceof RunnerError, `the build failed with a RunnerError (got ${String(error)})`);
  assert.equal(error.code, 'worker-crashed');
  assert.match(error.message, /exited unexpectedly \(signal SIGKILL\); the next request starts a new one/);
  // "Within a second or two": the exit is seen as soon as the pipes close. Bounded loosely for a loaded machine.
  assert.ok(detectMs < 5000, `error ${detectMs} ms after the kill`);
  figures.sigkillDetectMs = detectMs;

  // The editor's reducer (the Invocations view) turns what arrived into the partial result.
  history.fail(entry, error.message);
  const stopped = entry.rows.filter((r) => /dbt stopped before this node finished/.test(r.message ?? ''));
  const done = entry.rows.filter((r) => !stopped.includes(r) && ['success', 'pass', 'fail', 'warn', 'error', 'no-op'].includes(r.status));
  assert.deepEqual(done.map((r) => r.uniqueId).sort(), [...finishedBeforeKill].sort(), 'every node finished before the kill keeps its result');
  assert.ok(stopped.some((r) => r.uniqueId === 'model.jaffle.slow_model'), `the node that was running is reported stopped: ${JSON.stringify(entry.rows.map((r) => [r.uniqueId, r.status, r.message]))}`);
  assert.ok(stopped.every((r) => !finishedBeforeKill.has(r.uniqueId) && r.status === 'error'));
  assert.equal(entry.status, 'error');
  figures.nodesKeptAfterSigkill = done.length;

  const next = await record(runner, ['run', '--select', 'stg_customers']);
  assert.equal(next.result.exitCode, 0, JSON.stringify(next.result.exception));
  const [pid] = next.pids;
  assert.ok(pid > 0 && pid !== killedPid, 'a new worker process');
  await assertCleanAfterFault(p, 'SIGKILL', pid);
  return `error after ${detectMs} ms; ${done.length} finished nodes kept`;
}

/** dbt fails inside a macro it calls back into (on-run-start): exit 2 with type and message; the worker goes on. */
async function hookException(p: TempProject, runner: ProjectRunner): Promise<void> {
  const boom = await record(runner, ['run', '--select', 'stg_customers', '--vars', '{hook_boom: true}']);
  assert.equal(boom.result.exitCode, 2);
  assert.equal(boom.result.success, false);
  assert.equal(boom.result.exception?.type, 'CompilationError');
  assert.match(boom.result.exception?.message ?? '', /on-run-start/);
  assert.match(boom.result.exception?.message ?? '', /division by zero/);
  const [pid] = boom.pids;
  const next = await record(runner, ['run', '--select', 'stg_customers']);
  assert.equal(next.result.exitCode, 0, JSON.stringify(next.result.exception));
  assert.deepEqual([...next.pids], [pid], 'the same worker');
  await assertCleanAfterFault(p, 'exit 2', pid);
}
