// Load on real dbt-core and DuckDB: a burst of 50 invocations on one project
// (all complete, in order, none lost, never two at once), a soak of 300 warm
// invocations with the worker's memory sampled, the recycling policy under a
// stream of requests, and 10 projects at once (one worker each at most, idle
// workers stop).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { manifestPathFor } from '../../src/dbt/manifestPath';
import type { InvocationResult, RawDbtEvent } from '../../src/dbt/protocol';
import type { ProjectRunner } from '../../src/runner/api';
import { RunnerPool } from '../../src/runner/pool';
import { createProjectRunner } from '../../src/runner/runner';
import { countByMarker, rssOf, waitFor, workersUnder } from './lib/procs';
import { assertCleanAfterFault, copyProject, makeRunner, PY112, WORKER, type TempProject } from './lib/project';
import { recordSection } from './lib/summary';

const T = { timeout: 600_000 };
const MIB = 1024 * 1024;
const MODELS = ['stg_customers', 'stg_orders', 'stg_payments'];
const load: Record<string, unknown> = {};

interface Tracked {
  index: number;
  args: string[];
  events: { seq: number; e: RawDbtEvent }[];
  result?: InvocationResult;
  resolvedAt?: number;
}

/** Fires every request at once on `runner`, recording each event's global arrival order and each result's. */
async function burst(runner: ProjectRunner, argsList: string[][]): Promise<Tracked[]> {
  let seq = 0;
  let resolvedSeq = 0;
  const tracked: Tracked[] = argsList.map((args, index) => ({ index, args, events: [] }));
  await Promise.all(
    tracked.map((t) =>
      runner
        .invoke({ args: t.args }, { onEvent: (e) => t.events.push({ seq: seq++, e }) })
        .then((r) => {
          t.result = r;
          t.resolvedAt = resolvedSeq++;
        }),
    ),
  );
  return tracked;
}

/** The checks a burst must pass: each result its own, in request order, never two invocations interleaved. */
function assertSerialInOrder(tracked: Tracked[]): void {
  const invocationIds = new Set<string>();
  let lastSeq = -1;
  let lastEndTs = '';
  for (const t of tracked) {
    assert.ok(t.result, `request ${t.index} has a result`);
    assert.equal(t.resolvedAt, t.index, `request ${t.index} resolved in order`);
    assert.equal(t.result.exitCode, 0, `request ${t.index} (${t.args.join(' ')}): ${JSON.stringify(t.result.exception)}`);
    assert.ok(t.events.length > 0, `request ${t.index} got its events`);
    // Events of one request arrive after every event of the one before it.
    assert.ok(t.events[0].seq > lastSeq, `request ${t.index} started only after request ${t.index - 1} ended`);
    lastSeq = t.events[t.events.length - 1].seq;
    // And dbt agrees: its own invocations (a re-parse is one more) belong to this request alone,
    // and their time span starts after the previous request's ended.
    const ids = new Set(t.events.map((x) => x.e.info.invocation_id));
    assert.ok(ids.size === 1 || (ids.size === 2 && t.result.parsed), `request ${t.index}: ${ids.size} dbt invocations`);
    for (const id of ids) {
      assert.ok(id && !invocationIds.has(id), `request ${t.index} shares no dbt invocation with an earlier one`);
      invocationIds.add(id);
    }
    const ts = t.events.map((x) => x.e.info.ts ?? '').filter(Boolean).sort();
    assert.ok(ts[0] >= lastEndTs, `request ${t.index} began (${ts[0]}) after the previous one ended (${lastEndTs})`);
    lastEndTs = ts[ts.length - 1];
  }
}

function lsArgs(i: number): string[] {
  return ['ls', '--select', MODELS[i % MODELS.length], '--resource-type', 'model'];
}

function assertListed(t: Tracked): void {
  const model = t.args[2];
  assert.ok(t.result?.output.kind === 'list', `request ${t.index} answered a list`);
  assert.deepEqual(t.result.output.items, [`jaffle.staging.${model}`], `request ${t.index} got its own answer`);
}

void describe('load', () => {
  let p: TempProject;
  let runner: ProjectRunner;

  before(async () => {
    p = await copyProject('jaffle');
    runner = makeRunner(p);
    const seeded = await runner.invoke({ args: ['seed'] });
    assert.equal(seeded.exitCode, 0, JSON.stringify(seeded.exception));
  });

  after(async () => {
    await runner?.dispose();
    await p?.cleanup();
    recordSection('load', load);
  });

  void it('50 invocations in a burst: all complete, in order, none lost, never two at once', T, async () => {
    const argsList = Array.from({ length: 50 }, (_, i) => (i % 10 === 9 ? ['run', '--select', MODELS[i % 3]] : lsArgs(i)));
    const started = performance.now();
    const tracked = await burst(runner, argsList);
    const seconds = (performance.now() - started) / 1000;
    assertSerialInOrder(tracked);
    for (const t of tracked) {
      if (t.args[0] === 'ls') assertListed(t);
      else assert.deepEqual(t.result?.nodes.map((n) => `${n.name}:${n.status}`), [`${t.args[2]}:success`]);
    }
    const pids = new Set(tracked.flatMap((t) => t.events.map((x) => Number(x.e.info.pid))));
    assert.equal(pids.size, 1, 'all on one warm worker');
    load.burst = { requested: 50, completed: tracked.filter((t) => t.result?.exitCode === 0).length, inOrder: true, overlapping: 0, seconds: Math.round(seconds * 10) / 10 };
  });

  void it('a soak of 300 warm invocations: worker memory stays bounded', T, async () => {
    const rss: { at: number; mib: number }[] = [];
    let pid = 0;
    const started = performance.now();
    for (let i = 1; i <= 300; i++) {
      // Mostly ls; every 10th runs a model, so DuckDB connections open and close too.
      const args = i % 10 === 0 ? ['run', '--select', 'stg_customers'] : lsArgs(i);
      let seen = 0;
      const r = await runner.invoke({ args }, { onEvent: (e) => (seen = Number(e.info.pid)) });
      assert.equal(r.exitCode, 0, `invocation ${i}: ${JSON.stringify(r.exception)}`);
      if (pid === 0) pid = seen;
      assert.equal(seen, pid, `invocation ${i} on the same worker`);
      if (i === 1 || i === 150 || i === 300 || i % 50 === 0) rss.push({ at: i, mib: Math.round(rssOf(pid) / MIB) });
    }
    const seconds = (performance.now() - started) / 1000;
    const byAt = (n: number) => rss.find((s) => s.at === n)!.mib;
    const [start, middle, end] = [byAt(1), byAt(150), byAt(300)];
    // Bounded: the second half adds no more than the first (a leak grows linearly) and little in absolute terms.
    assert.ok(end - middle <= Math.max(middle - start, 0) + 32, `RSS ${start} -> ${middle} -> ${end} MiB`);
    assert.ok(end - start < 256, `RSS grew ${end - start} MiB over 300 invocations`);
    load.soak = { invocations: 300, rssMiB: { start, middle, end }, samples: rss, seconds: Math.round(seconds * 10) / 10, msPerInvocation: Math.round((seconds * 1000) / 300) };
  });

  void it('recycling after N invocations and above an RSS limit loses no request', T, async () => {
    const counted = makeRunner(p, { recycleAfterInvocations: 3 });
    try {
      const tracked = await burst(counted, Array.from({ length: 7 }, (_, i) => lsArgs(i)));
      assertSerialInOrder(tracked);
      tracked.forEach(assertListed);
      const pidOf = (t: Tracked) => Number(t.events[0].e.info.pid);
      const pids = tracked.map(pidOf);
      // Workers: requests 0-2, 3-5, 6.
      assert.deepEqual(
        pids.map((x) => pids.indexOf(x)),
        [0, 0, 0, 3, 3, 3, 6],
        `worker per request: ${pids.join(', ')}`,
      );
      assert.equal(new Set(pids).size, 3);
      load.recycleAfterInvocations = { limit: 3, requests: 7, workers: 3, lost: 0 };
    } finally {
      await counted.dispose();
    }
    // An RSS limit below any dbt process: recycled after every invocation.
    const byRss = makeRunner(p, { recycleAboveRssBytes: 1 * MIB });
    try {
      const tracked = await burst(byRss, [lsArgs(0), lsArgs(1)]);
      assertSerialInOrder(tracked);
      tracked.forEach(assertListed);
      assert.equal(new Set(tracked.map((t) => Number(t.events[0].e.info.pid))).size, 2, 'a new worker for each request');
      load.recycleAboveRss = { limitMiB: 1, requests: 2, workers: 2, lost: 0 };
    } finally {
      await byRss.dispose();
    }
    await assertCleanAfterFault(p, 'recycling', runnerWorkerPid());
  });

  void it('10 projects: at most one worker each, idle workers stop', T, async () => {
    const projects = await Promise.all(Array.from({ length: 10 }, () => copyProject('jaffle')));
    const manifestDir = mkdtempSync(join(tmpdir(), 'conductor-rel-pool-'));
    // As the extension holds them: one pool, one runner per project root. Each copy's profile puts
    // its DuckDB file in that copy (the worker runs in the project folder). Ten dbt imports at once
    // on a small machine: each start gets more time than the default.
    const pool = new RunnerPool();
    const runnerOf = (root: string) =>
      pool.get(root, {
        create: (projectRoot) => ({
          runner: createProjectRunner({ projectRoot, python: PY112, workerScript: WORKER, backend: 'worker', manifestPath: manifestPathFor(manifestDir, projectRoot), idleTimeoutMs: 3000, startTimeoutMs: 300_000 }),
        }),
      });
    let peakTotal = 0;
    let peakPerProject = 0;
    let peakAll = 0;
    const sample = () => {
      const counts = countByMarker(projects.map((q) => q.dir));
      peakPerProject = Math.max(peakPerProject, ...counts.map((c) => c.workers));
      peakTotal = Math.max(peakTotal, counts.reduce((a, c) => a + c.workers, 0));
      peakAll = Math.max(peakAll, counts.reduce((a, c) => a + c.all, 0));
    };
    const sampler = setInterval(sample, 200);
    try {
      // Three requests per project, all at once, asking the pool by two spellings of the root.
      const results = await Promise.all(projects.flatMap((q) => [0, 1, 2].map(async (i) => (await runnerOf(i === 1 ? `${q.root}/` : q.root)).runner.invoke({ args: lsArgs(i) }))));
      sample();
      clearInterval(sampler);
      assert.equal(pool.size, 10, 'one runner per project');
      assert.equal(results.length, 30);
      assert.ok(results.every((r) => r.exitCode === 0), JSON.stringify(results.filter((r) => r.exitCode !== 0).map((r) => r.exception)));
      assert.equal(peakPerProject, 1, 'never two workers for one project');
      assert.ok(peakTotal <= 10, `at most one per project (${peakTotal})`);
      const whileWarm = projects.reduce((n, q) => n + workersUnder(q.dir).length, 0);
      await waitFor('every idle worker (and its helpers) to stop', 60_000, () => countByMarker(projects.map((q) => q.dir)).every((c) => c.all === 0));
      load.tenProjects = { projects: 10, requests: 30, peakWorkers: peakTotal, peakProcessesWithHelpers: peakAll, workersAfterWork: whileWarm, workersAfterIdle: 0, idleTimeoutMs: 3000 };
    } finally {
      clearInterval(sampler);
      await pool.dispose();
      await Promise.all(projects.map((q) => q.cleanup()));
      rmSync(manifestDir, { recursive: true, force: true });
    }
  });

  /** The main runner's worker, if one is alive (the soak left it warm). */
  function runnerWorkerPid(): number | undefined {
    return workersUnder(p.dir).find((w) => w.cmdline.includes(p.manifestPath))?.pid;
  }
});
