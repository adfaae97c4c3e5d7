// The fixture helper other tests build on: copies land in a temp dir, without
// build leftovers, with an env that points DuckDB and profiles into the copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { copyFixture, copyProjectToTemp, dbtExecutable, fixturePath, pythonPath, repoRoot } from '../fixtures/lib/fixtures';

void test('copyFixture copies jaffle into a fresh temp dir and points the env there', async () => {
  const fx = await copyFixture('jaffle');
  try {
    assert.ok(fx.dir.startsWith(tmpdir() + sep), fx.dir);
    assert.ok(fx.dir.startsWith(fx.root + sep));
    assert.equal(readFileSync(join(fx.dir, 'dbt_project.yml'), 'utf8'), readFileSync(join(fixturePath('jaffle'), 'dbt_project.yml'), 'utf8'));
    assert.ok(existsSync(join(fx.dir, 'seeds', 'raw_orders.csv')));
    assert.equal(fx.env.DBT_PROFILES_DIR, fx.dir);
    assert.equal(dirname(fx.env.DBT_DUCKDB_PATH), fx.root);
    assert.equal(dirname(fx.env.DBT_DUCKDB_PATH_CI), fx.root);
    assert.notEqual(fx.env.DBT_DUCKDB_PATH, fx.env.DBT_DUCKDB_PATH_CI);
    assert.equal(fx.env.DO_NOT_TRACK, '1');
    assert.equal(fx.env.DBT_SEND_ANONYMOUS_USAGE_STATS, 'false');
  } finally {
    await fx.cleanup();
  }
  assert.equal(existsSync(fx.root), false);
  await fx.cleanup(); // twice is fine
});

void test('two copies of the same fixture do not share a folder', async () => {
  const [a, b] = await Promise.all([copyFixture('empty'), copyFixture('empty')]);
  try {
    assert.notEqual(a.root, b.root);
    assert.notEqual(a.env.DBT_DUCKDB_PATH, b.env.DBT_DUCKDB_PATH);
  } finally {
    await Promise.all([a.cleanup(), b.cleanup()]);
  }
});

void test('copies leave out target/, logs/ and DuckDB files left in the source', async () => {
  // A project someone already ran dbt in.
  const src = mkdtempSync(join(tmpdir(), 'fixtures-helper-'));
  const fx = { cleanup: async () => {} } as Awaited<ReturnType<typeof copyProjectToTemp>>;
  try {
    cpSync(fixturePath('empty'), join(src, 'proj'), { recursive: true });
    mkdirSync(join(src, 'proj', 'target'));
    mkdirSync(join(src, 'proj', 'logs'));
    writeFileSync(join(src, 'proj', 'target', 'manifest.json'), '{}');
    writeFileSync(join(src, 'proj', 'dev.duckdb'), '');
    writeFileSync(join(src, 'proj', 'models', 'kept.sql'), 'select 1 as id');
    Object.assign(fx, await copyProjectToTemp(join(src, 'proj')));
    assert.equal(fx.dir, join(fx.root, 'proj'));
    assert.ok(existsSync(join(fx.dir, 'dbt_project.yml')));
    assert.ok(existsSync(join(fx.dir, 'models', 'kept.sql')));
    assert.equal(existsSync(join(fx.dir, 'target')), false);
    assert.equal(existsSync(join(fx.dir, 'logs')), false);
    assert.equal(existsSync(join(fx.dir, 'dev.duckdb')), false);
  } finally {
    await fx.cleanup();
    rmSync(src, { recursive: true, force: true });
  }
});

void test('nested fixture names copy to a folder named after the last part', async () => {
  const fx = await copyFixture('broken/no_profile');
  try {
    assert.equal(fx.dir, join(fx.root, 'no_profile'));
    assert.ok(existsSync(join(fx.dir, 'profiles.yml')));
  } finally {
    await fx.cleanup();
  }
});

void test('an unknown fixture is a clear error', async () => {
  await assert.rejects(copyFixture('no_such_fixture'), /No fixture "no_such_fixture"/);
});

void test('pythonPath finds the repo venvs and honours the overrides', () => {
  const saved = { a: process.env.DBT_CONDUCTOR_PYTHON, b: process.env.DBT_CONDUCTOR_PYTHON_18 };
  try {
    delete process.env.DBT_CONDUCTOR_PYTHON;
    delete process.env.DBT_CONDUCTOR_PYTHON_18;
    assert.equal(pythonPath(), join(repoRoot(), '.venv', 'bin', 'python'));
    assert.equal(pythonPath('1.12'), join(repoRoot(), '.venv', 'bin', 'python'));
    assert.equal(pythonPath('1.8'), join(repoRoot(), '.venv-dbt18', 'bin', 'python'));
    assert.equal(dbtExecutable('1.8'), join(repoRoot(), '.venv-dbt18', 'bin', 'dbt'));

    process.env.DBT_CONDUCTOR_PYTHON = process.execPath; // any existing file will do
    assert.equal(pythonPath(), process.execPath);
    assert.equal(pythonPath('1.8'), join(repoRoot(), '.venv-dbt18', 'bin', 'python'));
    process.env.DBT_CONDUCTOR_PYTHON = join(repoRoot(), 'no', 'such', 'python');
    assert.throws(() => pythonPath(), /DBT_CONDUCTOR_PYTHON is set to .*does not exist/);
  } finally {
    for (const [k, v] of [['DBT_CONDUCTOR_PYTHON', saved.a], ['DBT_CONDUCTOR_PYTHON_18', saved.b]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});
