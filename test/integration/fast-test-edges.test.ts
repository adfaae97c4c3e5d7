// The editor adds dbt's --use-fast-test-edges to `dbt build` on dbt-core
// 1.10 and later (src/dbt/fastTestEdges.ts), because dbt says a build then
// runs in the same order and only sets up faster. Checked here with real dbt
// 1.12 through the worker, on a copy of jaffle with one model downstream of
// the failing test: with the flag, every node ends as it does without (the
// new model skipped because of that test, which only a test edge makes
// happen), and no node starts before the tests on its parents have finished.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FAST_TEST_EDGES } from '../../src/dbt/fastTestEdges';
import type { RawDbtEvent } from '../../src/dbt/protocol';
import { FAILING_TEST } from '../fixtures/lib/jaffleIds';
import { copyProject, makeRunner, record, statuses } from './runnerHelpers';

const T = { timeout: 600_000 };
const DOWNSTREAM = 'model.jaffle.order_status_counts';

interface Build {
  statuses: Record<string, string>;
  events: RawDbtEvent[];
  /** test id -> the nodes it depends on, from dbt's target/manifest.json. */
  testDeps: Map<string, string[]>;
  /** node id -> its parents. */
  parents: Map<string, string[]>;
}

async function build(extra: string[]): Promise<Build> {
  const p = await copyProject('jaffle');
  const runner = makeRunner(p);
  try {
    // A model downstream of orders, whose accepted_values test fails.
    writeFileSync(join(p.root, 'models', 'marts', 'order_status_counts.sql'), "select status, count(*) as orders from {{ ref('orders') }} group by status\n");
    const { result, events } = await record(runner, ['build', ...extra]);
    assert.equal(result.exitCode, 1, result.exception?.message);
    const manifest = JSON.parse(readFileSync(join(p.root, 'target', 'manifest.json'), 'utf8')) as { nodes: Record<string, { resource_type: string; depends_on?: { nodes?: string[] } }> };
    const testDeps = new Map<string, string[]>();
    const parents = new Map<string, string[]>();
    for (const [id, n] of Object.entries(manifest.nodes)) {
      const deps = n.depends_on?.nodes ?? []; // seeds have none
      if (n.resource_type === 'test') testDeps.set(id, deps);
      else parents.set(id, deps);
    }
    return { statuses: statuses(result), events, testDeps, parents };
  } finally {
    await runner.dispose();
    await p.cleanup();
  }
}

/** Each node that ran started after every test on one of its parents alone had finished (dbt's test edges). */
function assertTestsFirst(b: Build): void {
  const at = (name: string, id: string) => b.events.findIndex((e) => e.info.name === name && (e.data?.node_info as { unique_id?: string } | undefined)?.unique_id === id);
  let checked = 0;
  for (const [node, parents] of b.parents) {
    const start = at('NodeStart', node);
    if (start < 0) continue;
    for (const [test, deps] of b.testDeps) {
      if (deps.length !== 1 || !parents.includes(deps[0]!)) continue;
      const finished = at('NodeFinished', test);
      assert.ok(finished >= 0 && finished < start, `${node} started before ${test} on its parent finished`);
      checked++;
    }
  }
  assert.ok(checked > 5, `only ${checked} parent tests checked`);
}

void describe('dbt build with --use-fast-test-edges (dbt 1.12, worker)', () => {
  void it('ends every node as a build without it, the skip behind the failing test included, in the same order', T, async () => {
    const plain = await build([]);
    const fast = await build([FAST_TEST_EDGES]);
    assert.equal(plain.statuses[FAILING_TEST], 'fail');
    assert.equal(plain.statuses[DOWNSTREAM], 'skipped', 'the model after the failing test is skipped');
    assert.deepEqual(fast.statuses, plain.statuses);
    assertTestsFirst(plain);
    assertTestsFirst(fast);
  });
});
