// A generated real-shape project is a valid dbt project: seeds, every model
// (views, tables, ephemeral, incremental, the local package's), every test and
// the exposures build on real dbt and DuckDB, twice (the second run takes the
// incremental path), with the models spread over their schemas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRealProject } from '../../bench/generate-real-project';
import { dbtExecutable } from '../fixtures/lib/fixtures';

function dbt(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile(dbtExecutable(), ['--no-use-colors', ...args], { cwd, env, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      if (error && error.killed) reject(new Error(`dbt ${args.join(' ')} timed out:\n${stdout}`));
      else if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout });
    });
  });
}

interface RunResult {
  unique_id: string;
  status: string;
  relation_name: string | null;
}

void test('dbt build of a generated 60-model real-shape project succeeds, twice', async () => {
  const root = mkdtempSync(join(tmpdir(), 'generated-real-project-'));
  try {
    const p = generateRealProject(join(root, 'proj'), { models: 60, seed: 9 });
    const env = { ...process.env, DBT_DUCKDB_PATH: join(root, 'real.duckdb'), DBT_PROFILES_DIR: p.dir, DO_NOT_TRACK: '1' };
    for (const round of [1, 2]) {
      const r = await dbt(['build'], p.dir, env);
      const results = (JSON.parse(readFileSync(join(p.dir, 'target', 'run_results.json'), 'utf8')) as { results: RunResult[] }).results;
      const bad = results.filter((x) => !['success', 'pass', 'no-op'].includes(x.status));
      assert.deepEqual(bad, [], `round ${round}`);
      assert.equal(r.code, 0, r.stdout.slice(-3000));
      const models = results.filter((x) => x.unique_id.startsWith('model.'));
      // Ephemeral models are compiled into their children, not run.
      const ephemeral = p.modelSpecs.filter((m) => m.materialized === 'ephemeral').length;
      assert.ok(ephemeral > 0);
      assert.equal(models.filter((x) => x.unique_id.startsWith('model.real_shape.')).length, p.models - ephemeral);
      assert.equal(models.filter((x) => x.unique_id.startsWith('model.warehouse_utils.')).length, p.packageModels.length);
      assert.equal(results.filter((x) => x.unique_id.startsWith('test.')).length, p.tests);
      const schemas = new Set(models.map((x) => /"[^"]+"\."([^"]+)"/.exec(x.relation_name ?? '')?.[1]));
      assert.ok(schemas.size >= 10, `models were built in ${schemas.size} schemas: ${[...schemas].join(', ')}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
