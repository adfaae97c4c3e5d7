// How the CLI backend turns dbt's JSON log events into an InvocationResult.
// The events are shaped as dbt 1.12 writes them (checked against real output
// in test/integration/runner-cli.test.ts, which compares with the worker).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RawDbtEvent } from '../../src/dbt/protocol';
import { CliResultCollector, parseStatLine } from '../../src/runner/cliResults';

const ev = (name: string, data: Record<string, unknown>): RawDbtEvent => ({ info: { name, level: 'debug' }, data });
const nodeInfo = (uid: string, extra: Record<string, unknown> = {}) => ({ unique_id: uid, resource_type: uid.split('.')[0], node_name: uid.split('.').pop(), node_relation: { relation_name: '' }, ...extra });

void test('NodeFinished gives the node results; ephemeral models only for a compile given --select or --inline, as dbt lists them', () => {
  const cases: [string[], boolean][] = [
    [['build', '--select', 'eph+'], false],
    [['compile'], false],
    [['compile', '--exclude', 'eph'], false],
    [['compile', '--select', 'eph+'], true],
    [['compile', '-s', 'eph'], true],
    [['compile', '--select=eph'], true],
    [['compile', '-m', 'eph'], true],
    [['compile', '--inline', 'select 1'], true],
    [['compile', '--inline', '-- a comment\nselect 1'], true],
  ];
  for (const [args, listed] of cases) {
    const c = new CliResultCollector(args[0], args);
    c.add(ev('NodeFinished', { node_info: nodeInfo('model.p.eph', { materialized: 'ephemeral' }), run_result: { status: 'success' } }));
    c.add(ev('NodeFinished', {
      node_info: nodeInfo('test.p.t1'),
      run_result: { status: 'fail', message: 'Got 1 result', execution_time: 0.5, num_failures: 1, timing_info: [{ name: 'execute', started_at: 'a', completed_at: 'b' }] },
    }));
    const r = c.finish({ exitCode: 1, elapsedSeconds: 1, cancelled: false, stderrTail: '' });
    const ids = r.nodes.map((n) => n.uniqueId);
    assert.deepEqual(ids, listed ? ['model.p.eph', 'test.p.t1'] : ['test.p.t1'], args.join(' '));
    const t = r.nodes.find((n) => n.uniqueId === 'test.p.t1')!;
    assert.equal(t.status, 'fail');
    assert.equal(t.failures, 1);
    assert.equal(t.relationName, null);
    assert.deepEqual(t.timing, [{ name: 'execute', startedAt: 'a', completedAt: 'b' }]);
    assert.equal(r.backend, 'cli');
    assert.equal(r.success, false);
  }
});

void test('without debug events, Log*Result lines are used; NodeFinished wins when both exist', () => {
  const c = new CliResultCollector('run');
  c.add(ev('LogModelResult', { node_info: nodeInfo('model.p.a', { node_status: 'success' }), status: 'OK', execution_time: 1 }));
  c.add(ev('LogModelResult', { node_info: nodeInfo('model.p.b', { node_status: 'error' }), status: 'error' }));
  c.add(ev('NodeFinished', { node_info: nodeInfo('model.p.b'), run_result: { status: 'error', message: 'boom' } }));
  const r = c.finish({ exitCode: 1, elapsedSeconds: 1, cancelled: false, stderrTail: '' });
  assert.deepEqual(r.nodes.map((n) => [n.uniqueId, n.status, n.message]), [['model.p.a', 'success', null], ['model.p.b', 'error', 'boom']]);
});

void test('SkippingDetails alone (an on-run-start hook failed) gives a skipped node; NodeFinished after it wins', () => {
  const c = new CliResultCollector('build');
  c.add(ev('SkippingDetails', { node_info: nodeInfo('model.p.a', { node_relation: { relation_name: '"db"."main"."a"' } }), index: 1, total: 2 }));
  c.add(ev('SkippingDetails', { node_info: nodeInfo('test.p.t'), index: 2, total: 2 }));
  c.add(ev('SkippingDetails', { node_info: nodeInfo('model.p.b'), index: 1, total: 1 }));
  c.add(ev('NodeFinished', { node_info: nodeInfo('model.p.b'), run_result: { status: 'skipped', message: 'upstream' } }));
  const r = c.finish({ exitCode: 1, elapsedSeconds: 1, cancelled: false, stderrTail: '' });
  assert.deepEqual(r.nodes.map((n) => [n.uniqueId, n.status, n.message, n.failures, n.relationName]), [
    ['model.p.a', 'skipped', null, null, '"db"."main"."a"'],
    ['test.p.t', 'skipped', null, 0, null],
    ['model.p.b', 'skipped', 'upstream', null, null],
  ]);
});

void test('exit 2: dbt\'s error text and type from the stack trace; usage errors from stderr; cancel', () => {
  const c = new CliResultCollector('run');
  c.add(ev('MainEncounteredError', { exc: 'Compilation Error in model x (models/x.sql)' }));
  c.add(ev('MainStackTrace', { stack_trace: 'Traceback...\ndbt_common.exceptions.base.CompilationError: Compilation Error in model x' }));
  assert.deepEqual(c.finish({ exitCode: 2, elapsedSeconds: 1, cancelled: false, stderrTail: '' }).exception, { type: 'CompilationError', message: 'Compilation Error in model x (models/x.sql)' });
  const usage = new CliResultCollector('run').finish({ exitCode: 2, elapsedSeconds: 0, cancelled: false, stderrTail: "Error: No such option: --bogus" });
  assert.deepEqual(usage.exception, { type: 'DbtUsageException', message: 'Error: No such option: --bogus' });
  const cancelled = new CliResultCollector('run').finish({ exitCode: 2, elapsedSeconds: 0, cancelled: true, stderrTail: '' });
  assert.equal(cancelled.exception?.type, 'KeyboardInterrupt');
  assert.equal(cancelled.cancelled, true);
});

void test('command outputs: ls, show (JSON and text previews), debug, parse', () => {
  const ls = new CliResultCollector('ls');
  ls.add(ev('PrintEvent', { msg: 'p.a' }));
  ls.add(ev('ListCmdOut', { msg: 'p.b' }));
  assert.deepEqual(ls.finish({ exitCode: 0, elapsedSeconds: 0, cancelled: false, stderrTail: '' }).output, { kind: 'list', items: ['p.a', 'p.b'] });

  const show = new CliResultCollector('show');
  show.add(ev('ShowNode', { unique_id: 'model.p.a', preview: JSON.stringify([{ id: 1, name: 'x' }, { id: 2, extra: true }]) }));
  show.add(ev('ShowNode', { unique_id: 'model.p.b', preview: '| id |\n| 1 |' }));
  const out = show.finish({ exitCode: 0, elapsedSeconds: 0, cancelled: false, stderrTail: '' }).output;
  assert.deepEqual(out, {
    kind: 'show',
    tables: [
      { uniqueId: 'model.p.a', columns: ['id', 'name', 'extra'], rows: [[1, 'x', null], [2, null, true]] },
      { uniqueId: 'model.p.b', columns: ['preview'], rows: [['| id |\n| 1 |']] },
    ],
  });
  assert.deepEqual(new CliResultCollector('debug').finish({ exitCode: 1, elapsedSeconds: 0, cancelled: false, stderrTail: '' }).output, { kind: 'debug', ok: false });

  const parse = new CliResultCollector('parse');
  parse.add(ev('FoundStats', { stat_line: '7 models, 3 seeds, 1 snapshot, 21 data tests, 3 sources, 1 exposure, 511 macros, 1 unit test' }));
  const summary = parse.finish({ exitCode: 0, elapsedSeconds: 0, cancelled: false, stderrTail: '' }).output;
  assert.deepEqual(summary, { kind: 'parse', summary: parseStatLine('7 models, 3 seeds, 1 snapshot, 21 data tests, 3 sources, 1 exposure, 511 macros, 1 unit test') });
  assert.deepEqual(parseStatLine('7 models, 3 seeds, 1 snapshot, 21 data tests, 3 sources, 1 exposure, 511 macros, 1 unit test'), {
    nodes: 32, models: 7, tests: 21, seeds: 3, snapshots: 1, sources: 3, macros: 511, exposures: 1, unitTests: 1,
  });
});
