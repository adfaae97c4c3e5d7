// Where the bench finds the repository, the Python with dbt, and its caches.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

/** The repository root: the nearest folder above this bundle (out/bench/...) or the cwd with our package.json. */
export function repoRoot(): string {
  if (root) return root;
  for (const start of [__dirname, process.cwd()]) {
    let dir = start;
    for (;;) {
      const pkg = join(dir, 'package.json');
      if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'dbt-conductor') return (root = dir);
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new Error('Cannot find the dbt-conductor repository root above the bench bundle or the current directory.');
}

/** The venv Python the bench runs dbt with (BENCH_PYTHON overrides). */
export function benchPython(): string {
  const python = process.env.BENCH_PYTHON ?? join(repoRoot(), '.venv', 'bin', 'python');
  if (!existsSync(python)) throw new Error(`No Python at ${python}: run scripts/setup.sh first (it creates .venv with dbt-core and dbt-duckdb).`);
  return python;
}

/** The `dbt` console script next to benchPython(): exactly what a terminal runs. */
export function benchDbt(): string {
  const dbt = join(dirname(benchPython()), 'dbt');
  if (!existsSync(dbt)) throw new Error(`No dbt executable at ${dbt}: run scripts/setup.sh first.`);
  return dbt;
}

/** The shipped worker (dist/, copied there by scripts/build.mjs), else its source; BENCH_WORKER overrides (for trying a change). */
export function workerScript(): string {
  const override = process.env.BENCH_WORKER;
  if (override) {
    if (!existsSync(override)) throw new Error(`BENCH_WORKER is set to ${override}, which does not exist.`);
    return override;
  }
  for (const script of [join(repoRoot(), 'dist', 'dbt_worker.py'), join(repoRoot(), 'src', 'runner', 'dbt_worker.py')]) {
    if (existsSync(script)) return script;
  }
  throw new Error('No dbt_worker.py in dist/ or src/runner/: run node scripts/build.mjs first.');
}

/** Cache of generated projects and manifests (gitignored). */
export function cacheDir(): string {
  return process.env.BENCH_CACHE ?? join(repoRoot(), '.cache', 'bench');
}

/** Parses "--name value" pairs of argv. */
export function argValue(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

export function sizesArg(name: string, fallback: number[]): number[] {
  const v = argValue(name);
  if (!v) return fallback;
  const sizes = v.split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`--${name} takes positive integers separated by commas, got "${v}".`);
  return sizes;
}

export function intArg(name: string, fallback: number): number {
  const v = argValue(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} takes a positive integer, got "${v}".`);
  return n;
}
