// A generated synthetic project is a valid dbt project: every model builds
// and every generated test passes, on real dbt and DuckDB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateProject } from '../../bench/generate-project';
import { dbtExecutable } from '../fixtures/lib/fixtures';

void test('dbt build of a generated 40-model project succeeds', async () => {
  const root = mkdtempSync(join(tmpdir(), 'generated-project-'));
  try {
    const p = generateProject(join(root, 'proj'), { models: 40, seed: 11 });
    const env = { ...process.env, DBT_DUCKDB_PATH: join(root, 'synthetic.duckdb'), DBT_PROFILES_DIR: p.dir, DO_NOT_TRACK: '1' };
    const code = await new Promise<number>((resolve, reject) => {
      execFile(dbtExecutable(), ['--no-use-colors', 'build'], { cwd: p.dir, env, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
        if (error && error.killed) reject(new Error(`dbt build timed out:\n${stdout}`));
        else if (error && typeof error.code !== 'number') reject(error);
        else resolve(error ? (error.code as number) : 0);
      });
    });
    const results = (JSON.parse(readFileSync(join(p.dir, 'target', 'run_results.json'), 'utf8')) as { results: { unique_id: string; status: string }[] }).results;
    const bad = results.filter((r) => r.status !== 'success' && r.status !== 'pass');
    assert.deepEqual(bad, []);
    assert.equal(code, 0);
    assert.equal(results.filter((r) => r.unique_id.startsWith('model.')).length, 40);
    assert.equal(results.filter((r) => r.unique_id.startsWith('seed.')).length, 3);
    assert.equal(results.filter((r) => r.unique_id.startsWith('test.')).length, p.tests);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
