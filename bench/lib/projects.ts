// dbt projects for the benches, of two shapes: synthetic (bench/generate-project.ts)
// and real (bench/generate-real-project.ts), cached under
// .cache/bench/projects/<generator hash>/m<size>, together
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
import { generateRealProject } from '../generate-real-project';
import { cacheDir, repoRoot } from './paths';
import { writeRows, type BenchRow } from './rows';

export type Shape = 'synthetic' | 'real';

export const SHAPES: Shape[] = ['synthetic', 'real'];

export interface BenchProject {
  size: number;
  shape: Shape;
  /** The project folder (dbt_project.yml, profiles.yml). */
  dir: string;
  dbPath: string;
  /** Environment for dbt, used identically by the CLI baseline and the worker. */
  env: Record<string, string>;
  cleanup(): void;
}

const STAMP = '.bench-complete';

interface Generator {
  /** Source files whose change may change the output. */
  sources: string[];
  write(dir: string, models: number): void;
}

const GENERATORS: Record<Shape, Generator> = {
  synthetic: { sources: ['generate-project.ts'], write: (dir, models) => void generateProject(dir, { models }) },
  real: { sources: ['generate-project.ts', 'generate-real-project.ts'], write: (dir, models) => void generateRealProject(dir, { models }) },
};

const keys = new Map<Shape, string>();

/**
 * Identifies what a generator produces: a hash of two sample projects it
 * writes (small and mid-sized, so size-dependent rules count too). A change
 * to its output invalidates every cached project, manifest, database and
 * recording of that shape; a change to its comments does not. The synthetic
 * key is a bare hash (as before the real shape existed), the real one
 * starts with "real-".
 */
export function generatorKey(shape: Shape = 'synthetic'): string {
  const known = keys.get(shape);
  if (known) return known;
  const gen = GENERATORS[shape];
  // Remembered per generator source, so the samples are written only after the source changed.
  const source = createHash('sha256');
  for (const f of gen.sources) source.update(readFileSync(join(repoRoot(), 'bench', f)));
  const sourceHash = source.digest('hex');
  const memo = join(cacheDir(), `generator-key${shape === 'synthetic' ? '' : `-${shape}`}.json`);
  try {
    const saved = JSON.parse(readFileSync(memo, 'utf8')) as { source?: string; key?: string };
    if (saved.source === sourceHash && saved.key) return remember(shape, saved.key);
  } catch {
    // no memo yet
  }
  const hash = createHash('sha256');
  const dir = mkdtempSync(join(tmpdir(), 'dbt-conductor-bench-genkey-'));
  try {
    for (const models of [64, 1500]) {
      const sample = join(dir, `m${models}`);
      gen.write(sample, models);
      for (const file of listFiles(sample)) hash.update(`${relative(sample, file)}\0`).update(readFileSync(file));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const key = `${shape === 'synthetic' ? '' : `${shape}-`}${hash.digest('hex').slice(0, 12)}`;
  mkdirSync(cacheDir(), { recursive: true });
  writeFileSync(memo, `${JSON.stringify({ source: sourceHash, key })}\n`);
  return remember(shape, key);
}

function remember(shape: Shape, key: string): string {
  keys.set(shape, key);
  return key;
}

/** Files under dir, symlinked folders not followed (the local package is listed once, under packages/). */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

/** The label of a shape in row names and logs. */
export function shapeLabel(shape: Shape): string {
  return shape === 'real' ? 'real shape' : 'synthetic shape';
}

export async function prepareProject(size: number, log: (msg: string) => void, shape: Shape = 'synthetic'): Promise<BenchProject> {
  const key = generatorKey(shape);
  const base = join(cacheDir(), 'projects');
  pruneCache();
  const dir = join(base, key, `m${size}`);
  if (!existsSync(join(dir, STAMP))) {
    log(`generating a ${size}-model ${shapeLabel(shape)} project in ${dir}`);
    rmSync(dir, { recursive: true, force: true });
    const partial = `${dir}.partial`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    GENERATORS[shape].write(partial, size);
    renameSync(partial, dir);
    writeFileSync(join(dir, STAMP), `${new Date().toISOString()}\n`);
  }
  const dbDir = join(tmpdir(), `dbt-conductor-bench-${key}-m${size}`);
  rmSync(dbDir, { recursive: true, force: true });
  mkdirSync(dbDir, { recursive: true });
  const dbPath = join(dbDir, 'bench.duckdb');
  return {
    size,
    shape,
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

/**
 * Where the database with every model of the project built is cached (a
 * full `dbt seed` + `dbt run` of 3,000 models takes minutes on 2 cores).
 */
export function builtDatabaseCache(project: BenchProject): string {
  return join(cacheDir(), 'databases', generatorKey(project.shape), `m${project.size}.duckdb`);
}

/** Drops cached projects, manifests, databases and recordings of other generator versions. */
function pruneCache(): void {
  const current = SHAPES.map((s) => generatorKey(s));
  const isCurrent = (name: string) => current.some((key) => name === key || name.startsWith(`${key}-`));
  for (const sub of ['projects', 'lsp', 'events', 'databases']) {
    let names: string[] = [];
    try {
      names = readdirSync(join(cacheDir(), sub));
    } catch {
      continue;
    }
    for (const name of names) if (!isCurrent(name)) rmSync(join(cacheDir(), sub, name), { recursive: true, force: true });
  }
}

/** Benches each size's project of one shape in turn, writing every row so far to `out` after each. */
export async function benchSizes(sizes: number[], shape: Shape, out: string | undefined, log: (msg: string) => void, bench: (project: BenchProject) => Promise<BenchRow[]>): Promise<void> {
  const rows: BenchRow[] = [];
  for (const size of sizes) {
    const project = await prepareProject(size, log, shape);
    try {
      rows.push(...(await bench(project)));
    } finally {
      project.cleanup();
    }
    writeRows(out, rows);
  }
  writeRows(out, rows);
}
