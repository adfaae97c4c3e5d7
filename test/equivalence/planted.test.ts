// The layer's self-test: a difference planted in what the warm side observes
// (one table's content checksum, as if the warm run had written other rows)
// must fail the case with its seed, the difference, the shortest sequence and
// the command that replays it. The case runs for real (jaffle, one `dbt ls`);
// only the warm side's database snapshot is altered.
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { after, describe, it } from 'node:test';
import { pythonPath } from '../fixtures/lib/fixtures';
import { duckdbTarget } from './lib/duckdbTarget';
import { jaffle } from './lib/projects';
import { runCase } from './lib/replay';
import { makeTemplate, sideDirPrefix } from './lib/side';
import type { Step } from './lib/steps';
import type { DatabaseState, EquivalenceTarget } from './lib/target';

const python = pythonPath('1.12');
const SEED = 4242; // only a label here: the steps are fixed

/** The first table's checksum, changed. */
function plantChecksum(state: DatabaseState): { state: DatabaseState; key: string } {
  const key = Object.keys(state).sort().find((k) => state[k].kind === 'table');
  if (!key) throw new Error(`no table to plant a difference in: ${Object.keys(state).join(', ')}`);
  return { state: { ...state, [key]: { ...state[key], checksum: `planted-${state[key].checksum}` } }, key };
}

/** The DuckDB target, whose warm sides report a planted checksum; `planted` collects the relations it touched. */
function plantedTarget(inner: EquivalenceTarget, planted: Set<string>): EquivalenceTarget {
  return {
    name: inner.name,
    alternateTarget: inner.alternateTarget,
    dispose: () => inner.dispose(),
    open: async (workDir, template) => {
      const db = await inner.open(workDir, template);
      if (!basename(workDir).startsWith(sideDirPrefix('warm'))) return db;
      return {
        ...db,
        snapshot: async () => {
          const { state, key } = plantChecksum(await db.snapshot());
          planted.add(key);
          return state;
        },
      };
    },
  };
}

void describe('the equivalence layer fails on a planted difference', () => {
  const planted = new Set<string>();
  const target = plantedTarget(duckdbTarget(python), planted);
  after(() => target.dispose());

  void it('reports the seed, the difference and the shortest sequence', { timeout: 1_800_000 }, async () => {
    const template = await makeTemplate(jaffle, target, python);
    const steps: Step[] = [{ kind: 'edit', edit: 'new-model jaffle/models/marts/order_count.sql', variant: 0 }, { kind: 'dbt', args: ['ls'] }];
    const r = await runCase({ project: jaffle, template, target, python }, SEED, steps, 4, 'EQUIV_CASES=1');
    assert.equal(planted.size, 1);
    const [key] = planted;
    assert.ok(r.failure, 'the case passed although its warm side saw a different table');
    assert.equal(r.difference?.index, 1);
    assert.match(r.failure, new RegExp(`^warm and cold differ \\(seed ${SEED}, project jaffle, duckdb\\) at step 2:`));
    assert.ok(r.failure.includes(`  - relation ${key}: warm `), r.failure);
    // The edit is not needed to show the difference: the shortest sequence is the `dbt ls` alone.
    assert.ok(r.failure.endsWith(`shortest sequence found that still differs:\n  1. dbt ls\nreplay: EQUIV_SEED=${SEED} EQUIV_CASES=1`), r.failure);
  });
});
