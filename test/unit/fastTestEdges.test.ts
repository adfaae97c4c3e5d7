// When the editor adds dbt's --use-fast-test-edges: `dbt build` on dbt-core
// 1.10 and later, unless the user's arguments or environment already choose.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAST_TEST_EDGES, withFastTestEdges } from '../../src/dbt/fastTestEdges';

void describe('withFastTestEdges', () => {
  void it('adds the flag to a build on dbt-core 1.10 and later', () => {
    assert.deepEqual(withFastTestEdges(['build'], '1.10.0', {}), ['build', FAST_TEST_EDGES]);
    assert.deepEqual(withFastTestEdges(['build', '-s', '+orders'], '1.12.6', {}), ['build', '-s', '+orders', FAST_TEST_EDGES]);
    assert.deepEqual(withFastTestEdges(['build', '--exclude', 'build'], '1.11.0rc1', {}), ['build', '--exclude', 'build', FAST_TEST_EDGES]);
  });

  void it('leaves other commands alone, a selector named build included', () => {
    for (const args of [['run'], ['test', '-s', 'orders'], ['ls', '-s', 'build'], ['retry'], ['parse']]) {
      assert.deepEqual(withFastTestEdges(args, '1.12.6', {}), args);
    }
  });

  void it('leaves dbt-core before 1.10 alone (no such flag there), and versions it cannot read', () => {
    for (const version of ['1.9.8', '1.8.9', '1.5.0', '2.0.0', 'unknown', '']) {
      assert.deepEqual(withFastTestEdges(['build'], version, {}), ['build']);
    }
  });

  void it("keeps the user's own choice from the arguments or DBT_USE_FAST_TEST_EDGES", () => {
    assert.deepEqual(withFastTestEdges(['build', '--no-use-fast-test-edges'], '1.12.6', {}), ['build', '--no-use-fast-test-edges']);
    assert.deepEqual(withFastTestEdges(['build', FAST_TEST_EDGES], '1.12.6', {}), ['build', FAST_TEST_EDGES]);
    assert.deepEqual(withFastTestEdges(['build'], '1.12.6', { DBT_USE_FAST_TEST_EDGES: 'false' }), ['build']);
    assert.deepEqual(withFastTestEdges(['build'], '1.12.6', { DBT_USE_FAST_TEST_EDGES: 'true' }), ['build']);
  });

  void it('returns a new array', () => {
    const args = ['build'];
    const out = withFastTestEdges(args, '1.12.6', {});
    out.push('x');
    assert.deepEqual(args, ['build']);
  });
});
