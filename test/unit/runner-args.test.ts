import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandOf, formatArgs, hasFlag, validateArgs } from '../../src/runner/args';
import { makeScrubber, scrubSecrets, secretValues } from '../../src/dbt/secrets';
import { parseVersion, workerSupports, findPythonOnPath } from '../../src/runner/pythonEnv';
import { mkdtempSync, writeFileSync, chmodSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, delimiter } from 'node:path';

void test('commandOf finds the subcommand after global flags, with two-word commands', () => {
  assert.equal(commandOf(['run', '--select', 'orders']), 'run');
  assert.equal(commandOf(['--log-level', 'info', 'build']), 'build');
  assert.equal(commandOf(['source', 'freshness', '--select', 'source:raw']), 'source freshness');
  assert.equal(commandOf(['docs', 'generate']), 'docs generate');
  assert.equal(commandOf(['source', '--help']), 'source');
  assert.equal(commandOf(['--version']), '');
  assert.equal(commandOf(['run-operation', 'm']), 'run-operation');
});

void test('hasFlag sees both spellings', () => {
  assert.ok(hasFlag(['show', '--output', 'json'], '--output'));
  assert.ok(hasFlag(['show', '--output=json'], '--output'));
  assert.ok(!hasFlag(['show', '--output-keys', 'x'], '--output'));
  assert.ok(hasFlag(['show', '-o', 'json'], '--output', '-o'));
});

void test('validateArgs rejects non-strings and NUL bytes, keeps shell metacharacters literally', () => {
  assert.throws(() => validateArgs('run'), /array of strings/);
  assert.throws(() => validateArgs(['run', 3]), /array of strings/);
  assert.throws(() => validateArgs(['run', 'a\0b']), /NUL/);
  const odd = ['run', '-s', '; touch /tmp/x', '$(id)', '`id`', "'q'", 'a\nb'];
  assert.deepEqual(validateArgs(odd), odd);
  assert.equal(formatArgs(['run', '-s', 'a b']), 'run -s "a b"');
});

void test('secrets from DBT_ENV_SECRET_* are scrubbed, longest first', () => {
  const env = { DBT_ENV_SECRET_PW: 'hunter2', DBT_ENV_SECRET_TOKEN: 'hunter2-long', OTHER: 'hunter2-visible', DBT_ENV_SECRET_EMPTY: ' ' };
  assert.deepEqual(secretValues(env), ['hunter2-long', 'hunter2']);
  const scrub = makeScrubber(env);
  assert.equal(scrub('pw=hunter2 token=hunter2-long'), 'pw=***** token=*****');
  assert.equal(scrubSecrets('nothing here', env), 'nothing here');
});

void test('version support: worker needs >=1.5,<2', () => {
  assert.deepEqual(parseVersion('1.10.0b2'), [1, 10, 0]);
  assert.ok(workerSupports('1.5.0'));
  assert.ok(workerSupports('1.12.6'));
  assert.ok(!workerSupports('1.4.9'));
  assert.ok(!workerSupports('2.0.0b1'));
});

void test('findPythonOnPath prefers python3, then python, and skips non-executables', () => {
  const dir = mkdtempSync(join(tmpdir(), 'conductor-path-'));
  try {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    mkdirSync(a);
    mkdirSync(b);
    writeFileSync(join(a, 'python3'), '#!/bin/sh\n');
    chmodSync(join(a, 'python3'), 0o644); // not executable
    writeFileSync(join(a, 'python'), '#!/bin/sh\n');
    chmodSync(join(a, 'python'), 0o755);
    assert.equal(findPythonOnPath([a, b].join(delimiter)), join(a, 'python'));
    writeFileSync(join(b, 'python3'), '#!/bin/sh\n');
    chmodSync(join(b, 'python3'), 0o755);
    assert.equal(findPythonOnPath([a, b].join(delimiter)), join(b, 'python3'));
    assert.equal(findPythonOnPath(join(dir, 'none')), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
