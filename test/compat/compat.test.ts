// The compat layer: the same smoke sequence through the real runner (worker
// backend) on the newest patch of every dbt-core minor the README claims,
// 1.5 to 1.12, each with its dbt-duckdb, in the venvs scripts/setup.sh
// --compat builds (.venv-compat/dbt-<minor>, cached in
// ~/.cache/dbt-conductor/venvs). Each minor's figures go to
// out/results/compat-matrix.json, which the README's requirements quote.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FAST_TEST_EDGES, withFastTestEdges } from '../../src/dbt/fastTestEdges';
import type { InvocationResult, RawDbtEvent } from '../../src/dbt/protocol';
import { InvocationHistory } from '../../src/dbt/treeModel';
import type { ProjectRunner } from '../../src/runner/api';
import { RunnerError } from '../../src/runner/api';
import { VERSION_NEEDS } from '../../src/runner/dbtVersions';
import { checkPython, parseVersion } from '../../src/runner/pythonEnv';
import { copyProject, makeRunner, PARSE_ONLY_EVENTS, record, ROOT, statuses, whenSlowQueryRuns, type Recorded, type TempProject } from '../integration/runnerHelpers';

export const MINORS = ['1.5', '1.6', '1.7', '1.8', '1.9', '1.10', '1.11', '1.12'] as const;
const T = { timeout: 300_000 };
/** The bound of one minor's whole sequence (worker start, first parse and every step). */
const PER_MINOR = { timeout: 900_000 };

type Minor = (typeof MINORS)[number];
function atLeast(version: string, since: string): boolean {
  const [a, b] = parseVersion(version);
  const [c, d] = parseVersion(since);
  return a > c || (a === c && b >= d);
}

/**
 * What differs per minor (the README's requirements list it):
 * - 1.5 to 1.7 fire StateCheckVarsHash on every invocation, so it is no sign of a parse there;
 * - dbt-duckdb 1.5 and 1.6 cannot cancel a running query (their cancel() does nothing):
 *   dbt does not stop, and the runner kills the worker after the grace period.
 */
const STATE_CHECK_ON_EVERY_INVOCATION = new Set<Minor>(['1.5', '1.6', '1.7']);
const CANCEL_KILLS_WORKER = new Set<Minor>(['1.5', '1.6']);
const GRACE_MS = 10_000;
const MATRIX_FILE = join(ROOT, 'out', 'results', 'compat-matrix.json');

const TEST_IDS = {
  unique: 'test.compat.unique_stg_orders_order_id',
  notNull: 'test.compat.not_null_stg_orders_order_id',
  accepted: 'test.compat.accepted_values_stg_orders_status',
  customersUnique: 'test.compat.unique_customers_customer_id',
};
/** Generic test ids end with a hash: match by prefix. */
const statusOf = (r: InvocationResult, prefix: string): string | undefined => r.nodes.find((n) => n.uniqueId.startsWith(prefix))?.status;

function pythonFor(minor: string): string {
  const python = join(ROOT, '.venv-compat', `dbt-${minor}`, 'bin', 'python');
  if (!existsSync(python)) throw new Error(`No venv for dbt-core ${minor} at ${python}: run scripts/setup.sh --compat`);
  return python;
}

/** The views are fed from the event stream: its reducer must reach the result's statuses on its own. */
function assertEventsDriveTheViews(rec: Recorded, args: string[]): void {
  const history = new InvocationHistory();
  const entry = history.start({ label: `dbt ${args.join(' ')}`, args, projectRoot: '/p', projectName: 'compat' });
  for (const e of rec.events) history.event(entry, e);
  const fromEvents = Object.fromEntries(entry.rows.map((r) => [r.uniqueId, r.status]));
  const fromResult = Object.fromEntries(rec.result.nodes.map((n) => [n.uniqueId, n.status === 'success' ? 'success' : n.status]));
  for (const [id, status] of Object.entries(fromResult)) {
    assert.ok(id in fromEvents, `the events told the views about ${id} (got ${Object.keys(fromEvents).join(', ')})`);
    // A test's "fail" is "fail" in both; models say "success".
    assert.equal(fromEvents[id], status, `${id}: events say ${fromEvents[id]}, result says ${status}`);
  }
}

/** Every event has the envelope the parser reads. */
function assertEventShape(events: RawDbtEvent[]): void {
  assert.ok(events.length > 0);
  for (const e of events) {
    assert.equal(typeof e.info.name, 'string');
    assert.ok(['debug', 'info', 'warn', 'error', 'test'].includes(String(e.info.level)), `${e.info.name} level ${String(e.info.level)}`);
    assert.ok(typeof e.data === 'object' && e.data !== null);
  }
}

const matrix: Record<string, Record<string, unknown>> = {};

// COMPAT_MINORS=1.6,1.12 runs only those (a developer's narrow run; the matrix file then holds only them).
const chosen = process.env.COMPAT_MINORS?.split(',').map((m) => m.trim());
for (const minor of MINORS.filter((m) => !chosen || chosen.includes(m))) {
  void describe(`dbt-core ${minor}`, PER_MINOR, () => {
    let p: TempProject;
    let runner: ProjectRunner;
    let pid = 0;
    const row: Record<string, unknown> = {};

    before(async () => {
      const python = pythonFor(minor);
      const env = await checkPython(python);
      row.dbtCore = env.dbtVersion;
      row.adapters = env.adapters;
      assert.ok(env.dbtVersion.startsWith(`${minor}.`), `${python} has dbt-core ${env.dbtVersion}, not ${minor}.x`);
      p = await copyProject('compat');
      runner = makeRunner(p, { python, cancelGraceMs: GRACE_MS, startTimeoutMs: 180_000 });
    });

    after(async () => {
      await runner?.dispose();
      await p?.cleanup();
      matrix[minor] = row;
    });

    void it('parse: counts and the slim manifest', T, async () => {
      const r = await runner.parse();
      assert.equal(r.exitCode, 0, JSON.stringify(r.exception));
      assert.equal(r.backend, 'worker');
      assert.ok(r.output.kind === 'parse' && r.output.summary.models === 2 && r.output.summary.seeds === 1 && r.output.summary.tests === 4, JSON.stringify(r.output));
      const slim = JSON.parse(readFileSync(p.manifestPath, 'utf8')) as { nodes: Record<string, { original_file_path: string }> };
      assert.equal(slim.nodes['model.compat.customers'].original_file_path, 'models/customers.sql');
    });

    void it('seed, run, test: results and events in the shape the views read', T, async () => {
      const seed = await record(runner, ['seed']);
      assert.equal(seed.result.exitCode, 0, JSON.stringify(seed.result.exception));
      assert.deepEqual(statuses(seed.result), { 'seed.compat.raw_orders': 'success' });
      pid = [...seed.pids][0];
      const run = await record(runner, ['run']);
      assert.equal(run.result.exitCode, 0, JSON.stringify(run.result.exception));
      assert.deepEqual(statuses(run.result), { 'model.compat.stg_orders': 'success', 'model.compat.customers': 'success' });
      for (const n of run.result.nodes) {
        assert.equal(n.resourceType, 'model');
        assert.ok(n.timing.length > 0 && n.executionTime >= 0, JSON.stringify(n));
        assert.match(n.compiledCode ?? '', /from/i);
      }
      assertEventShape(run.events);
      assertEventsDriveTheViews(run, ['run']);
      const test = await record(runner, ['test']);
      assert.equal(test.result.exitCode, 1);
      assert.equal(statusOf(test.result, TEST_IDS.accepted), 'fail');
      assert.equal(test.result.nodes.find((n) => n.status === 'fail')?.failures, 1);
      assert.equal(test.result.nodes.filter((n) => n.status === 'pass').length, 3);
      assertEventsDriveTheViews(test, ['test']);
      assert.deepEqual([...test.pids], [pid], 'one warm worker');
    });

    void it('build with a failing test: children skipped, exit 1, the parsed manifest reused', T, async () => {
      const build = await record(runner, ['build']);
      assert.equal(build.result.exitCode, 1);
      assert.equal(build.result.parsed, false);
      assert.equal(statusOf(build.result, TEST_IDS.accepted), 'fail');
      assert.equal(statusOf(build.result, 'model.compat.customers'), 'skipped');
      assert.equal(statusOf(build.result, TEST_IDS.customersUnique), 'skipped');
      assert.equal(statusOf(build.result, 'model.compat.stg_orders'), 'success');
      assertEventsDriveTheViews(build, ['build']);
      row.buildEvents = build.events.length;
    });

    void it('the build the editor sends (--use-fast-test-edges from 1.10 on): the same outcomes', T, async () => {
      const args = withFastTestEdges(['build'], String(row.dbtCore), {});
      assert.equal(args.includes(FAST_TEST_EDGES), atLeast(String(row.dbtCore), '1.10'), args.join(' '));
      const build = await record(runner, args);
      assert.equal(build.result.exitCode, 1, JSON.stringify(build.result.exception));
      assert.equal(statusOf(build.result, TEST_IDS.accepted), 'fail');
      assert.equal(statusOf(build.result, 'model.compat.customers'), 'skipped');
      assert.equal(statusOf(build.result, TEST_IDS.customersUnique), 'skipped');
      assert.equal(statusOf(build.result, 'model.compat.stg_orders'), 'success');
      row.editorBuild = args.join(' ');
    });

    void it('commands and flags newer than this minor get one clear message; the others run', T, async () => {
      const tried: Record<string, string> = {};
      const cases: [string, string[], number][] = [
        ['dbt retry', ['retry'], 1], // right after the build: the failing test again
        ['the --empty flag', ['run', '--select', 'customers', '--empty'], 0], // nothing later reads customers' table
      ];
      for (const [what, args, exit] of cases) {
        const need = VERSION_NEEDS.find((n) => n.what === what)!;
        if (atLeast(minor, need.since)) {
          const r = await runner.invoke({ args });
          assert.equal(r.exitCode, exit, `${what}: ${JSON.stringify(r.exception)}`);
          tried[what] = 'runs';
        } else {
          await assert.rejects(runner.invoke({ args }), (e: RunnerError) => {
            assert.equal(e.code, 'dbt-version-unsupported');
            assert.equal(e.message, `${what} needs dbt-core ${need.since} or newer, and this Python has dbt-core ${String(row.dbtCore)}: upgrade dbt-core and your adapter to use it.`);
            return true;
          });
          tried[what] = `refused: needs ${need.since}`;
        }
      }
      row.versionNeeds = tried;
      const after = await record(runner, ['ls', '--select', 'stg_orders']);
      assert.deepEqual([...after.pids], [pid], 'the worker went on');
    });

    void it('compile, show, ls', T, async () => {
      const compile = await runner.invoke({ args: ['compile', '--select', 'customers'] });
      assert.equal(compile.exitCode, 0, JSON.stringify(compile.exception));
      assert.ok(compile.output.kind === 'compile' && compile.output.nodes.some((n) => n.uniqueId === 'model.compat.customers' && /from/i.test(n.compiledCode)), JSON.stringify(compile.output));
      const show = await runner.invoke({ args: ['show', '--select', 'customers', '--limit', '2'] });
      assert.equal(show.exitCode, 0, JSON.stringify(show.exception));
      assert.ok(show.output.kind === 'show', JSON.stringify(show.output));
      const table = show.output.tables.find((t) => t.uniqueId === 'model.compat.customers');
      assert.ok(table && table.rows.length === 2 && table.columns.includes('customer_id'), JSON.stringify(show.output));
      const ls = await runner.invoke({ args: ['ls', '--resource-type', 'model'] });
      assert.equal(ls.exitCode, 0);
      assert.ok(ls.output.kind === 'list' && ls.output.items.includes('compat.customers'), JSON.stringify(ls.output));
    });

    void it('manifest reuse, and a re-parse after an edit', T, async () => {
      const reuse = await record(runner, ['run', '--select', 'stg_orders']);
      assert.equal(reuse.result.parsed, false);
      const parseOnly = PARSE_ONLY_EVENTS.filter((name) => !(name === 'StateCheckVarsHash' && STATE_CHECK_ON_EVERY_INVOCATION.has(minor)));
      for (const name of parseOnly) assert.ok(!reuse.names.includes(name), `no ${name} when the manifest is reused`);
      const file = join(p.root, 'models', 'customers.sql');
      writeFileSync(file, readFileSync(file, 'utf8').replace('count(*) as orders', 'count(*) as orders, 15 as conductor_marker'));
      const edited = await record(runner, ['run', '--select', 'customers']);
      assert.equal(edited.result.exitCode, 0, JSON.stringify(edited.result.exception));
      assert.equal(edited.result.parsed, true);
      assert.match(edited.result.nodes[0].compiledCode ?? '', /conductor_marker/);
      assert.deepEqual([...edited.pids], [pid]);
    });

    void it('cancel mid-query: dbt stops (KeyboardInterrupt), or the worker is killed after the grace period; the next request works', T, async () => {
      const ac = new AbortController();
      const started = performance.now();
      const slow = record(runner, ['run', '--select', 'slow_model', '--vars', '{slow: true}'], ac.signal, whenSlowQueryRuns(() => ac.abort()), true);
      if (CANCEL_KILLS_WORKER.has(minor)) {
        await assert.rejects(slow, (e: RunnerError) => e instanceof RunnerError && e.code === 'cancelled' && new RegExp(`did not stop within ${GRACE_MS / 1000} s of the cancel, so its worker was killed`).test(e.message));
        row.cancel = `worker killed after the ${GRACE_MS / 1000} s grace (dbt-duckdb cannot cancel a query)`;
      } else {
        const r = (await slow).result;
        assert.equal(r.cancelled, true);
        assert.equal(r.exitCode, 2);
        assert.equal(r.exception?.type, 'KeyboardInterrupt');
        row.cancel = 'dbt stopped (KeyboardInterrupt)';
      }
      row.cancelMs = Math.round(performance.now() - started);
      const next = await record(runner, ['ls', '--select', 'stg_orders']);
      assert.equal(next.result.exitCode, 0);
      if (!CANCEL_KILLS_WORKER.has(minor)) assert.deepEqual([...next.pids], [pid], 'still the same worker');
      pid = [...next.pids][0];
    });

  });
}

after(() => {
  mkdirSync(join(ROOT, 'out', 'results'), { recursive: true });
  writeFileSync(MATRIX_FILE, `${JSON.stringify(matrix, null, 2)}\n`);
});
