// The jaffle fixture's contract (test/fixtures/jaffle/README.md), checked with
// real dbt on both supported versions: other tests rely on these outcomes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { copyFixture, dbtExecutable, type DbtVersion, type FixtureCopy } from '../fixtures/lib/fixtures';
import { BUILD_STATUSES, FAILING_TEST } from '../fixtures/lib/jaffleIds';

const DBT_TIMEOUT_MS = 300_000;

/** Runs dbt (no shell) and resolves with its exit code; rejects on timeout. */
function dbt(version: DbtVersion, fx: FixtureCopy, args: string[]): Promise<number> {
  const fullArgs = ['--no-use-colors', ...args];
  return new Promise((resolve, reject) => {
    execFile(dbtExecutable(version), fullArgs, { cwd: fx.dir, env: { ...process.env, ...fx.env }, timeout: DBT_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      if (error && error.killed) reject(new Error(`dbt ${args.join(' ')} timed out after ${DBT_TIMEOUT_MS} ms:\n${stdout}`));
      else if (error && typeof error.code !== 'number') reject(error);
      else resolve(error ? (error.code as number) : 0);
    });
  });
}

interface RunResult { unique_id: string; status: string; failures: number | null; message: string | null }

async function runResults(fx: FixtureCopy): Promise<Map<string, RunResult>> {
  const doc = JSON.parse(await readFile(join(fx.dir, 'target', 'run_results.json'), 'utf8')) as { results: RunResult[] };
  return new Map(doc.results.map((r) => [r.unique_id, r]));
}

const EXPOSURE = 'exposure.jaffle.weekly_revenue_dashboard';

async function checkBuild(version: DbtVersion): Promise<void> {
  const fx = await copyFixture('jaffle');
  try {
    assert.equal(await dbt(version, fx, ['build']), 1);
    const results = await runResults(fx);
    const actual = Object.fromEntries([...results].filter(([id]) => id !== EXPOSURE).map(([id, r]) => [id, r.status]));
    assert.deepEqual(actual, BUILD_STATUSES);
    // 1.12 runs the exposure as a no-op node; 1.8 does not run it at all.
    assert.equal(results.get(EXPOSURE)?.status, version === '1.8' ? undefined : 'no-op');
    const failed = results.get(FAILING_TEST);
    assert.equal(failed?.failures, 1);
  } finally {
    await fx.cleanup();
  }
}

void test('dbt 1.12 build: everything succeeds except one failing and one warning test', () => checkBuild('1.12'));

void test('dbt 1.8 build: the same outcomes', () => checkBuild('1.8'));

void test('source freshness: raw_customers pass, raw_payments warn, raw_orders error', async () => {
  const fx = await copyFixture('jaffle');
  try {
    assert.equal(await dbt('1.12', fx, ['seed']), 0);
    assert.equal(await dbt('1.12', fx, ['source', 'freshness']), 1);
    const doc = JSON.parse(await readFile(join(fx.dir, 'target', 'sources.json'), 'utf8')) as { results: { unique_id: string; status: string }[] };
    assert.deepEqual(Object.fromEntries(doc.results.map((r) => [r.unique_id, r.status])), {
      'source.jaffle.raw.raw_customers': 'pass',
      'source.jaffle.raw.raw_orders': 'error',
      'source.jaffle.raw.raw_payments': 'warn',
    });
  } finally {
    await fx.cleanup();
  }
});

void test('the broken_compile and broken_runtime vars turn on one failing model each', async () => {
  const fx = await copyFixture('jaffle');
  try {
    assert.equal(await dbt('1.12', fx, ['seed']), 0);
    const vars = '{broken_compile: true, broken_runtime: true}';
    assert.equal(await dbt('1.12', fx, ['run', '--vars', vars, '--select', '+broken_compile', '+broken_runtime']), 1);
    const results = await runResults(fx);
    const compile = results.get('model.jaffle.broken_compile');
    const runtime = results.get('model.jaffle.broken_runtime');
    assert.equal(compile?.status, 'error');
    assert.match(compile?.message ?? '', /Compilation Error[\s\S]*'cents_to_dollar' is undefined/);
    assert.equal(runtime?.status, 'error');
    assert.match(runtime?.message ?? '', /Binder Error[\s\S]*order_total/);
    // Their parents still ran.
    assert.equal(results.get('model.jaffle.orders')?.status, 'success');
    assert.equal(results.get('model.jaffle.stg_orders')?.status, 'success');
  } finally {
    await fx.cleanup();
  }
});
