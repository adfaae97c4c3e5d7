// The worker's answer to a cancel: dbt_worker.interrupt_behind() finds the interrupt
// behind the error an adapter's failed cancel raises (test/unit/py/interrupts.py
// builds the chains as Python does), so a cancel is a cancel on both backends.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../fixtures/lib/fixtures';

const found = JSON.parse(
  execFileSync(join(repoRoot(), '.venv', 'bin', 'python'), [join(repoRoot(), 'test', 'unit', 'py', 'interrupts.py'), join(repoRoot(), 'src', 'runner', 'dbt_worker.py')], {
    encoding: 'utf8',
  }),
) as Record<string, string | null>;

void test('worker: an interrupt is found as itself, and behind the errors raised while handling it', () => {
  assert.equal(found['interrupt'], 'KeyboardInterrupt');
  assert.equal(found['cancel fails after the interrupt'], 'KeyboardInterrupt');
  assert.equal(found['wrapped cancel failure'], 'KeyboardInterrupt');
});

void test('worker: an error with no interrupt behind it stays an error, even with a cycle in its chain', () => {
  assert.equal(found['none'], null);
  assert.equal(found['an error while handling an error'], null);
  assert.equal(found['a context cycle'], null);
});
