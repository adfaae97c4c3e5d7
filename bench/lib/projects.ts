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
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
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

let key: string | undefined;

/**
 * Identifies what the generator produces: a hash of two sample projects it
 * writes (small and mid-sized, so size-dependent rules count too). A change
 * to its output invalidates every cached project, manifest and recording;
 * a change to its comments does not.
 */
export function generatorKey(): string {
  if (key) return key;
  // Remembered per generator source, so the samples are written only after the source changed.
  const source = createHash('sha256').update(readFileSync(join(repoRoot(), 'bench', 'generate-project.ts'))).digest('hex');
  const memo = join(cacheDir(), 'generator-key.json');
  try {
    const saved = JSON.parse(readFileSync(memo, 'utf8')) as { source?: string; key?: string };
    if (saved.source === source && saved.key) return (key = saved.key);
  } catch {
    // no memo yet
  }
  const hash = createHash('sha256');
  const dir = mkdtempSync(join(tmpdir(), 'dbt-conductor-bench-genkey-'));
  try {
    for (const models of [64, 1500]) {
      const sample = join(dir, `m${models}`);
      generateProject(sample, { models });
      for (const file of listFiles(sample)) hash.update(`${relative(sample, file)}\0`).update(readFileSync(file));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  key = hash.digest('hex').slice(0, 12);
  mkdirSync(cacheDir(), { recursive: true });
  writeFileSync(memo, `${JSON.stringify({ source, key })}\n`);
  return key;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out.sort();
}

export async function prepareProject(size: number, log: (msg: string) => void): Promise<BenchProject> {
  const key = generatorKey();
  const base = join(cacheDir(), 'projects');
  pruneCache(key);
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
  // A fresh folder per run: two benches on one machine (two worktrees) must not share, or delete, a database.
  const dbDir = mkdtempSync(join(tmpdir(), `dbt-conductor-bench-${key}-m${size}-`));
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

/** Drops cached projects, manifests and recordings of other generator versions. */
function pruneCache(key: string): void {
  for (const sub of ['projects', 'lsp', 'events']) {
    let names: string[] = [];
    try {
      names = readdirSync(join(cacheDir(), sub));
    } catch {
      continue;
    }
    for (const name of names) if (name !== key && !name.startsWith(`${key}-`)) rmSync(join(cacheDir(), sub, name), { recursive: true, force: true });
  }
}
