// dbt's --use-fast-test-edges for `dbt build` (dbt-core 1.10 and later). A
// build makes each node wait for the tests of the nodes it depends on, by
// adding test edges to the graph before the first node runs. dbt's default
// method adds an edge from each test to every descendant (1.6 million edges
// at 3,000 models: most of a 40-second wait); the flag adds only the edges
// needed for the same order (dbt's docs; always on in dbt's v2 engine).
// bench/testedges.main.ts measures both.
import { commandOf, hasFlag } from './subcommand';

export const FAST_TEST_EDGES = '--use-fast-test-edges';
/** dbt's environment variable for the flag: when set, the user has chosen. */
const FAST_TEST_EDGES_ENV = 'DBT_USE_FAST_TEST_EDGES';

/**
 * `args` with --use-fast-test-edges added when they run `dbt build` on
 * dbt-core 1.10 or later and neither the arguments nor the environment
 * choose a method already.
 */
export function withFastTestEdges(args: readonly string[], dbtVersion: string, env: Readonly<Record<string, string | undefined>>): string[] {
  const chosen = hasFlag(args, FAST_TEST_EDGES, '--no-use-fast-test-edges') || env[FAST_TEST_EDGES_ENV] !== undefined;
  return commandOf(args) === 'build' && !chosen && hasFastTestEdges(dbtVersion) ? [...args, FAST_TEST_EDGES] : [...args];
}

/** dbt-core 1.10 to 1.x: the versions with the flag (it is hidden in --help, so not probed). */
function hasFastTestEdges(dbtVersion: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(dbtVersion);
  return m !== null && Number(m[1]) === 1 && Number(m[2]) >= 10;
}
