// The equivalence layer's comparison (test/equivalence/lib/observe.ts): every
// field it promises to compare, changed on one side, is reported; equal
// observations give no difference.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { differences, type Observation } from '../equivalence/lib/observe';

function observation(): Observation {
  return {
    exitCode: 1,
    cancelled: false,
    nodes: { 'model.p.a': 'success: OK', 'test.p.t': 'fail: Got 2 results' },
    compiled: { 'model.p.a': 'select 1 as id' },
    runResults: {
      statuses: { 'model.p.a': 'success: OK', 'test.p.t': 'fail: Got 2 results' },
      compiled: { 'model.p.a': 'select 1 as id' },
    },
    listed: ['p.a', 'p.t'],
    relations: {
      'dev.duckdb:main.a': { kind: 'table', rows: 1, columns: ['id'], checksum: 'c1' },
      'dev.duckdb:main.v': { kind: 'view', rows: 1 },
    },
  };
}

void describe('equivalence comparison', () => {
  void it('finds no difference between equal observations', () => {
    assert.deepEqual(differences(observation(), observation()), []);
  });

  const cases: [string, (o: Observation) => void, RegExp][] = [
    ['exit code', (o) => { o.exitCode = 0; }, /^exit code: warm 0, cold 1$/],
    ['node status', (o) => { o.nodes['test.p.t'] = 'pass: None'; }, /^node test\.p\.t: warm "pass: None", cold "fail: Got 2 results"$/],
    ['node missing', (o) => { delete o.nodes['model.p.a']; }, /^node model\.p\.a: warm \(absent\)/],
    ['compiled SQL', (o) => { o.compiled['model.p.a'] = 'select 2 as id'; }, /^compiled SQL model\.p\.a: warm "select 2 as id"/],
    ['run_results.json status', (o) => { o.runResults!.statuses['test.p.t'] = 'error: boom'; }, /^run_results\.json test\.p\.t: warm "error: boom"/],
    ['run_results.json node set', (o) => { o.runResults!.statuses['model.p.b'] = 'success: OK'; }, /^run_results\.json model\.p\.b: warm "success: OK", cold \(absent\)$/],
    ['run_results.json absent', (o) => { o.runResults = null; }, /^run_results\.json: warm absent, cold present$/],
    ['run_results.json compiled_code', (o) => { o.runResults!.compiled['model.p.a'] = 'select 3'; }, /^run_results\.json compiled_code model\.p\.a:/],
    ['ls selection', (o) => { o.listed = ['p.a']; }, /^ls\/show p\.t: warm \(absent\), cold "yes"$/],
    ['relation checksum', (o) => { o.relations['dev.duckdb:main.a'] = { kind: 'table', rows: 1, columns: ['id'], checksum: 'c2' }; }, /^relation dev\.duckdb:main\.a: .*c2.*c1/],
    ['relation row count', (o) => { o.relations['dev.duckdb:main.v'] = { kind: 'view', rows: 2 }; }, /^relation dev\.duckdb:main\.v:/],
    ['relation missing', (o) => { delete o.relations['dev.duckdb:main.v']; }, /^relation dev\.duckdb:main\.v: warm \(absent\)/],
  ];
  for (const [what, change, expected] of cases) {
    void it(`reports a different ${what}`, () => {
      const found = differences(withChange(change), observation()); // changed on the warm side only
      assert.equal(found.length, 1, found.join('\n'));
      assert.match(found[0], expected);
    });
  }

  void it('compares node results on an exception (exit 2) only when it was a cancel', () => {
    const exception = (o: Observation) => { o.exitCode = 2; o.nodes = {}; };
    assert.deepEqual(differences(withChange(exception), withChange((o) => { exception(o); o.nodes = { 'model.p.a': 'error: x' }; })), []);
    const cancel = (o: Observation) => { o.exitCode = 2; o.cancelled = true; o.nodes = {}; };
    assert.match(differences(withChange(cancel), withChange((o) => { cancel(o); o.nodes = { 'model.p.a': 'error: x' }; })).join('\n'), /^node model\.p\.a:/);
  });
});

function withChange(change: (o: Observation) => void): Observation {
  const o = observation();
  change(o);
  return o;
}
