// The jaffle fixture's contract (test/fixtures/jaffle/README.md), checked with
// real dbt on both supported versions: other tests rely on these outcomes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { copyFixture, dbtExecutable, type DbtVersion, type FixtureCopy } from '../fixtures/lib/fixtures';

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

const T = 'test.jaffle.';
// Expected status of every node `dbt build` runs (the exposure is version-dependent, checked apart).
const BUILD: Record<string, string> = {
  'seed.jaffle.raw_customers': 'success',
  'seed.jaffle.raw_orders': 'success',
  'seed.jaffle.raw_payments': 'success',
  'model.jaffle.stg_customers': 'success',
  'model.jaffle.stg_orders': 'success',
  'model.jaffle.stg_payments': 'success',
  'model.jaffle.orders': 'success',
  'model.jaffle.customers': 'success',
  'model.jaffle.order_events': 'success',
  'snapshot.jaffle.customers_snapshot': 'success',
  'unit_test.jaffle.stg_payments.test_stg_payments_converts_cents_to_dollars': 'pass',
  [`${T}unique_stg_customers_customer_id.c7614daada`]: 'pass',
  [`${T}not_null_stg_customers_customer_id.e2cfb1f9aa`]: 'pass',
  [`${T}unique_stg_payments_payment_id.3744510712`]: 'pass',
  [`${T}not_null_stg_payments_payment_id.c19cc50075`]: 'pass',
  [`${T}accepted_values_stg_payments_payment_method__credit_card__coupon__bank_transfer.1a6bf817f5`]: 'warn',
  [`${T}unique_int_order_payments_order_id.804c2d5021`]: 'pass',
  [`${T}unique_customers_customer_id.c5af1ff4b1`]: 'pass',
  [`${T}not_null_customers_customer_id.5c9bf9911d`]: 'pass',
  [`${T}unique_orders_order_id.fed79b3a6e`]: 'pass',
  [`${T}not_null_orders_order_id.cf6c17daed`]: 'pass',
  [`${T}not_null_orders_customer_id.c5f02694af`]: 'pass',
  [`${T}relationships_orders_customer_id__customer_id__ref_customers_.c6ec7f58f2`]: 'pass',
  [`${T}accepted_values_orders_status__placed__shipped__completed__return_pending__returned.be6b5b5ec3`]: 'fail',
  [`${T}unique_order_events_order_id.50a0953a8c`]: 'pass',
  [`${T}not_null_order_events_order_id.6617edd6ae`]: 'pass',
  [`${T}assert_order_amounts_are_not_negative`]: 'pass',
};
const EXPOSURE = 'exposure.jaffle.weekly_revenue_dashboard';

async function checkBuild(version: DbtVersion): Promise<void> {
  const fx = await copyFixture('jaffle');
  try {
    assert.equal(await dbt(version, fx, ['build']), 1);
    const results = await runResults(fx);
    const actual = Object.fromEntries([...results].filter(([id]) => id !== EXPOSURE).map(([id, r]) => [id, r.status]));
    assert.deepEqual(actual, BUILD);
    // 1.12 runs the exposure as a no-op node; 1.8 does not run it at all.
    assert.equal(results.get(EXPOSURE)?.status, version === '1.8' ? undefined : 'no-op');
    const failed = results.get(`${T}accepted_values_orders_status__placed__shipped__completed__return_pending__returned.be6b5b5ec3`);
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
