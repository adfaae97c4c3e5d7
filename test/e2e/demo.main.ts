// The demo (scripts/demo.sh, `npm run demo`): packages the extension, installs
// the VSIX into an isolated code-server, opens a copy of demo/project and
// prints the URL. Runs until Ctrl-C, then stops everything it started.
//
// Env: DEMO_PORT (default: a free port), DEMO_PROJECT (default demo/project).
import { join } from 'node:path';
import { onExit } from './lib/cleanup';
import { startCodeServer } from './lib/codeServer';
import { pythonPath, repoRoot } from './lib/paths';
import { packageExtension } from './lib/vsix';
import { copyWorkspace } from './lib/workspace';

async function main(): Promise<void> {
  // Registered first, so it runs after the other exit tasks.
  onExit(() => console.log('\ndemo: stopped code-server and everything it started; removed the temp dirs.'));
  console.log('demo: packaging the extension (production build + vsce package)...');
  const vsix = await packageExtension();
  const workspace = copyWorkspace(process.env.DEMO_PROJECT ?? join(repoRoot(), 'demo/project'), 'roastery');
  console.log('demo: starting code-server...');
  const server = await startCodeServer({
    folder: workspace.dir,
    vsix: vsix.file,
    ...(process.env.DEMO_PORT ? { port: Number(process.env.DEMO_PORT) } : {}),
    settings: { 'dbtConductor.pythonPath': pythonPath(), 'workbench.colorTheme': 'Default Dark Modern' },
    env: { DBT_CONDUCTOR_DEMO_DB: join(workspace.tmp, 'roastery.duckdb') },
  });
  vsix.remove();
  console.log(`
  dbt Conductor demo is running.

    Open:     ${server.workbenchUrl()}
    Project:  ${workspace.dir} (a copy of demo/project; DuckDB file beside it)
    Python:   ${pythonPath()}

  Try: open models/marts/orders.sql and click "Run" above it, or run
  "dbt: Build Whole Project" from the command palette (F1).
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
