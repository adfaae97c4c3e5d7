// The database state users have: every model of the project built. The
// full build is done once per project (generator version and size) and the
// DuckDB file cached, as a 3,000-model `dbt run` takes minutes on 2 cores.
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { InvocationResult } from '../../src/dbt/protocol';
import type { ProjectRunner } from '../../src/runner/api';
import { progress } from './log';
import { builtDatabaseCache, shapeLabel, type BenchProject } from './projects';

/** Bound on one whole-project command. */
const BUILD_TIMEOUT_MS = 60 * 60_000;

async function invokeWhole(runner: ProjectRunner, args: string[]): Promise<void> {
  const result: InvocationResult = await runner.invoke({ args }, { signal: AbortSignal.timeout(BUILD_TIMEOUT_MS) });
  if (result.exitCode !== 0) throw new Error(`dbt ${args.join(' ')} of the whole project failed (exit ${result.exitCode}): ${result.exception?.message ?? result.nodes.find((n) => n.message)?.message ?? ''}`);
}

/**
 * Brings the database to "every model built": from the cache when this
 * project's full build was done before, else `dbt seed` + `dbt run` of the
 * whole project through the warm worker (then cached). The worker holds no
 * DuckDB connection between invocations, so the file can be swapped.
 */
export async function buildEveryModel(project: BenchProject, runner: ProjectRunner): Promise<void> {
  const cached = builtDatabaseCache(project);
  for (const f of [project.dbPath, `${project.dbPath}.wal`]) rmSync(f, { force: true });
  mkdirSync(dirname(project.dbPath), { recursive: true });
  if (existsSync(cached)) {
    copyFileSync(cached, project.dbPath);
    return;
  }
  progress(`${project.size} models (${shapeLabel(project.shape)}): building every model once (cached in ${cached})`);
  const started = performance.now();
  for (const args of [['seed'], ['run']]) await invokeWhole(runner, args);
  progress(`built in ${Math.round((performance.now() - started) / 1000)} s`);
  mkdirSync(dirname(cached), { recursive: true });
  copyFileSync(project.dbPath, `${cached}.partial`);
  renameSync(`${cached}.partial`, cached);
}
