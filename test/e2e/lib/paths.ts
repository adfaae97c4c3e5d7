// Where things are, found from the repository root (the bundled tests run
// from out/test/e2e/, the sources from test/e2e/).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

export function repoRoot(): string {
  if (root) return root;
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'dbt-conductor') {
      root = dir;
      return dir;
    }
  }
  throw new Error(`cannot find the dbt-conductor repository above ${__dirname}`);
}

export const codeServerBin = (): string => join(repoRoot(), 'test/e2e/code-server/node_modules/.bin/code-server');
export const artifactsDir = (): string => join(repoRoot(), 'test-artifacts/e2e');
/** Python with dbt-core + dbt-duckdb that the extension is pointed at. */
export const pythonPath = (): string => process.env.DBT_CONDUCTOR_PYTHON ?? join(repoRoot(), '.venv/bin/python');
/** Python with dbt-core 1.8 + dbt-duckdb: a second interpreter to switch to at runtime. */
export const pythonPath18 = (): string => process.env.DBT_CONDUCTOR_PYTHON_18 ?? join(repoRoot(), '.venv-dbt18/bin/python');
