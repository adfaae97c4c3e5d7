// A temp copy of a dbt project for one run, with its DuckDB file beside it in
// the temp dir (never in the repo); remove() deletes all of it.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { onExit } from './cleanup';

export interface Workspace {
  /** The project folder the workbench opens. */
  dir: string;
  /** Scratch dir next to it (DuckDB file, result files). */
  tmp: string;
  /** Env for dbt: the fixture profiles read DBT_DUCKDB_PATH. */
  env: Record<string, string>;
  remove(): void;
}

// Build output and local state of a source checkout do not belong in a copy.
const SKIP = new Set(['target', 'logs', 'dbt_packages', '.user.yml']);

/** Copies `project` to a temp dir, as folder `name` (default: the project's folder name). */
export function copyWorkspace(project: string, name = basename(project)): Workspace {
  const tmp = mkdtempSync(join(tmpdir(), 'dbtc-e2e-ws-'));
  const dir = join(tmp, name);
  cpSync(project, dir, {
    recursive: true,
    filter: (src) => !SKIP.has(basename(src)) && !/\.duckdb(\.wal)?$/.test(src),
  });
  const remove = (): void => rmSync(tmp, { recursive: true, force: true });
  const forget = onExit(remove);
  return {
    dir,
    tmp,
    env: { DBT_DUCKDB_PATH: join(tmp, 'dev.duckdb'), DBT_DUCKDB_PATH_CI: join(tmp, 'ci.duckdb') },
    remove() {
      forget();
      remove();
    },
  };
}
