// dbt's artifacts after warm invocations. The worker runs commands on its
// cached manifest with --no-write-json (re-serialising the whole manifest
// after every command was most of a warm run's time on big projects) and
// writes target/run_results.json itself, so tools that read it (and
// `dbt retry`) see the same file the CLI would leave.
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ProjectRunner } from '../../src/runner/api';
import { copyProject, makeRunner, PY112, record, type TempProject } from './runnerHelpers';

const T = { timeout: 600_000 }; // a bound, not a speed check

interface RunResults {
  metadata: { invocation_id: string };
  results: { unique_id: string; status: string }[];
}

/**
 * The text dbt's own writer (dbt_common's write_json: json.dump with its
 * JSONEncoder, json's pure-Python encoder) gives for the data in `file`.
 */
async function dbtsOwnText(file: string): Promise<string> {
  const code = [
    'import io, json, sys',
    'from dbt_common.utils.encoding import JSONEncoder',
    'data = json.load(open(sys.argv[1], encoding="utf-8"))',
    'out = io.StringIO()',
    'json.dump(data, out, cls=JSONEncoder)',
    'sys.stdout.write(out.getvalue())',
  ].join('\n');
  return (await execa(PY112, ['-c', code, file], { timeout: 120_000, stripFinalNewline: false })).stdout;
}

type GraphSummary = Record<string, { name: string; type: string; succ?: number[] }>;

/** target/graph_summary.json by node name (its indices follow the DAG's insertion order, which a partial parse may change). */
function graphSummary(root: string): Record<string, Record<string, { type: string; succ: string[] }>> {
  const file = JSON.parse(readFileSync(join(root, 'target', 'graph_summary.json'), 'utf8')) as Record<string, GraphSummary | string>;
  const out: Record<string, Record<string, { type: string; succ: string[] }>> = {};
  for (const [part, summary] of Object.entries(file)) {
    if (typeof summary === 'string') continue; // _invocation_id
    const names = Object.values(summary).map((n) => n.name);
    out[part] = Object.fromEntries(
      Object.values(summary).map((n) => [n.name, { type: n.type, succ: (n.succ ?? []).map((i) => names[i] ?? `#${i}`).sort() }]),
    );
  }
  return out;
}

function runResults(dir: string): RunResults {
  return JSON.parse(readFileSync(join(dir, 'run_results.json'), 'utf8')) as RunResults;
}

void describe('worker artifacts on warm invocations (dbt 1.12, jaffle)', () => {
  let p: TempProject;
  let runner: ProjectRunner;
  let manifestMtime = 0;

  before(async () => {
    p = await copyProject('jaffle');
    runner = makeRunner(p);
  });

  after(async () => {
    await runner.dispose();
    await p.cleanup();
  });

  void it('the parse writes target/manifest.json', T, async () => {
    const r = await runner.parse();
    assert.equal(r.exitCode, 0, JSON.stringify(r.exception));
    const seeded = await record(runner, ['seed']);
    assert.equal(seeded.result.exitCode, 0, JSON.stringify(seeded.result.exception));
    assert.ok(existsSync(join(p.root, 'target', 'manifest.json')));
    manifestMtime = statSync(join(p.root, 'target', 'manifest.json')).mtimeMs;
  });

  void it('a warm run writes this run\'s run_results.json and leaves manifest.json alone', T, async () => {
    const run = await record(runner, ['run', '-s', 'stg_customers']);
    assert.equal(run.result.exitCode, 0, JSON.stringify(run.result.exception));
    assert.equal(run.result.parsed, false, 'the cached manifest was used');
    const rr = runResults(join(p.root, 'target'));
    assert.equal(rr.metadata.invocation_id, run.events[0]?.info.invocation_id, 'run_results.json belongs to this invocation');
    assert.deepEqual(
      rr.results.map((x) => [x.unique_id, x.status]),
      [['model.jaffle.stg_customers', 'success']],
    );
    assert.equal(statSync(join(p.root, 'target', 'manifest.json')).mtimeMs, manifestMtime, 'manifest.json is not re-written by a warm run');
  });

  // The worker writes them with json's C encoder (speed_up_json_artifacts in dbt_worker.py): the same text.
  void it('manifest.json and run_results.json are the very text dbt itself writes', T, async () => {
    const parsed = await record(runner, ['parse']);
    assert.equal(parsed.result.exitCode, 0, JSON.stringify(parsed.result.exception));
    const run = await record(runner, ['run', '-s', 'stg_customers']);
    assert.equal(run.result.exitCode, 0, JSON.stringify(run.result.exception));
    for (const name of ['manifest.json', 'run_results.json']) {
      const file = join(p.root, 'target', name);
      const text = readFileSync(file, 'utf8');
      assert.ok(text.length > 1000, `${name} has content`);
      assert.ok(text === (await dbtsOwnText(file)), `${name} is byte for byte what dbt's json.dump writes`);
    }
  });

  // The worker builds it without serialising every node (speed_up_graph_summary in dbt_worker.py).
  void it('graph_summary.json says what a cold dbt build says', T, async () => {
    const warm = await record(runner, ['build']);
    assert.ok(warm.result.exitCode <= 1, JSON.stringify(warm.result.exception));
    const cold = await copyProject('jaffle');
    try {
      const dbt = join(dirname(PY112), 'dbt');
      const r = await execa(dbt, ['build'], { cwd: cold.root, env: { ...process.env, ...cold.env }, reject: false, timeout: 600_000 });
      assert.ok(r.exitCode === 0 || r.exitCode === 1, r.stderr);
      const ours = graphSummary(p.root);
      assert.deepEqual(Object.keys(ours).sort(), ['linked', 'with_test_edges']);
      assert.ok(Object.keys(ours.linked ?? {}).length > 20, 'the summary lists the DAG');
      assert.deepEqual(ours, graphSummary(cold.root));
    } finally {
      await cold.cleanup();
    }
  });

  void it('run_results.json goes where --target-path points', T, async () => {
    const other = join(p.dir, 'other-target');
    const run = await record(runner, ['run', '-s', 'stg_orders', '--target-path', other]);
    assert.equal(run.result.exitCode, 0, JSON.stringify(run.result.exception));
    const rr = runResults(other);
    assert.equal(rr.metadata.invocation_id, run.events[0]?.info.invocation_id);
    assert.deepEqual(rr.results.map((x) => x.unique_id), ['model.jaffle.stg_orders']);
  });

  void it('an explicit --write-json is the user\'s choice: dbt writes manifest.json itself', T, async () => {
    const run = await record(runner, ['run', '-s', 'stg_customers', '--write-json']);
    assert.equal(run.result.exitCode, 0, JSON.stringify(run.result.exception));
    assert.ok(statSync(join(p.root, 'target', 'manifest.json')).mtimeMs > manifestMtime, 'dbt re-wrote manifest.json');
    assert.equal(runResults(join(p.root, 'target')).metadata.invocation_id, run.events[0]?.info.invocation_id);
  });
});

/** The flags dbt reports it ran with (MainReportArgs, a debug event: sent with verboseEvents). */
function reportedArgs(events: { info: { name: string }; data?: unknown }[]): Record<string, unknown> {
  const e = events.find((x) => x.info.name === 'MainReportArgs');
  assert.ok(e, 'MainReportArgs was sent');
  return (e.data as { args: Record<string, unknown> }).args;
}

// The worker passes dbt's --cache-selected-only to warm run/build/seed/snapshot
// (dbt_worker.py, run_warm) unless the user chose, and builds the cache without
// one debug event per relation unless asked (speed_up_relation_cache). The
// results are checked against a cold dbt by the equivalence layer.
void describe('the relation cache on warm invocations (dbt 1.12, jaffle)', () => {
  let p: TempProject;
  let runner: ProjectRunner;

  before(async () => {
    p = await copyProject('jaffle');
    runner = makeRunner(p);
    const seeded = await record(runner, ['seed']);
    assert.equal(seeded.result.exitCode, 0, JSON.stringify(seeded.result.exception));
  });

  after(async () => {
    await runner.dispose();
    await p.cleanup();
  });

  void it('a warm run caches the selected schemas only, and run_results.json records what the user ran', T, async () => {
    const run = await record(runner, ['run', '-s', 'stg_customers'], undefined, undefined, true);
    assert.equal(run.result.exitCode, 0, JSON.stringify(run.result.exception));
    assert.equal(run.result.parsed, false, 'the cached manifest was used');
    assert.equal(String(reportedArgs(run.events).cache_selected_only), 'True');
    const recorded = JSON.parse(readFileSync(join(p.root, 'target', 'run_results.json'), 'utf8')) as { args: Record<string, unknown> };
    assert.equal(recorded.args.cache_selected_only, false);
  });

  void it('the user\'s choice stays: --no-cache-selected-only, or the project\'s flags', T, async () => {
    const flagged = await record(runner, ['run', '-s', 'stg_customers', '--no-cache-selected-only'], undefined, undefined, true);
    assert.equal(flagged.result.exitCode, 0, JSON.stringify(flagged.result.exception));
    assert.equal(String(reportedArgs(flagged.events).cache_selected_only), 'False');
    const projectFile = join(p.root, 'dbt_project.yml');
    writeFileSync(projectFile, `${readFileSync(projectFile, 'utf8')}\nflags:\n  cache_selected_only: false\n`);
    const fromProject = await record(runner, ['run', '-s', 'stg_customers'], undefined, undefined, true);
    assert.equal(fromProject.result.exitCode, 0, JSON.stringify(fromProject.result.exception));
    assert.equal(String(reportedArgs(fromProject.events).cache_selected_only), 'False');
  });

  void it('asked for, the cache\'s add_relation events are all sent', T, async () => {
    const run = await record(runner, ['run', '-s', 'stg_orders'], undefined, undefined, true);
    assert.equal(run.result.exitCode, 0, JSON.stringify(run.result.exception));
    const adds = run.events.filter((e) => e.info.name === 'CacheAction' && (e.data as { action?: string }).action === 'add_relation');
    // every relation of the project's schema: the 3 seeds and the built views at least
    assert.ok(adds.length >= 4, `add_relation events: ${adds.length}`);
  });
});
