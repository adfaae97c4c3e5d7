// What the status bar says while dbt parses, from event streams recorded
// from real dbt 1.12 (test/fixtures/events): a `dbt parse` with nothing
// changed, one after a one-line edit, a run that parses first, and a run
// whose changed vars force a full parse.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEvent } from '../../src/dbt/events';
import { elapsedText, nextParseProgress, parseStatusText, parseTooltip, type ParseProgress } from '../../src/dbt/parseProgress';
import type { RawDbtEvent } from '../../src/dbt/protocol';
import { InvocationHistory } from '../../src/dbt/treeModel';
import { loadStream } from './eventStreams';

/** Replays a stream one second per event; the progress after each event, by event name. */
function replay(command: string, events: RawDbtEvent[]): { name: string; progress: ParseProgress | undefined }[] {
  let progress: ParseProgress | undefined;
  return events.map((raw, i) => {
    progress = nextParseProgress(progress, command, raw, parseEvent(raw), i * 1000);
    return { name: raw.info.name, progress };
  });
}

function stagesOf(steps: ReturnType<typeof replay>): string[] {
  const out: string[] = [];
  for (const { progress } of steps) {
    const s = progress === undefined ? 'none' : progress.done ? 'done' : progress.stage;
    if (out.at(-1) !== s) out.push(s);
  }
  return out;
}

const at = (steps: ReturnType<typeof replay>, name: string) => steps.find((s) => s.name === name)?.progress;

void describe('parse progress from dbt events', () => {
  void it('a dbt parse with no file changed: checking, partial, writing the manifest, then over', () => {
    const steps = replay('parse', loadStream('parse').events);
    assert.deepEqual(stagesOf(steps), ['starting', 'checking', 'partial', 'writing', 'done']);
    const partial = at(steps, 'PartialParsingEnabled');
    assert.equal(partial && stageTextOf(partial), 'parsing jaffle: no file changed… 4 s');
    assert.equal(at(steps, 'ArtifactWritten')?.done, true, 'over once manifest.json is written');
    assert.equal(steps[0].progress?.startedAt, 0, 'a dbt parse parses from its first event');
  });

  void it('after a one-line edit: the changed file, by name', () => {
    const steps = replay('parse', loadStream('parse_after_edit').events);
    const p = at(steps, 'PartialParsingFile');
    assert.deepEqual([p?.stage, p?.changed, p?.files], ['partial', 1, ['updated models/marts/orders.sql']]);
    assert.match(stageTextOf(p!), /^parsing jaffle: 1 file changed… \d+ s$/);
    assert.match(parseTooltip([{ projectName: 'jaffle', projectRoot: '/p', progress: p! }], 10_000), /partial parse: 0 added, 1 changed, 0 deleted \(updated models\/marts\/orders\.sql\)/);
    assert.equal(stageTextOf(at(steps, 'ParsePerfInfoPath')!).startsWith('parsing jaffle: writing the manifest'), true);
  });

  void it('a run parses only once dbt says so, and its parse is over before the first node', () => {
    const steps = replay('run', loadStream('run_one').events);
    assert.equal(at(steps, 'AdapterRegistered'), undefined, 'no parse before dbt starts one');
    assert.deepEqual(stagesOf(steps), ['none', 'checking', 'partial', 'done']);
    assert.equal(at(steps, 'StateCheckVarsHash')?.startedAt, steps.findIndex((s) => s.name === 'StateCheckVarsHash') * 1000);
    assert.equal(at(steps, 'FoundStats')?.done, true);
  });

  void it('a full parse says why', () => {
    const p = at(replay('run', loadStream('run_broken_compile').events), 'UnableToPartialParse');
    assert.equal(p?.stage, 'full');
    assert.match(parseTooltip([{ projectName: 'jaffle', projectRoot: '/p', progress: p! }], p!.startedAt + 65_000),
      /parsing jaffle \(\/p\) for 1 min 5 s: full parse, because config vars, config profile, or config target have changed\./);
  });

  void it('elapsed time in seconds, then minutes', () => {
    assert.deepEqual([elapsedText(0), elapsedText(2999), elapsedText(59_999), elapsedText(61_000), elapsedText(-5)], ['0 s', '2 s', '59 s', '1 min 1 s', '0 s']);
  });
});

function stageTextOf(progress: ParseProgress): string {
  return parseStatusText({ projectName: 'jaffle', projectRoot: '/p', progress }, progress.startedAt + 4_000);
}

void describe('InvocationHistory.parsing: the parses running now', () => {
  const parse = loadStream('parse_after_edit');
  const untilPartial = parse.events.slice(0, parse.events.findIndex((e) => e.info.name === 'PartialParsingEnabled') + 1);

  void it('lists a background parse while it runs, and no longer once it ends', () => {
    const h = new InvocationHistory();
    const entry = h.start({ label: 'dbt parse', args: ['parse'], projectRoot: '/p', projectName: 'jaffle', background: true });
    assert.deepEqual(h.parsing(), [], 'queued: not parsing yet');
    for (const e of untilPartial) h.event(entry, e);
    assert.deepEqual(h.parsing().map((p) => [p.projectName, p.progress.stage, p.progress.changed]), [['jaffle', 'partial', 1]]);
    assert.equal(h.list().length, 0, 'a background parse is still not in the Invocations view');
    h.finish(entry, { command: 'parse', success: true, exitCode: 0, nodes: [], output: { kind: 'none' }, elapsedSeconds: 1, parsed: true, cancelled: false, backend: 'worker' });
    assert.deepEqual(h.parsing(), []);
  });

  void it('clears on a failed parse and on a cancel, before dbt said it was over', () => {
    const h = new InvocationHistory();
    const failed = h.start({ label: 'dbt parse', args: ['parse'], projectRoot: '/a', projectName: 'a' });
    const cancelled = h.start({ label: 'dbt run', args: ['run'], projectRoot: '/b', projectName: 'b' });
    for (const e of untilPartial) {
      h.event(failed, e);
      h.event(cancelled, e);
    }
    assert.deepEqual(h.parsing().map((p) => p.projectName).sort(), ['a', 'b']);
    h.finish(failed, { command: 'parse', success: false, exitCode: 2, nodes: [], output: { kind: 'none' }, elapsedSeconds: 1, parsed: true, cancelled: false, backend: 'worker', exception: { type: 'CompilationError', message: 'broken' } });
    assert.deepEqual(h.parsing().map((p) => p.projectName), ['b']);
    h.fail(cancelled, 'Cancelled', true);
    assert.deepEqual(h.parsing(), []);
    assert.deepEqual([failed.status, cancelled.status], ['error', 'cancelled'], 'the views show the same ends');
  });
});
