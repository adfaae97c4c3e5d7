// The demo's project before anyone clicks: seeded and built (`dbt build`) in
// its work copy, so the first suggested click (Run on a mart) finds its
// upstream tables. Its build fails on purpose on one test, which the demo
// text points to. Used by `npm run demo` and by the first-hour user flow.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pythonPath } from './paths';
import { runCommand } from './processes';

/** The test of the demo project that fails on purpose (demo/project/tests/). */
export const DEMO_FAILING_TEST = 'assert_every_product_sells_20_units';

export interface BuiltDemo {
  /** Nodes per status, from dbt's run_results.json. */
  statuses: Record<string, string>;
  elapsedSeconds: number;
}

/**
 * Runs `dbt build` in the demo copy with the given environment (its DuckDB
 * file, or the Postgres connection of `target`). Throws unless every model
 * and seed succeeded and the only failure is the deliberate one.
 */
export async function buildDemo(projectDir: string, env: Record<string, string>, target?: string): Promise<BuiltDemo> {
  const dbt = join(dirname(pythonPath()), 'dbt');
  const started = Date.now();
  const r = await runCommand(dbt, ['build', '--profiles-dir', projectDir, '--project-dir', projectDir, ...(target ? ['--target', target] : [])], {
    cwd: projectDir,
    env: { ...process.env, ...env, DO_NOT_TRACK: '1' },
    timeoutMs: 600_000,
  });
  const results = JSON.parse(readFileSync(join(projectDir, 'target', 'run_results.json'), 'utf8')) as { results: { unique_id: string; status: string }[] };
  const statuses = Object.fromEntries(results.results.map((x) => [x.unique_id, x.status]));
  const bad = Object.entries(statuses).filter(([id, s]) => (s === 'error' || s === 'fail' || s === 'skipped') && !id.includes(DEMO_FAILING_TEST));
  if (bad.length > 0 || statuses[`test.roastery.${DEMO_FAILING_TEST}`] !== 'fail') {
    throw new Error(`dbt build of the demo did not end as expected (exit ${r.code}): ${JSON.stringify(bad)}\n${r.output.slice(-3000)}`);
  }
  return { statuses, elapsedSeconds: (Date.now() - started) / 1000 };
}
