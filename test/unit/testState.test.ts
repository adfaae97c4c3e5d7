// The one record of test results (Test Results, Problems and the Test
// Explorer read it), fed with event streams recorded from real dbt: the
// regressions of the first-hour issue that live in pure logic.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { testProblems, type ProblemSources } from '../../src/dbt/diagnosticsModel';
import { countsText } from '../../src/dbt/outcomes';
import { nodeProjectPath } from '../../src/dbt/packageRoots';
import { changesTestResults, groupTests, isStale, TestState, testOutcomeOf, type TestResult } from '../../src/dbt/testState';
import { InvocationHistory, type InvocationEntry } from '../../src/dbt/treeModel';
import { jaffleDir, loadStream, resultOf, type Stream } from './eventStreams';
import { jaffleIndex } from './server-fixture';
import { FAILING_TEST, WARNING_TEST } from '../fixtures/lib/jaffleIds';

/** Replays a stream and its final result, as the runner host does. */
function run(h: InvocationHistory, stream: Stream, projectRoot = '/p'): InvocationEntry {
  const entry = h.start({ label: `dbt ${stream.args.join(' ')}`, args: stream.args, projectRoot, projectName: 'jaffle' });
  for (const e of stream.events) h.event(entry, e);
  h.finish(entry, resultOf(stream));
  return entry;
}

const nodePath = (pkg: string, rel: string) => nodeProjectPath({ root: jaffleDir, name: 'jaffle', packagesInstallPath: 'dbt_packages' }, pkg, rel);
const sources: ProblemSources = { index: jaffleIndex(), readFile: (rel) => readFileSync(join(jaffleDir, rel), 'utf8'), nodePath };

void describe('TestState: latest result per test', () => {
  void it('"Show Failing Rows" (dbt show of a failing test) leaves the test failing in Test Results and in Problems', () => {
    const h = new InvocationHistory();
    run(h, loadStream('build'));
    const show = run(h, loadStream('show_failing_test'));
    assert.equal(show.rows.find((r) => r.uniqueId === FAILING_TEST)?.status, 'success', 'dbt reports the show as a success');
    assert.equal(h.tests.get('/p', FAILING_TEST)?.outcome, 'fail');
    assert.equal(h.testGroups()[0]?.tests[0]?.uniqueId, FAILING_TEST, 'still first, as failing');
    const problems = testProblems(h.tests.all('/p'), sources);
    assert.ok(problems.some((p) => p.uniqueId === FAILING_TEST && p.severity === 'error'));
  });

  void it('only test, build and retry change results: show, compile, run, ls never do', () => {
    for (const c of ['test', 'build', 'retry']) assert.ok(changesTestResults(c), c);
    for (const c of ['show', 'compile', 'run', 'ls', 'list', 'parse', 'seed', 'snapshot', 'docs generate']) assert.ok(!changesTestResults(c), c);
  });

  void it('drops results of tests the manifest no longer has (a test removed from YAML), in both views', () => {
    const h = new InvocationHistory();
    run(h, loadStream('build'));
    const before = h.tests.all('/p').length;
    const index = jaffleIndex();
    const changed = h.tests.retain('/p', (id) => id !== FAILING_TEST && index.byId.has(id));
    assert.ok(changed);
    assert.equal(h.tests.all('/p').length, before - 1);
    assert.equal(h.tests.get('/p', FAILING_TEST), undefined);
    assert.ok(!h.testGroups().some((g) => g.tests.some((t) => t.uniqueId === FAILING_TEST)));
    assert.ok(!testProblems(h.tests.all('/p'), sources).some((p) => p.uniqueId === FAILING_TEST));
    assert.equal(h.tests.retain('/p', (id) => index.byId.has(id)), false, 'nothing else to drop: the rest is in the manifest');
  });

  void it('says the same thing in the Invocations view and in Test Results: "1 fail", not "1 error"', () => {
    const h = new InvocationHistory();
    const build = run(h, loadStream('build'));
    const summary = countsText(build.state.counts);
    assert.match(summary, /\b1 fail\b/);
    assert.match(summary, /\b1 warn\b/);
    assert.doesNotMatch(summary, /error/);
    const orders = h.testGroups().find((g) => g.subject === 'model.jaffle.orders');
    assert.equal(orders?.counts.fail, 1);
    assert.equal(orders?.counts.error, 0);
    assert.deepEqual([...new Set(h.tests.all().map((t) => t.outcome))].sort(), ['fail', 'pass', 'warn']);
  });

  void it('a newer result replaces an older one, never the reverse, and a cancel keeps the last result', () => {
    const state = new TestState();
    const node = { uniqueId: 't', name: 't', resourceType: 'test', status: 'fail' as const, failures: 2 };
    state.record('/p', 'test', 2, node, 20);
    assert.equal(state.record('/p', 'test', 1, { ...node, status: 'pass' }, 10), false);
    state.record('/p', 'build', 3, { ...node, status: 'running' }, 30);
    assert.deepEqual([state.get('/p', 't')?.outcome, state.get('/p', 't')?.running], ['fail', true]);
    state.record('/p', 'build', 3, { ...node, status: 'cancelled' }, 30);
    assert.deepEqual([state.get('/p', 't')?.outcome, state.get('/p', 't')?.running], ['fail', false]);
    state.record('/p', 'test', 4, { ...node, status: 'runtime error' }, 40);
    assert.equal(state.get('/p', 't')?.outcome, 'error');
  });

  void it('speaks dbt\'s words for outcomes', () => {
    assert.deepEqual(['pass', 'success', 'fail', 'warn', 'error', 'runtime error', 'skipped', 'running', 'cancelled'].map(testOutcomeOf), ['pass', 'pass', 'fail', 'warn', 'error', 'error', 'skipped', undefined, undefined]);
  });

  void it('marks a result stale when its file, or its model\'s file, was edited after the run started', () => {
    const r: TestResult = { projectRoot: '/p', uniqueId: 't', name: 't', resourceType: 'test', subject: 'm', outcome: 'fail', running: false, filePath: 'models/schema.yml', at: 1000, invocationId: 1 };
    assert.equal(isStale(r, () => 900, 'models/m.sql'), false);
    assert.equal(isStale(r, (f) => (f === 'models/schema.yml' ? 1500 : 900), 'models/m.sql'), true);
    assert.equal(isStale(r, (f) => (f === 'models/m.sql' ? 1500 : 900), 'models/m.sql'), true);
    assert.equal(isStale(r, () => undefined), false, 'a file that is gone says nothing');
    const problems = testProblems([r], { readFile: () => undefined, nodePath }, () => true);
    assert.match(problems[0]?.message ?? '', /stale/);
  });

  void it('survives a reload: saved and restored, newest first and bounded', () => {
    const h = new InvocationHistory();
    run(h, loadStream('build'));
    const saved = JSON.parse(JSON.stringify(h.tests.toJSON()));
    const restored = TestState.from(saved);
    assert.deepEqual(restored.all().map((t) => [t.uniqueId, t.outcome]).sort(), h.tests.all().map((t) => [t.uniqueId, t.outcome]).sort());
    assert.equal(TestState.from(h.tests.toJSON(3)).all().length, 3);
    assert.equal(TestState.from({ version: 99, results: saved.results }).all().length, 0, 'an unknown format is ignored');
    assert.equal(TestState.from([{ nonsense: true }]).all().length, 0);
  });

  void it('groups by the tested model, failing first, with counts per outcome', () => {
    const h = new InvocationHistory();
    run(h, loadStream('build'));
    const groups = groupTests(h.tests.all());
    assert.equal(groups[0]?.subject, 'model.jaffle.orders');
    assert.equal(groups.find((g) => g.tests.some((t) => t.uniqueId === WARNING_TEST))?.counts.warn, 1);
  });
});
