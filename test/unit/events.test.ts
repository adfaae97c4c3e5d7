// Event parsing (src/dbt/events.ts) over the event streams recorded from real
// dbt 1.12 and 1.8 runs of the jaffle fixture (test/fixtures/events, see its
// README), plus malformed and random input that must never throw.
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import {
  parseEvent, parseEventLine, stripAnsi,
  type DbtEvent, type NodeFinishedEvent, type UnparsedLine,
} from '../../src/dbt/events';
import { fixturePath } from '../fixtures/lib/fixtures';
import { FAILING_TEST, SINGULAR_TEST, UNIT_TEST, WARNING_TEST } from '../fixtures/lib/jaffleIds';

const eventsDir = fixturePath('events');

function streamFiles(dir = eventsDir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...streamFiles(p));
    else if (name.endsWith('.jsonl')) out.push(p);
  }
  return out.sort();
}

function lines(name: string): string[] {
  return readFileSync(join(eventsDir, `${name}.jsonl`), 'utf8').split('\n').filter((l) => l !== '');
}

function parsed(name: string): DbtEvent[] {
  return lines(name).map((l) => {
    const e = parseEventLine(l);
    assert.notEqual(e.kind, 'unparsed', `${name}: ${l.slice(0, 120)}`);
    return e as DbtEvent;
  });
}

function ofKind<K extends DbtEvent['kind']>(events: DbtEvent[], kind: K): Extract<DbtEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<DbtEvent, { kind: K }> => e.kind === kind);
}

/** The result events of one node (Log*Result and NodeFinished). */
function finishedOf(events: DbtEvent[], uniqueId: string): NodeFinishedEvent[] {
  return ofKind(events, 'node-finished').filter((e) => e.node.uniqueId === uniqueId);
}

void describe('parseEventLine on every recorded stream', () => {
  const files = streamFiles();

  void it('finds the recorded streams, including dbt 1.8', () => {
    const names = files.map((f) => relative(eventsDir, f));
    for (const expected of ['build.jsonl', 'test.jsonl', 'seed.jsonl', 'ls.jsonl', 'show.jsonl', 'source_freshness.jsonl', join('dbt18', 'build.jsonl')]) {
      assert.ok(names.includes(expected), `missing ${expected} in ${names.join(', ')}`);
    }
  });

  void it('parses every line into an event with a name and a level, without throwing', () => {
    let total = 0;
    for (const file of files) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (line === '') continue;
        const e = parseEventLine(line);
        assert.notEqual(e.kind, 'unparsed', `${relative(eventsDir, file)}: ${line.slice(0, 120)}`);
        const ev = e as DbtEvent;
        assert.ok(ev.name.length > 0);
        assert.ok(['debug', 'test', 'info', 'warn', 'error'].includes(ev.level));
        assert.ok(!ev.msg.includes('\u001b'));
        total++;
      }
    }
    assert.ok(total > 1000, `only ${total} events recorded`);
  });

  void it('gives every node event a unique_id, name and resource type', () => {
    for (const file of files) {
      const events = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => parseEventLine(l));
      for (const e of events) {
        if (e.kind !== 'node-started' && e.kind !== 'node-finished') continue;
        assert.match(e.node.uniqueId, /^[a-z_]+\.jaffle\./);
        assert.ok(e.node.name.length > 0);
        assert.ok(e.node.resourceType.length > 0);
      }
    }
  });
});

void describe('node events of `dbt build` (dbt 1.12)', () => {
  const events = parsed('build');

  void it('reads the node status of LogModelResult from node_info, not the adapter message', () => {
    const results = ofKind(events, 'node-finished').filter((e) => e.name === 'LogModelResult');
    assert.ok(results.length >= 5);
    for (const r of results) {
      assert.equal(r.status, 'success', r.node.uniqueId);
      assert.equal(r.message, 'OK');
    }
  });

  void it('reads start lines with their index and total', () => {
    const starts = ofKind(events, 'node-started').filter((e) => e.name === 'LogStartLine');
    assert.ok(starts.length > 20);
    for (const s of starts) {
      assert.equal(s.total, 28);
      assert.ok(s.index !== undefined && s.index >= 1 && s.index <= 28);
      assert.ok(s.description !== undefined && s.description.length > 0);
      assert.match(s.node.startedAt ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    }
  });

  void it('reads the seeds\' rows affected from NodeFinished and their result message from LogSeedResult', () => {
    const expected: Record<string, number> = { 'seed.jaffle.raw_customers': 30, 'seed.jaffle.raw_orders': 45, 'seed.jaffle.raw_payments': 52 };
    for (const [id, rows] of Object.entries(expected)) {
      const fin = finishedOf(events, id);
      const nodeFinished = fin.find((e) => e.name === 'NodeFinished');
      const seedResult = fin.find((e) => e.name === 'LogSeedResult');
      assert.equal(nodeFinished?.rowsAffected, rows, id);
      assert.equal(nodeFinished?.status, 'success');
      assert.ok((nodeFinished?.executionTime ?? 0) > 0);
      assert.deepEqual(nodeFinished?.timing?.map((t) => t.name), ['compile', 'execute']);
      assert.equal(seedResult?.message, `INSERT ${rows}`);
      assert.equal(seedResult?.node.materialized, 'seed');
    }
  });

  void it('reads test results: status, failures, and the model a test is attached to', () => {
    const fail = finishedOf(events, FAILING_TEST).find((e) => e.name === 'LogTestResult');
    assert.equal(fail?.status, 'fail');
    assert.equal(fail?.failures, 1);
    assert.equal(fail?.attachedNode, 'model.jaffle.orders');
    assert.equal(fail?.total, 28);
    assert.equal(fail?.level, 'error');
    const warn = finishedOf(events, WARNING_TEST).find((e) => e.name === 'LogTestResult');
    assert.equal(warn?.status, 'warn');
    assert.equal(warn?.failures, 1);
    assert.equal(warn?.attachedNode, 'model.jaffle.stg_payments');
    const singular = finishedOf(events, SINGULAR_TEST).find((e) => e.name === 'LogTestResult');
    assert.equal(singular?.status, 'pass');
    assert.equal(singular?.attachedNode, undefined);
    const finished = finishedOf(events, FAILING_TEST).find((e) => e.name === 'NodeFinished');
    assert.equal(finished?.message, 'Got 1 result, configured to fail if != 0');
  });

  void it('reads the end-of-run problems with the file of the node', () => {
    const problems = ofKind(events, 'result-problem');
    const failure = problems.find((p) => p.name === 'RunResultFailure' && p.uniqueId === FAILING_TEST);
    assert.equal(failure?.severity, 'error');
    assert.equal(failure?.path, 'models/marts/schema.yml');
    assert.equal(failure?.resourceType, 'test');
    const error = problems.find((p) => p.name === 'RunResultError' && p.uniqueId === FAILING_TEST);
    assert.equal(error?.message, 'Got 1 result, configured to fail if != 0');
    const warning = problems.find((p) => p.name === 'RunResultWarning');
    assert.equal(warning?.severity, 'warning');
    assert.equal(warning?.uniqueId, WARNING_TEST);
    assert.equal(warning?.path, 'models/staging/schema.yml');
  });

  void it('reads the summary lines and the completion of the command', () => {
    const [stats] = ofKind(events, 'run-stats');
    assert.deepEqual(stats.stats, { pass: 25, warn: 1, error: 1, skip: 0, noop: 1, reused: 0, total: 28 });
    const [summary] = ofKind(events, 'run-summary');
    assert.equal(summary.numErrors, 1);
    assert.equal(summary.numWarnings, 1);
    assert.equal(summary.keyboardInterrupt, false);
    const [done] = ofKind(events, 'command-completed');
    assert.equal(done.command, 'dbt build');
    assert.equal(done.success, false);
    assert.ok((done.elapsed ?? 0) > 0);
    const concurrency = ofKind(events, 'found-nodes').find((e) => e.nodeCount !== undefined);
    // dbt's "Concurrency" line counts 27: the exposure's no-op result is not in it, but is in the "n of 28" lines.
    assert.equal(concurrency?.nodeCount, 27);
    assert.equal(concurrency?.threads, 4);
    assert.equal(concurrency?.targetName, 'dev');
    const found = ofKind(events, 'found-nodes').find((e) => e.statLine !== undefined);
    assert.match(found?.statLine ?? '', /7 models/);
  });

  void it('gives the exposure a no-op result', () => {
    const fin = finishedOf(events, 'exposure.jaffle.weekly_revenue_dashboard');
    assert.ok(fin.length > 0);
    assert.ok(fin.every((e) => e.status === 'no-op'));
  });

  void it('leaves SQL, connection and other debug events as plain log events', () => {
    const sql = events.filter((e) => e.name === 'SQLQuery');
    assert.ok(sql.length > 0);
    assert.ok(sql.every((e) => e.kind === 'log' && e.level === 'debug'));
  });
});

void describe('other recorded commands', () => {
  void it('test: unit test and data tests, attached to their models', () => {
    const events = parsed('test');
    const unit = ofKind(events, 'node-finished').find((e) => e.node.resourceType === 'unit_test' && e.name === 'LogTestResult');
    assert.equal(unit?.status, 'pass');
    assert.equal(unit?.node.uniqueId, UNIT_TEST);
    const [stats] = ofKind(events, 'run-stats');
    assert.deepEqual([stats.stats.pass, stats.stats.warn, stats.stats.error, stats.stats.total], [15, 1, 1, 17]);
  });

  void it('source freshness: pass, warn and error, with a message for the stale ones', () => {
    const events = parsed('source_freshness');
    const byId = new Map(ofKind(events, 'node-finished').filter((e) => e.name === 'LogFreshnessResult').map((e) => [e.node.uniqueId, e]));
    assert.equal(byId.get('source.jaffle.raw.raw_customers')?.status, 'pass');
    assert.equal(byId.get('source.jaffle.raw.raw_customers')?.message, undefined);
    assert.equal(byId.get('source.jaffle.raw.raw_payments')?.status, 'warn');
    assert.match(byId.get('source.jaffle.raw.raw_payments')?.message ?? '', /raw\.raw_payments is stale.*warn_after/);
    assert.equal(byId.get('source.jaffle.raw.raw_orders')?.status, 'error');
    assert.match(byId.get('source.jaffle.raw.raw_orders')?.message ?? '', /raw\.raw_orders is stale.*error_after/);
  });

  void it('compile: the compiled SQL of the selected node', () => {
    const [compiled] = ofKind(parsed('compile_one'), 'compiled-node');
    assert.equal(compiled.uniqueId, 'model.jaffle.customers');
    assert.equal(compiled.nodeName, 'customers');
    assert.equal(compiled.isInline, false);
    assert.match(compiled.compiled, /select/i);
    assert.ok(!compiled.compiled.includes('{{'));
  });

  void it('show: the preview table with the default 5 rows', () => {
    const [show] = ofKind(parsed('show'), 'show-node');
    assert.equal(show.uniqueId, 'model.jaffle.customers');
    const rows = show.preview.trim().split('\n');
    assert.equal(rows.length, 2 + 5);
    assert.match(rows[0], /customer_id/);
  });

  void it('ls: one print event per listed node', () => {
    const printed = ofKind(parsed('ls'), 'print');
    assert.equal(printed.length, 32);
    assert.ok(printed.some((p) => p.text === 'jaffle.marts.orders' || p.text.endsWith('.orders')));
    assert.ok(printed.some((p) => p.text.startsWith('source:jaffle.raw.')));
  });

  void it('parse: says how the project was parsed', () => {
    const events = parsed('parse');
    assert.ok(ofKind(events, 'parse').length >= 1);
    const [done] = ofKind(events, 'command-completed');
    assert.equal(done.success, true);
  });

  void it('a model that fails to compile: the node error carries dbt\'s message', () => {
    const events = parsed('run_broken_compile');
    const fin = finishedOf(events, 'model.jaffle.broken_compile').find((e) => e.name === 'NodeFinished');
    assert.equal(fin?.status, 'error');
    assert.match(fin?.message ?? '', /Compilation Error in model broken_compile[\s\S]*'cents_to_dollar' is undefined/);
    const problem = ofKind(events, 'result-problem').find((p) => p.uniqueId === 'model.jaffle.broken_compile' && p.path !== undefined);
    assert.equal(problem?.path, 'models/broken/broken_compile.sql');
  });

  void it('a model that fails in DuckDB: runtime error with the binder message', () => {
    const events = parsed('run_broken_runtime');
    const fin = finishedOf(events, 'model.jaffle.broken_runtime').find((e) => e.name === 'NodeFinished');
    assert.equal(fin?.status, 'error');
    assert.match(fin?.message ?? '', /Runtime Error in model broken_runtime[\s\S]*Binder Error/);
    const error = ofKind(events, 'node-error').find((e) => e.uniqueId === 'model.jaffle.broken_runtime');
    assert.match(error?.message ?? '', /Binder Error/);
  });

  void it('an unknown named selector: an invocation error with dbt\'s message', () => {
    const errors = ofKind(parsed('unknown_named_selector'), 'invocation-error');
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /^Runtime Error\n\s+Could not find selector named no_such_selector/);
    assert.equal(errors[0].level, 'error');
  });

  void it('an unknown model: "nothing to do" warnings naming the criterion, nothing run', () => {
    const events = parsed('unknown_selector');
    const warnings = ofKind(events, 'nothing-to-do');
    assert.deepEqual(warnings.map((w) => [w.name, w.criterion, w.level]), [
      ['NoNodesForSelectionCriteria', 'no_such_model', 'warn'],
      ['NothingToDo', undefined, 'warn'],
    ]);
    assert.equal(ofKind(events, 'node-started').length, 0);
  });

  void it('a deprecation: a warning naming the YAML file it is about', () => {
    const [d] = ofKind(parsed('unknown_selector'), 'deprecation');
    assert.equal(d?.name, 'MissingArgumentsPropertyInGenericTestDeprecation');
    assert.equal(d?.file, 'models/marts/schema.yml');
    assert.equal(ofKind(parsed('unknown_selector'), 'deprecation').length, 1, 'DeprecationsSummary is not a deprecation of its own');
  });
});

void describe('dbt 1.8 build stream', () => {
  const events = parsed(join('dbt18', 'build'));

  void it('has the same node results, without attached_node on tests', () => {
    const fail = finishedOf(events, FAILING_TEST).find((e) => e.name === 'LogTestResult');
    assert.equal(fail?.status, 'fail');
    assert.equal(fail?.failures, 1);
    assert.equal(fail?.attachedNode, undefined);
    const model = finishedOf(events, 'model.jaffle.orders').find((e) => e.name === 'LogModelResult');
    assert.equal(model?.status, 'success');
  });

  void it('has stats without no-op and reused counts', () => {
    const [stats] = ofKind(events, 'run-stats');
    assert.deepEqual(stats.stats, { pass: 25, warn: 1, error: 1, skip: 0, noop: 0, reused: 0, total: 27 });
    const [summary] = ofKind(events, 'run-summary');
    assert.equal(summary.numPartialSuccess, 0);
  });
});

void describe('stripAnsi', () => {
  void it('removes colour and other escape sequences, keeps the text', () => {
    assert.equal(stripAnsi('1 of 2 OK [\u001b[32mOK\u001b[0m in 0.1s]'), '1 of 2 OK [OK in 0.1s]');
    assert.equal(stripAnsi('\u001b[1;31mbold red\u001b[0m \u001b[2K\u001b]8;;http://x\u0007link\u001b]8;;\u0007'), 'bold red link');
    assert.equal(stripAnsi('plain'), 'plain');
  });

  void it('strips colours that dbt adds without --no-use-colors from real events', () => {
    // The recordings use --no-use-colors; colour a real result line the way dbt does by default.
    const line = lines('build').find((l) => l.includes('"LogTestResult"') && l.includes('FAIL 1'));
    assert.ok(line);
    const coloured = line.replace('FAIL 1', '\\u001b[31mFAIL 1\\u001b[0m');
    const e = parseEventLine(coloured);
    assert.equal(e.kind, 'node-finished');
    assert.ok(!(e as DbtEvent).msg.includes('\u001b'));
    assert.match((e as DbtEvent).msg, /FAIL 1/);
  });
});

void describe('malformed input', () => {
  void it('returns typed unparsed items for text, broken JSON and JSON that is not an event', () => {
    const cases: [string, UnparsedLine['reason']][] = [
      ['', 'empty'],
      ['   ', 'empty'],
      ['Usage: dbt run [OPTIONS]', 'not-json'],
      ["Error: No such option '--foo'.", 'not-json'],
      ['{"info": {"name": "NodeStart"', 'invalid-json'],
      ['{not json}', 'invalid-json'],
      ['{}', 'not-an-event'],
      ['{"info": null, "data": {}}', 'not-an-event'],
      ['{"info": {"name": 42}}', 'not-an-event'],
      ['{"info": {"name": ""}}', 'not-an-event'],
      ['[1, 2, 3]', 'not-json'],
      ['"just a string"', 'not-json'],
    ];
    for (const [line, reason] of cases) {
      const e = parseEventLine(line);
      assert.equal(e.kind, 'unparsed', line);
      assert.equal((e as UnparsedLine).reason, reason, line);
    }
    const colored = parseEventLine('\u001b[0m23:33:57  dbt v2 is available');
    assert.deepEqual(colored, { kind: 'unparsed', line: '23:33:57  dbt v2 is available', reason: 'not-json' });
  });

  void it('reads events with missing or wrongly typed fields without throwing', () => {
    assert.equal(parseEventLine('{"info": {"name": "NodeStart"}, "data": {}}').kind, 'log');
    assert.equal(parseEventLine('{"info": {"name": "NodeStart"}, "data": {"node_info": "oops"}}').kind, 'log');
    assert.equal(parseEventLine('{"info": {"name": "LogTestResult", "level": "loud"}, "data": {"node_info": {"unique_id": 7}}}').kind, 'log');
    const e = parseEventLine('{"info": {"name": "StatsLine"}, "data": {"stats": {"pass": "3", "error": null}}}');
    assert.equal(e.kind, 'run-stats');
    assert.deepEqual((e as Extract<DbtEvent, { kind: 'run-stats' }>).stats, { pass: 3, warn: 0, error: 0, skip: 0, noop: 0, reused: 0, total: 0 });
    const f = parseEventLine('{"info": {"name": "NodeFinished"}, "data": {"node_info": {"unique_id": "model.p.m"}, "run_result": {"execution_time": "x"}}}');
    assert.equal(f.kind, 'node-finished');
    assert.equal((f as NodeFinishedEvent).node.name, 'm');
    assert.equal((f as NodeFinishedEvent).node.resourceType, 'model');
    assert.equal((f as NodeFinishedEvent).status, 'unknown');
    assert.equal((f as NodeFinishedEvent).executionTime, undefined);
    for (const raw of [null, undefined, 42, 'x', [], { info: [] }, { info: { name: 'NodeFinished' }, data: [] }]) {
      assert.equal(parseEvent(raw).kind, 'log');
    }
  });
});

void describe('fuzzing parseEventLine', () => {
  // A small deterministic PRNG, so a failure can be replayed.
  function rng(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const real = streamFiles().flatMap((f) => readFileSync(f, 'utf8').split('\n').filter((l) => l !== ''));

  function check(line: string): void {
    let e: DbtEvent | UnparsedLine;
    try {
      e = parseEventLine(line);
    } catch (err) {
      assert.fail(`parseEventLine threw on ${JSON.stringify(line.slice(0, 200))}: ${String(err)}`);
    }
    assert.equal(typeof e.kind, 'string');
  }

  void it('never throws on real lines cut at random places', () => {
    const random = rng(1);
    for (let i = 0; i < 3000; i++) {
      const line = real[Math.floor(random() * real.length)];
      const cut = line.slice(0, Math.floor(random() * line.length));
      check(cut);
      if (cut.length < line.length) assert.equal(parseEventLine(cut).kind, 'unparsed');
    }
  });

  void it('never throws on real events whose fields are replaced by values of other types', () => {
    const random = rng(2);
    const values: unknown[] = [null, 0, -1, 1e308, '', 'None', 'x'.repeat(1000), [], [1, 'a'], {}, { a: { b: null } }, true, false];
    const pick = (): unknown => values[Math.floor(random() * values.length)];
    const mutate = (o: unknown, depth: number): unknown => {
      if (o === null || typeof o !== 'object' || depth > 4) return random() < 0.2 ? pick() : o;
      if (Array.isArray(o)) return o.map((x) => mutate(x, depth + 1));
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(o)) {
        const r = random();
        if (r < 0.1) continue; // drop the field
        out[k] = r < 0.3 ? pick() : mutate(v, depth + 1);
      }
      return out;
    };
    for (let i = 0; i < 3000; i++) {
      const event = JSON.parse(real[Math.floor(random() * real.length)]) as unknown;
      check(JSON.stringify(mutate(event, 0)));
    }
  });

  void it('never throws on random characters', () => {
    const random = rng(3);
    const alphabet = '{}[]":,\\ abcnulltrue0123456789.-e\u001b\n\t\u0000é😀';
    for (let i = 0; i < 3000; i++) {
      let s = random() < 0.5 ? '{"info": {"name": "' : '';
      const n = Math.floor(random() * 80);
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(random() * alphabet.length)];
      check(s);
    }
  });
});
