// The demo (scripts/demo.sh, `npm run demo`): packages the extension, seeds
// and builds a copy of demo/project (so the first click on a mart works),
// installs the VSIX into an isolated code-server, opens the copy and prints
// the URL. Runs until Ctrl-C, then stops everything it started.
//
// Env: DEMO_PORT (default: a free port), DEMO_PROJECT (default demo/project).
// `--postgres`: the profile's `pg` target on the tests' throwaway PostgreSQL
// server (scripts/postgres.sh; started unless running, then stopped on exit).
import { join } from 'node:path';
import { onExit } from './lib/cleanup';
import { startCodeServer } from './lib/codeServer';
import { buildDemo, DEMO_FAILING_TEST } from './lib/demoProject';
import { pythonPath, repoRoot } from './lib/paths';
import { packageExtension } from './lib/vsix';
import { copyWorkspace } from './lib/workspace';
import { ensurePostgres, pgQuery, pgTargetEnv } from '../fixtures/lib/postgres';

const POSTGRES = process.argv.includes('--postgres');

/** dbt's environment for the demo: its DuckDB file, or the `pg` target on a database of its own. */
async function demoEnv(tmp: string): Promise<Record<string, string>> {
  if (!POSTGRES) return { DBT_CONDUCTOR_DEMO_DB: join(tmp, 'roastery.duckdb') };
  const pg = ensurePostgres();
  if ((await pgQuery('postgres', "select 1 from pg_database where datname = 'roastery'")).length === 0) await pgQuery('postgres', 'create database roastery');
  console.log(`demo: PostgreSQL on ${pg.host}:${pg.port}, database roastery, user ${pg.user} (password in the DBT_ENV_SECRET_POSTGRES_PASSWORD of the workbench's environment)`);
  return pgTargetEnv('roastery');
}

async function main(): Promise<void> {
  // Registered first, so it runs after the other exit tasks.
  onExit(() => console.log('\ndemo: stopped code-server and everything it started; removed the temp dirs.'));
  console.log('demo: packaging the extension (production build + vsce package)...');
  const vsix = await packageExtension();
  const workspace = copyWorkspace(process.env.DEMO_PROJECT ?? join(repoRoot(), 'demo/project'), 'roastery');
  const env = await demoEnv(workspace.tmp);
  console.log('demo: seeding and building the project (dbt build)...');
  const built = await buildDemo(workspace.dir, env, POSTGRES ? 'pg' : undefined);
  console.log(`demo: built ${Object.keys(built.statuses).length} nodes in ${built.elapsedSeconds.toFixed(0)} s; ${DEMO_FAILING_TEST} fails on purpose.`);
  console.log('demo: starting code-server...');
  const server = await startCodeServer({
    folder: workspace.dir,
    vsix: vsix.file,
    ...(process.env.DEMO_PORT ? { port: Number(process.env.DEMO_PORT) } : {}),
    settings: { 'dbtConductor.pythonPath': pythonPath(), 'workbench.colorTheme': 'Default Dark Modern', ...(POSTGRES ? { 'dbtConductor.target': 'pg' } : {}) },
    env,
  });
  vsix.remove();
  console.log(`
  dbt Conductor demo is running.

    Open:     ${server.workbenchUrl()}
    Project:  ${workspace.dir} (a copy of demo/project; ${POSTGRES ? 'target pg: PostgreSQL, database roastery' : 'DuckDB file beside it'})
    Python:   ${pythonPath()}

  The project is seeded and built. Try:
  - open models/marts/orders.sql and click "Run" above it;
  - run "dbt: Build Whole Project" from the command palette (F1): in the dbt
    view, Test Results shows ${DEMO_FAILING_TEST} failing on purpose;
    click it to open the test, or use "Show Failing Rows" on it.
  code-server listens on 127.0.0.1 only, without a password; from another
  machine, forward the port: ssh -L ${server.port}:127.0.0.1:${server.port} <this host>

  Ctrl-C stops code-server and removes the copy.
`);
  // Stay up until a signal; the exit handlers (lib/cleanup) stop code-server,
  // its extension host, the Python workers, and remove the temp dirs.
  setInterval(() => undefined, 1 << 30);
}

main().catch((err: unknown) => {
  console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
