// Recorded dbt event streams (test/fixtures/events, made by
// scripts/record-events.sh from real dbt runs on the jaffle fixture), and
// the InvocationResult the CLI backend builds from the same events.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InvocationResult, RawDbtEvent } from '../../src/dbt/protocol';
import { CliResultCollector } from '../../src/runner/cliResults';
import { repoRoot } from './server-fixture';

export const jaffleDir = join(repoRoot, 'test', 'fixtures', 'jaffle');

export interface Stream {
  events: RawDbtEvent[];
  exitCode: 0 | 1 | 2;
  args: string[];
}

export function loadStream(name: string): Stream {
  const dir = join(repoRoot, 'test', 'fixtures', 'events');
  const events = readFileSync(join(dir, `${name}.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as RawDbtEvent);
  const exitCode = Number(readFileSync(join(dir, `${name}.exit`), 'utf8').trim()) as 0 | 1 | 2;
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { streams: { name: string; args: string[] }[] };
  const args = index.streams.find((s) => s.name === name)?.args ?? [];
  return { events, exitCode, args };
}

/** The result the CLI backend reports for a recorded stream. */
export function resultOf(stream: Stream): InvocationResult {
  const command = stream.args[0] === 'source' || stream.args[0] === 'docs' ? `${stream.args[0]} ${stream.args[1]}` : (stream.args[0] ?? '');
  const collector = new CliResultCollector(command, stream.args);
  for (const e of stream.events) collector.add(e);
  return collector.finish({ exitCode: stream.exitCode, elapsedSeconds: 1, cancelled: false, stderrTail: '' });
}
