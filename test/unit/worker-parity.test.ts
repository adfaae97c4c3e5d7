// What the TypeScript side and the Python worker (src/runner/dbt_worker.py)
// both know, compared: the events dropped by default, the dbt subcommands and
// how they are found in an argument list, and the protocol's request methods,
// message types and command-output kinds. The worker's side is read by
// test/unit/py/worker_facts.py (its source through `ast`, command_of() run).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { MESSAGE_TYPES, OUTPUT_KINDS, REQUEST_METHODS } from '../../src/dbt/protocol';
import { commandOf, KNOWN_COMMANDS } from '../../src/runner/args';
import { NOISE_EVENTS } from '../../src/runner/cliResults';
import { repoRoot } from '../fixtures/lib/fixtures';

// Every known command alone, and the shapes commandOf() has to get right.
const ARG_LISTS: string[][] = [
  ...[...KNOWN_COMMANDS].map((c) => [c]),
  ['--log-level', 'debug', 'run', '--select', 'orders'],
  ['source', 'freshness', '--select', 'source:jaffle.*'],
  ['docs', 'generate', '--no-compile'],
  ['docs', '--help'],
  ['source'],
  ['--select', 'run', 'test'],
  ['run-operation', 'grant', '--args', '{}'],
  ['--vars', '{"x": 1}'],
  ['frobnicate', '--select', 'x'],
  [],
];

interface WorkerFacts {
  noiseEvents: string[];
  knownCommands: string[];
  requestMethods: string[];
  messageTypes: string[];
  outputKinds: string[];
  commandOf: string[];
}

const facts: WorkerFacts = JSON.parse(
  execFileSync(join(repoRoot(), '.venv', 'bin', 'python'), [join(repoRoot(), 'test', 'unit', 'py', 'worker_facts.py'), join(repoRoot(), 'src', 'runner', 'dbt_worker.py')], {
    input: JSON.stringify(ARG_LISTS),
    encoding: 'utf8',
  }),
) as WorkerFacts;

const sorted = (items: Iterable<string>): string[] => [...items].sort();

void test('parity: the events dropped by default are the same list on both sides', () => {
  assert.ok(facts.noiseEvents.length > 10);
  assert.deepEqual(sorted(NOISE_EVENTS), facts.noiseEvents);
});

void test('parity: the known dbt commands are the same list on both sides', () => {
  assert.deepEqual(sorted(KNOWN_COMMANDS), facts.knownCommands);
});

void test('parity: commandOf() and command_of() find the same subcommand in every argument list', () => {
  assert.equal(facts.commandOf.length, ARG_LISTS.length);
  ARG_LISTS.forEach((args, i) => assert.equal(commandOf(args), facts.commandOf[i], JSON.stringify(args)));
});

void test('parity: the worker handles every request method of the protocol and no other', () => {
  assert.deepEqual(sorted(REQUEST_METHODS), facts.requestMethods);
});

void test('parity: the worker sends every message type of the protocol and no other', () => {
  assert.deepEqual(sorted(MESSAGE_TYPES), facts.messageTypes);
});

void test('parity: the worker answers with every command-output kind of the protocol and no other', () => {
  assert.deepEqual(sorted(OUTPUT_KINDS), facts.outputKinds);
});
