// Faults of a networked warehouse, on the tests' real PostgreSQL server
// (scripts/postgres.sh) with dbt-postgres: a cancel that must stop the query
// on the server, the server restarted mid-build, a wrong password and a
// server that is down, connections left open, the threads bound. After
// every invocation the worker holds no session on the project's database.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RawDbtEvent } from '../../src/dbt/protocol';
import { InvocationHistory } from '../../src/dbt/treeModel';
import type { ProjectRunner } from '../../src/runner/api';
import { connectionsTo, maxConcurrent, PG_PASSWORD_VAR, pgQuery, serverLog, sessionsInLog } from '../fixtures/lib/postgres';
import { Produced } from './lib/produced';
import { assertWarehouseFree, copyProject, makeRunner, record, ROOT, type TempProject } from './lib/project';
import { recordSection, Tally } from './lib/summary';

const T = { timeout: 420_000 };
const tally = new Tally();
const figures: Record<string, unknown> = {};
/** Sessions left on the project's database after each invocation, by case (all must be 0). */
const sessionsAfter: Record<string, number> = {};

const uidOf = (e: RawDbtEvent): string | undefined => (e.data.node_info as { unique_id?: string } | undefined)?.unique_id;
const pgScript = (command: 'stop' | 'start' | 'restart') => execFileSync('bash', [`${ROOT}/scripts/postgres.sh`, command], { stdio: ['ignore', 'ignore', 'inherit'] });

/** Polls pg_stat_activity until `check` holds for the project's sessions; resolves with the time it took. */
async function untilSessions(p: TempProject, what: string, timeoutMs: number, check: (queries: string[]) => boolean): Promise<number> {
  const started = performance.now();
  for (;;) {
    const sessions = await connectionsTo(p.pgDatabase!);
    if (check(sessions.map((s) => s.query))) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${JSON.stringify(sessions)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const sleeping = (queries: string[]) => queries.some((q) => q.includes('pg_sleep('));

/** The worker holds no session once the invocation is over; recorded per case. */
async function noSessionsLeft(p: TempProject, label: string): Promise<void> {
  await assertWarehouseFree(p, `after ${label}`);
  sessionsAfter[label] = (await connectionsTo(p.pgDatabase!)).length;
}

void describe('postgres faults', () => {
  let p: TempProject;
  let runner: ProjectRunner;

  before(async () => {
    p = await copyProject('jaffle', 'postgres');
    runner = makeRunner(p, { cancelGraceMs: 10_000 });
    const seeded = await runner.invoke({ args: ['seed'] });
    assert.equal(seeded.exitCode, 0, JSON.stringify(seeded.exception));
  });

  after(async () => {
    await runner?.dispose();
    await p?.cleanup();
    recordSection('postgres', { tried: tally.tried, held: tally.held, cases: tally.cases, figures, sessionsAfter });
  });

  const c = (name: string, body: () => Promise<string | void>) => void it(name, T, () => tally.run(name, body));

  c('no session is left after any invocation: success, failing test, errors, show, docs, freshness', async () => {
    const runs: [string, string[], number][] = [
      ['run', ['run'], 0],
      ['test (one failing)', ['test'], 1],
      ['compile', ['compile', '--select', 'orders'], 0],
      ['show', ['show', '--select', 'customers', '--limit', '3'], 0],
      ['ls', ['ls'], 0],
      ['runtime error', ['run', '--select', 'broken_runtime', '--vars', '{broken_runtime: true}'], 1],
      ['compile error', ['run', '--select', 'broken_compile', '--vars', '{broken_compile: true}'], 1],
      ['source freshness', ['source', 'freshness'], 1],
      ['docs generate', ['docs', 'generate'], 0],
      ['debug', ['debug'], 0],
    ];
    for (const [label, args, exit] of runs) {
      const r = await runner.invoke({ args });
      assert.equal(r.exitCode, exit, `${label}: ${JSON.stringify(r.exception ?? r.nodes.filter((n) => n.status === 'error'))}`);
      await noSessionsLeft(p, label);
    }
    return `${runs.length} invocations, 0 sessions after each`;
  });

  c('cancel during a long query (pg_sleep): the query is gone from the server within 2 s, the worker stays warm', async () => {
    const ac = new AbortController();
    let cancelledAt = 0;
    let running: Promise<number> | undefined;
    const slow = record(
      runner,
      ['run', '--select', 'slow_model', '--vars', '{slow: true}'],
      ac.signal,
      (e) => {
        // Once dbt sent the pg_sleep statement, wait until the server runs it, then cancel.
        if (running || e.info.name !== 'SQLQuery' || !String(e.data.sql ?? '').includes('pg_sleep(')) return;
        running = untilSessions(p, 'pg_sleep to run on the server', 60_000, sleeping).then(() => {
          cancelledAt = performance.now();
          ac.abort();
          return untilSessions(p, 'pg_sleep to leave pg_stat_activity', 30_000, (q) => !sleeping(q));
        });
      },
      true,
    );
    const result = (await slow).result;
    assert.ok(running, 'the pg_sleep query was sent');
    const goneMs = Math.round(await running);
    assert.ok(cancelledAt > 0);
    assert.equal(result.cancelled, true);
    assert.equal(result.exitCode, 2);
    assert.equal(result.exception?.type, 'KeyboardInterrupt');
    // The bound: the query is gone from the server within 2 s of the cancel.
    assert.ok(goneMs < 2000, `pg_sleep left pg_stat_activity ${goneMs} ms after the cancel`);
    figures.cancelGoneOnServerMs = goneMs;
    await noSessionsLeft(p, 'cancel');
    const [pid] = (await record(runner, ['run', '--select', 'stg_orders'])).pids;
    const warm = await record(runner, ['ls', '--select', 'stg_orders']);
    assert.deepEqual([...warm.pids], [pid], 'the same worker');
    assert.equal(warm.result.parsed, false, 'the manifest is still cached');
    return `pg_sleep gone from the server ${goneMs} ms after the cancel`;
  });

  c('the server restarted in the middle of a build: a clear connection error, nothing lost, the next request works', async () => {
    let restarted = false;
    let sleepSent = false;
    let workerPid = 0;
    const history = new InvocationHistory();
    const entry = history.start({ label: 'dbt build', args: ['build'], projectRoot: p.root, projectName: 'jaffle' });
    const doneBeforeRestart = new Set<string>();
    const build = await record(
      runner,
      ['build', '--vars', '{slow: true, slow_seconds: 120}'],
      undefined,
      (e) => {
        history.event(entry, e);
        workerPid ||= Number(e.info.pid);
        if (restarted) return;
        if (e.info.name === 'NodeFinished' && uidOf(e)) doneBeforeRestart.add(uidOf(e)!);
        if (e.info.name === 'SQLQuery' && uidOf(e) === 'model.jaffle.slow_model' && String(e.data.sql ?? '').includes('pg_sleep(')) sleepSent = true;
        // Restart once the long query runs and other nodes have finished around it (their results must survive).
        if (!sleepSent || doneBeforeRestart.size < 3) return;
        restarted = true;
        void untilSessions(p, 'pg_sleep to run', 60_000, sleeping).then(() => pgScript('restart'));
      },
      true,
    );
    assert.ok(restarted, 'the server was restarted mid-build');
    assert.notEqual(build.result.exitCode, 0);
    // dbt reports it on the node that was running, or, when the restart also cut its main connection, as the command's error.
    const slow = build.result.nodes.find((n) => n.uniqueId === 'model.jaffle.slow_model');
    const what = slow?.status === 'error' ? `slow_model: ${slow.message ?? ''}` : `${build.result.exception?.type}: ${build.result.exception?.message ?? ''}`;
    assert.match(what, /terminating connection due to administrator command|server closed the connection unexpectedly|connection/i, JSON.stringify({ exit: build.result.exitCode, exception: build.result.exception, nodes: build.result.nodes.map((n) => [n.uniqueId, n.status]) }));
    figures.restartError = what.split('\n').find((l) => /connection/i.test(l))?.trim();
    // Nothing lost: what finished before the restart keeps its result in the views.
    history.finish(entry, build.result);
    const rows = new Map(entry.rows.map((r) => [r.uniqueId, r.status]));
    assert.ok(doneBeforeRestart.size >= 3, `nodes finished before the restart: ${[...doneBeforeRestart].join(', ')}`);
    for (const id of doneBeforeRestart) assert.ok(['success', 'pass', 'warn', 'fail'].includes(rows.get(id) ?? ''), `${id} kept its result (${rows.get(id)})`);
    figures.restartNodesKept = doneBeforeRestart.size;
    await noSessionsLeft(p, 'server restart');
    const next = await record(runner, ['run', '--select', 'stg_customers']);
    assert.equal(next.result.exitCode, 0, JSON.stringify(next.result.exception));
    assert.deepEqual([...next.pids], [workerPid], 'the same worker serves the next request');
    await noSessionsLeft(p, 'after restart');
    return `${what.split('\n')[0].slice(0, 200)}; ${doneBeforeRestart.size} finished nodes kept`;
  });

  c('wrong password: one clear message per request, one login attempt each, no retry storm', async () => {
    const wrong = makeRunner(p, { env: { ...p.env, [PG_PASSWORD_VAR]: 'not-the-password' } });
    try {
      const before = failedLogins(p);
      const messages: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await wrong.invoke({ args: ['run', '--select', 'stg_customers'] });
        assert.equal(r.exitCode, 2);
        assert.match(r.exception?.message ?? '', /password authentication failed for user "conductor"/);
        messages.push((r.exception?.message ?? '').split('\n').find((l) => /password authentication/.test(l))!.trim());
      }
      const attempts = failedLogins(p) - before;
      // dbt-postgres retries a failed connect `retries` times (default 1): at most 2 attempts per request.
      assert.ok(attempts >= 3 && attempts <= 6, `${attempts} failed logins for 3 requests`);
      figures.wrongPasswordLoginsPer3Requests = attempts;
      await noSessionsLeft(p, 'wrong password');
      return `3 requests -> ${attempts} failed logins; message: ${messages[0]}`;
    } finally {
      await wrong.dispose();
    }
  });

  c('server down at start: one clear message, then the next request works once it is back', async () => {
    const fresh = makeRunner(p);
    try {
      // A new worker, warm (parsing needs no connection): its first connection finds the server down.
      assert.equal((await fresh.parse()).exitCode, 0);
      pgScript('stop');
      let message = '';
      let failMs = 0;
      const retries: string[] = [];
      try {
        const started = performance.now();
        const r = await fresh.invoke({ args: ['run', '--select', 'stg_customers'], verboseEvents: true }, { onEvent: (e) => /retryable error/i.test(String(e.info.msg)) && retries.push(String(e.info.msg)) });
        failMs = Math.round(performance.now() - started);
        assert.equal(r.exitCode, 2);
        message = r.exception?.message ?? '';
        assert.match(message, /Connection refused/);
        assert.match(message, /127\.0\.0\.1/);
      } finally {
        pgScript('start');
      }
      // dbt-postgres retries a failed connect `retries` times (default 1), without waiting before the first retry.
      assert.ok(retries.length <= 1, `connect retries: ${retries.join('; ')}`);
      const next = await fresh.invoke({ args: ['run', '--select', 'stg_customers'] });
      assert.equal(next.exitCode, 0, JSON.stringify(next.exception));
      figures.serverDownFailMs = failMs;
      figures.serverDownConnectRetries = retries.length;
      await noSessionsLeft(p, 'server down');
      return `failed in ${failMs} ms after ${retries.length} retry: ${message.split('\n').find((l) => /connect/i.test(l))?.trim()}`;
    } finally {
      await fresh.dispose();
    }
  });

  c('threads: a build with --threads 4 holds at most 4 sessions at once', async () => {
    const logBefore = serverLog().length;
    const build = await runner.invoke({ args: ['build', '--threads', '4'] });
    assert.equal(build.exitCode, 1, 'the one failing test');
    await noSessionsLeft(p, 'build --threads 4');
    const sessions = sessionsInLog(serverLog().slice(logBefore), p.pgDatabase!);
    const most = maxConcurrent(sessions);
    assert.ok(sessions.length >= 1, 'the server log shows the build\'s sessions');
    assert.ok(most <= 4, `${most} sessions at once`);
    assert.ok(most >= 2, `the build ran in parallel (${most} sessions at once), so the bound was exercised`);
    figures.threads4MaxSessions = most;
    figures.threads4Sessions = sessions.length;
    return `${sessions.length} sessions, at most ${most} at once`;
  });

  c('no password appears anywhere: env secret and a plain profiles.yml, worker and CLI, results, events, errors, views, logs, files', async () => {
    const role = await plainRole();
    const wrongPlain = `${role.password}-wrong`;
    const profiles = join(p.root, 'profiles.yml');
    const target = (name: string, password: string) =>
      `    ${name}:\n      type: postgres\n      host: 127.0.0.1\n      port: ${p.env.DBT_POSTGRES_PORT}\n      user: ${role.user}\n      password: ${JSON.stringify(password)}\n      dbname: ${p.pgDatabase}\n      schema: main\n      threads: 2\n`;
    writeFileSync(profiles, `${readFileSync(profiles, 'utf8')}${target('pg_plain', role.password)}${target('pg_plain_wrong', wrongPlain)}`);
    const out = new Produced([role.password, wrongPlain, p.env[PG_PASSWORD_VAR]]);
    const runs: [string, string[]][] = [
      ['debug', ['debug']],
      ['run', ['run']],
      ['failing test', ['test', '--select', 'orders']],
      ['runtime error', ['run', '--select', 'broken_runtime', '--vars', '{broken_runtime: true}']],
      ['show', ['show', '--select', 'customers', '--limit', '2']],
      ['docs', ['docs', 'generate']],
    ];
    // The CLI starts a whole dbt process per invocation: only those that print connection details or errors.
    const CLI_CASES = new Set(['debug', 'runtime error', 'wrong plain password']);
    let checked = 0;
    for (const backend of ['worker', 'cli'] as const) {
      const r = makeRunner(p, { backend, log: (level, m) => out.add(`${backend} runner log ${level}`, m) });
      try {
        const all: [string, string[]][] = [
          ...runs.map(([what, args]): [string, string[]] => [what, [...args, '--target', 'pg_plain']]),
          ['wrong plain password', ['run', '--select', 'stg_customers', '--target', 'pg_plain_wrong']],
          ['env secret password', ['run', '--select', 'stg_customers']],
        ];
        for (const [what, args] of backend === 'cli' ? all.filter(([w]) => CLI_CASES.has(w)) : all) {
          const history = new InvocationHistory();
          const entry = history.start({ label: `dbt ${args.join(' ')}`, args, projectRoot: p.root, projectName: 'jaffle' });
          const res = await r.invoke({ args }, { onEvent: (e) => (out.add(`${backend} ${what} event`, e), history.event(entry, e)) });
          history.finish(entry, res);
          out.add(`${backend} ${what} result`, res);
          out.add(`${backend} ${what} view rows`, { rows: entry.rows, error: entry.error, tests: history.testGroups() });
          if (what === 'wrong plain password') assert.match(res.exception?.message ?? '', /password authentication failed/);
          else assert.ok(res.exitCode !== 2, `${backend} ${what}: ${JSON.stringify(res.exception)}`);
          checked++;
        }
      } finally {
        await r.dispose();
      }
    }
    // Files: dbt's logs, target/ artifacts, the slim manifest; not the profile itself (the user wrote the password there).
    const files = out.addFiles(p.dir, (path) => path === profiles);
    const leaks = out.leaks();
    assert.deepEqual(leaks, [], `passwords leaked:\n${leaks.join('\n')}`);
    assert.ok(out.items.some((i) => i.text.includes('password authentication failed')), 'the failed login was seen by the check');
    figures.passwordCheck = { invocations: checked, texts: out.items.length, files, leaks: 0 };
    return `${checked} invocations, ${out.items.length} texts and ${files} files checked: no password`;
  });

  c('a dropped connection does not poison the worker: sessions killed on the server between invocations', async () => {
    const first = await record(runner, ['run', '--select', 'stg_orders']);
    assert.equal(first.result.exitCode, 0);
    // Whatever the worker might still hold is terminated under it.
    await pgQuery('postgres', `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${p.pgDatabase}' and pid <> pg_backend_pid()`);
    const next = await record(runner, ['build', '--select', 'stg_orders+']);
    assert.equal(next.result.exitCode, 1, 'the one failing test on orders, nothing else');
    assert.deepEqual([...next.pids], [...first.pids]);
    await noSessionsLeft(p, 'terminated sessions');
  });
});

/** A login role whose password has characters that need quoting in YAML, SQL and a libpq connection string. */
async function plainRole(): Promise<{ user: string; password: string }> {
  const user = `plain_${process.pid}`;
  const password = `Pl@in pa'ss"wd ${process.pid} \\x`;
  await pgQuery('postgres', `drop role if exists ${user}; create role ${user} login superuser password '${password.replace(/'/g, "''")}'`);
  return { user, password };
}

/** Failed password logins for the test user in the server log so far. */
function failedLogins(p: TempProject): number {
  return serverLog()
    .split('\n')
    .filter((l) => l.includes(`db=${p.pgDatabase},`) && l.includes('password authentication failed for user')).length;
}
