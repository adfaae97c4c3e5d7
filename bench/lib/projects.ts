// Synthetic dbt projects for the benches, made by bench/generate-project.ts
// and cached under .cache/bench/projects/<generator hash>/m<size>, together
// with dbt's target/partial_parse.msgpack: a 3,000-model project takes minutes
// to parse from scratch on two cores, and a terminal user's project has a
// partial-parse file too, so the cold CLI baseline is measured with it.
//
// dbt hashes the profile's connection keys (the DuckDB path included) into
// the partial-parse state, so the database lives at a stable path under
// os.tmpdir() (not a random mkdtemp name) and is deleted by cleanup().
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateProject } from '../generate-project';
import { cacheDir, repoRoot } from './paths';

export interface BenchProject {
  size: number;
  /** The project folder (dbt_project.yml, profiles.yml). */
  dir: string;
  dbPath: string;
  /** Environment for dbt, used identically by the CLI baseline and the worker. */
  env: Record<string, string>;
  cleanup(): void;
}

const STAMP = '.bench-complete';

/** Changes whenever the generator's source changes, so stale projects are never reused. */
export function generatorKey(): string {
  const source = readFileSync(join(repoRoot(), 'bench', 'generate-project.ts'));
  return createHash('sha256').update(source).digest('hex').slice(0, 12);
}

export async function prepareProject(size: number, log: (msg: string) => void): Promise<BenchProject> {
  const key = generatorKey();
  const base = join(cacheDir(), 'projects');
  dropOtherVersions(base, key);
  const dir = join(base, key, `m${size}`);
  if (!existsSync(join(dir, STAMP))) {
    log(`generating a ${size}-model project in ${dir}`);
    rmSync(dir, { recursive: true, force: true });
    const partial = `${dir}.partial`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    generateProject(partial, { models: size });
    renameSync(partial, dir);
    writeFileSync(join(dir, STAMP), `${new Date().toISOString()}\n`);
  }
  const dbDir = join(tmpdir(), `dbt-conductor-bench-${key}-m${size}`);
  rmSync(dbDir, { recursive: true, force: true });
  mkdirSync(dbDir, { recursive: true });
  const dbPath = join(dbDir, 'bench.duckdb');
  return {
    size,
    dir,
    dbPath,
    env: {
      DBT_DUCKDB_PATH: dbPath,
      DBT_PROFILES_DIR: dir,
      DO_NOT_TRACK: '1',
      DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
      DBT_USE_COLORS: 'false',
    },
    cleanup: () => rmSync(dbDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }),
  };
}

function dropOtherVersions(base: string, key: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) if (name !== key) rmSync(join(base, name), { recursive: true, force: true });
}
