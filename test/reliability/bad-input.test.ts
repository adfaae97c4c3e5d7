// Bad input, one test each: every case ends with a clear message (dbt's own
// or the runner's) and nothing lost: the same runner answers the next request.
// Real dbt-core on DuckDB throughout; fuzz cases use fixed seeds.
import { execa } from 'execa';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InvocationError, validateVars } from '../../src/dbt/args';
import { parseEventLine } from '../../src/dbt/events';
import { indexManifestText, ManifestError } from '../../src/dbt/manifest';
import type { RawDbtEvent, WorkerMessage } from '../../src/dbt/protocol';
import { RunnerError, type ProjectRunner } from '../../src/runner/api';
import { JsonLineReader } from '../../src/runner/lineReader';
import { checkPython } from '../../src/runner/pythonEnv';
import { WorkerProcess } from '../../src/runner/workerProcess';
import { waitFor, withTimeout, workersUnder } from './lib/procs';
import { copyProject, expectRunnerError, makeRunner, PY112, relProject, WORKER, type TempProject } from './lib/project';
import { Rng } from './lib/random';
import { recordSection, Tally } from './lib/summary';
import { fakeDbt2Venv, fakeDbtVenv } from './lib/venvs';

const T = { timeout: 300_000 };
const tally = new Tally();
const fuzz: Record<string, number> = {};

void describe('bad input', () => {
  let p: TempProject;
  let runner: ProjectRunner;
  let scratch: string;
  const logs: string[] = [];

  before(async () => {
    p = await relProject();
    scratch = mkdtempSync(join(tmpdir(), 'conductor-rel-bad-'));
    runner = makeRunner(p, { log: (level, m) => logs.push(`${level}: ${m}`) });
    await stillServes();
  });

  after(async () => {
    await runner?.dispose();
    await p?.cleanup();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    recordSection('badInput', { tried: tally.tried, handled: tally.held, cases: tally.cases, fuzz });
  });

  /** Nothing lost: the shared runner still answers a plain request correctly. */
  async function stillServes(): Promise<void> {
    const r = await runner.invoke({ args: ['ls', '--select', 'stg_orders'] });
    assert.equal(r.exitCode, 0, `the runner still serves: ${JSON.stringify(r.exception)}`);
    assert.ok(r.output.kind === 'list' && r.output.items.includes('jaffle.staging.stg_orders'), JSON.stringify(r.output));
  }

  /** Replaces a project file for the duration of `body`, then puts the original back. */
  async function withFile(rel: string, content: string | Buffer | null, body: () => Promise<void>): Promise<void> {
    const file = join(p.root, rel);
    const original = existsSync(file) ? readFileSync(file) : null;
    const moved = `${file}.rel-orig`;
    if (original !== null) renameSync(file, moved);
    try {
      if (content !== null) writeFileSync(file, content);
      await body();
    } finally {
      rmSync(file, { recursive: true, force: true });
      if (original !== null) renameSync(moved, file);
    }
  }

  /** An invocation that must end with exit 2 and an exception whose message matches every pattern. */
  async function expectExit2(args: string[], ...patterns: RegExp[]): Promise<string> {
    const r = await runner.invoke({ args });
    assert.equal(r.exitCode, 2, `exit code for ${args.join(' ')}: ${JSON.stringify(r.exception)}`);
    const message = r.exception?.message ?? '';
    for (const re of patterns) assert.match(message, re);
    return `${r.exception?.type}: ${message.split('\n').slice(0, 2).join(' ').slice(0, 160)}`;
  }

  const c = (name: string, body: () => Promise<string | void>) => void it(name, T, () => tally.run(name, body));

  // ---- the project and its profile ----

  c('dbt_project.yml missing', async () => {
    let note = '';
    await withFile('dbt_project.yml', null, async () => {
      const e = await expectRunnerError(runner.invoke({ args: ['ls'] }), 'project-missing');
      assert.match(e.message, /^No dbt_project\.yml in .*jaffle: the project folder was deleted or moved/);
      note = e.message;
    });
    // Put back: the same runner starts a new worker.
    await stillServes();
    return note;
  });

  c('dbt_project.yml unreadable (a folder in its place)', async () => {
    let note = '';
    const file = join(p.root, 'dbt_project.yml');
    await withFile('dbt_project.yml', null, async () => {
      mkdirSync(file);
      note = await expectExit2(['ls'], /dbt_project\.yml/);
    });
    await stillServes();
    return note;
  });

  c('dbt_project.yml that is not text (invalid UTF-8)', async () => {
    let note = '';
    await withFile('dbt_project.yml', Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x0a, 0xc3, 0x28]), async () => {
      note = await expectExit2(['ls'], /utf-8|decode|dbt_project/i);
    });
    await stillServes();
    return note;
  });

  c('YAML syntax error in dbt_project.yml', async () => {
    let note = '';
    await withFile('dbt_project.yml', 'name: jaffle\nprofile: [unclosed\nconfig-version: 2\n', async () => {
      note = await expectExit2(['ls'], /Syntax error near line/, /profile: \[unclosed/);
    });
    await stillServes();
    return note;
  });

  c('YAML syntax error in a schema file', async () => {
    let note = '';
    await withFile('models/staging/broken.yml', 'version: 2\nmodels:\n  - name: stg_orders\n    description: "unclosed\n  - {{\n', async () => {
      note = await expectExit2(['ls'], /broken\.yml/);
    });
    await stillServes();
    return note;
  });

  c('invalid profile (an adapter type that does not exist)', async () => {
    let note = '';
    const profile = 'jaffle:\n  target: dev\n  outputs:\n    dev:\n      type: no_such_adapter\n      threads: 1\n';
    await withFile('profiles.yml', profile, async () => {
      note = await expectExit2(['run', '--select', 'stg_orders'], /no_such_adapter/);
    });
    await stillServes();
    return note;
  });

  c('no profiles.yml at all', async () => {
    let note = '';
    await withFile('profiles.yml', null, async () => {
      note = await expectExit2(['run', '--select', 'stg_orders'], /Could not find profile named 'jaffle'/);
    });
    await stillServes();
    return note;
  });

  c('unknown target', async () => {
    const note = await expectExit2(['run', '--select', 'stg_orders', '--target', 'no_such_target'], /no_such_target/);
    await stillServes();
    return note;
  });

  c('unknown --selector', async () => {
    const note = await expectExit2(['build', '--selector', 'no_such_selector'], /no_such_selector/);
    await stillServes();
    return note;
  });

  c('unknown model in --select: nothing runs, dbt says why', async () => {
    const names: string[] = [];
    const r = await runner.invoke({ args: ['run', '--select', 'no_such_model'] }, { onEvent: (e) => names.push(`${e.info.name}: ${e.info.msg ?? ''}`) });
    assert.equal(r.exitCode, 0);
    assert.deepEqual(r.nodes, []);
    const warning = names.find((n) => n.startsWith('NoNodesForSelectionCriteria'));
    assert.ok(warning?.includes('no_such_model'), names.join('\n'));
    await stillServes();
    return warning;
  });

  c('unknown command, unknown flag, bad --threads: usage errors', async () => {
    const notes = [
      await expectExit2(['frobnicate'], /frobnicate/),
      await expectExit2(['run', '--no-such-flag'], /no-such-flag/),
      await expectExit2(['run', '--threads', 'many'], /many/),
    ];
    await stillServes();
    return notes.join(' | ');
  });

  c('arguments that are not strings, or hold NUL: refused before anything starts', async () => {
    const bad: unknown[] = [[42], ['run', null], 'run', ['run', '--select', 'a\0b']];
    for (const args of bad) {
      assert.throws(() => runner.invoke({ args: args as string[] }), (e: Error) => e instanceof TypeError && /dbt arguments must/.test(e.message));
    }
    await stillServes();
  });

  // ---- selectors and names with shell metacharacters ----

  const marker = () => join(scratch, 'pwned');
  const nasty = () => [
    `; touch ${marker()}`,
    `$(touch ${marker()})`,
    `\`touch ${marker()}\``,
    `'; touch ${marker()}; '`,
    `"quoted name"`,
    `a b c`,
    `"\ntouch ${marker()}\n"`,
    `a && touch ${marker()} || b`,
    `| touch ${marker()}`,
  ];

  c('selectors with quotes, spaces, ;, $(), backticks and newlines are passed literally', async () => {
    for (const selector of nasty()) {
      const r = await runner.invoke({ args: ['ls', '--select', selector] });
      // dbt reads it as a (non-matching) selector, or rejects it with a message: never a shell.
      if (r.exitCode === 0) assert.ok(r.output.kind === 'list' && r.output.items.length === 0, `${JSON.stringify(selector)}: ${JSON.stringify(r.output)}`);
      else assert.ok(r.exitCode === 2 && (r.exception?.message ?? '').length > 0, `${JSON.stringify(selector)}: exit ${r.exitCode}`);
    }
    assert.equal(existsSync(marker()), false, 'nothing was executed');
    await stillServes();
    return `${nasty().length} selectors`;
  });

  c('model files named with quotes, ;, $() and backticks are selected by their literal names', async () => {
    // dbt refuses names with spaces (next case), so the commands here are written without any.
    const names = [`it's`, 'semi;colon', '$(touch${IFS}pwned)', '`touch${IFS}pwned2`', 'a&&touch${IFS}pwned3', 'x|y'];
    const dir = join(p.root, 'models', 'weird');
    mkdirSync(dir);
    try {
      for (const n of names) writeFileSync(join(dir, `${n}.sql`), 'select 1 as a\n');
      const listed = await runner.invoke({ args: ['ls', '--select', 'path:models/weird', '--output', 'name'] });
      assert.equal(listed.exitCode, 0, JSON.stringify(listed.exception));
      assert.ok(listed.output.kind === 'list');
      assert.deepEqual([...listed.output.items].sort(), [...names].sort(), 'dbt sees each model under its literal name');
      for (const n of names) {
        const r = await runner.invoke({ args: ['ls', '--select', n, '--output', 'name'] });
        // dbt's selector grammar reads some characters itself (e.g. "|"); never a shell.
        assert.ok(r.exitCode === 0 || r.exitCode === 2, `${n}: exit ${r.exitCode}`);
      }
      const one = await runner.invoke({ args: ['run', '--select', 'semi;colon'] });
      assert.equal(one.exitCode, 0, JSON.stringify(one.exception));
      assert.deepEqual(one.nodes.filter((n) => n.resourceType === 'model').map((n) => `${n.name}:${n.status}`), ['semi;colon:success']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    for (const m of ['pwned', 'pwned2', 'pwned3']) assert.equal(existsSync(join(p.root, m)), false, `nothing was executed (${m})`);
    await stillServes();
    return `${names.length} models`;
  });

  c('a model name with spaces: dbt refuses it and names the file', async () => {
    let note = '';
    await withFile('models/two words.sql', 'select 1 as a\n', async () => {
      note = await expectExit2(['ls'], /Resource names cannot contain spaces/, /two words\.sql/);
    });
    await stillServes();
    return note;
  });

  // ---- --vars ----

  c('--vars that is not valid YAML', async () => {
    assert.throws(() => validateVars('{x: [unclosed'), (e: Error) => e instanceof InvocationError && /--vars is not valid YAML or JSON/.test(e.message));
    const note = await expectExit2(['run', '--select', 'stg_orders', '--vars', '{x: [unclosed'], /is not valid YAML/);
    await stillServes();
    return note;
  });

  c('--vars that is YAML but not a mapping', async () => {
    assert.throws(() => validateVars('[1, 2]'), (e: Error) => e instanceof InvocationError && /must be a mapping/.test(e.message));
    const note = await expectExit2(['run', '--select', 'stg_orders', '--vars', '[1, 2]'], /\[1, 2\]/);
    await stillServes();
    return note;
  });

  // ---- output the runner must survive ----

  c('a 10 MB log line', async () => {
    const size = 10 * 1024 * 1024;
    let longest = 0;
    const r = await runner.invoke(
      { args: ['run-operation', 'big_log', '--args', `{n: ${size}}`] },
      { onEvent: (e) => (longest = Math.max(longest, typeof e.info.msg === 'string' ? e.info.msg.length : 0)) },
    );
    assert.equal(r.exitCode, 0, JSON.stringify(r.exception));
    assert.ok(longest >= size, `the ${size}-character line arrived whole (longest ${longest})`);
    await stillServes();
    return `longest event message ${longest} characters`;
  });

  c('non-UTF-8 bytes and a truncated JSON line printed by a model (worker)', async () => {
    const r = await runner.invoke({ args: ['run', '--select', 'bytes_py', '--vars', '{bytes: true}'] });
    assert.equal(r.exitCode, 0, JSON.stringify(r.exception));
    assert.deepEqual(r.nodes.filter((n) => n.resourceType === 'model').map((n) => `${n.name}:${n.status}`), ['bytes_py:success']);
    await stillServes();
  });

  c('non-UTF-8 bytes and a truncated JSON line in the CLI fallback\'s JSON stream', async () => {
    const cliLogs: string[] = [];
    const cli = makeRunner(p, { backend: 'cli', log: (level, m) => cliLogs.push(`${level}: ${m}`) });
    try {
      const events: RawDbtEvent[] = [];
      const r = await cli.invoke({ args: ['run', '--select', 'bytes_py', '--vars', '{bytes: true}'] }, { onEvent: (e) => events.push(e) });
      assert.equal(r.exitCode, 0, JSON.stringify(r.exception));
      assert.equal(r.backend, 'cli');
      assert.deepEqual(r.nodes.filter((n) => n.resourceType === 'model').map((n) => `${n.name}:${n.status}`), ['bytes_py:success']);
      assert.ok(events.every((e) => typeof e.info?.name === 'string'), 'only real events reach the caller');
      const skipped = cliLogs.filter((l) => l.includes('skipped a line'));
      assert.ok(skipped.some((l) => l.includes('invalid JSON')), `the broken lines were skipped and logged:\n${cliLogs.join('\n')}`);
      return `${skipped.length} lines skipped`;
    } finally {
      await cli.dispose();
    }
  });

  c('truncated and invalid JSON lines up to a cut-off last line (CLI fallback, a stand-in dbt)', async () => {
    const ev = (name: string, data: object) => JSON.stringify({ info: { name, code: 'X', level: 'info', msg: name, ts: '2026-01-01T00:00:00Z', invocation_id: 'fake' }, data });
    const node = (id: string, status: string) => ev('NodeFinished', { node_info: { unique_id: id, node_name: id.split('.').pop(), resource_type: 'model' }, run_result: { status, message: status } });
    const lines = [
      ev('MainReportVersion', { version: '=1.12.6' }),
      '{"info": {"name": "LogStartLine", "lev',
      'plain text, not JSON',
      '[1, 2, 3]',
      '{"info": 5}',
      '{"info": {"name": "NodeFinished"}, "data": null}',
      node('model.fake.a', 'success'),
      '{"info": {"name": "NodeFinished", "level": "debug"}, "data": {"node_info": "not an object"}}',
      node('model.fake.b', 'error'),
    ];
    const body = [
      'out = sys.stdout.buffer',
      ...lines.map((l) => `out.write(${JSON.stringify(`${l}\n`)}.encode())`),
      "out.write(b'\\xff\\xfe\\x00 not utf-8\\n')",
      `out.write(${JSON.stringify('{"info": {"name": "EndOfRunSumm')}.encode())`, // cut off: no newline, then EOF
      'out.flush()',
      'sys.exit(1)',
    ];
    const { python } = await fakeDbtVenv(join(scratch, 'fake-dbt'), '1.12.6', body);
    const cli = makeRunner(p, { backend: 'cli', python });
    try {
      const events: RawDbtEvent[] = [];
      const r = await cli.invoke({ args: ['run'] }, { onEvent: (e) => events.push(e) });
      assert.equal(r.exitCode, 1);
      assert.equal(r.backend, 'cli');
      assert.deepEqual(r.nodes.map((n) => `${n.uniqueId}:${n.status}`), ['model.fake.a:success', 'model.fake.b:error']);
      assert.ok(events.every((e) => typeof e.info.name === 'string' && e.data !== null && typeof e.data === 'object'), 'callers get only well-formed events');
    } finally {
      await cli.dispose();
    }
  });

  // ---- the worker channel, both ways ----

  c('random bytes and malformed requests on the worker\'s stdin (real worker, seed 7)', async () => {
    const rng = new Rng(7);
    const manifestOut = join(scratch, 'fuzz-manifest.json');
    const child = execa(PY112, [WORKER, '--project-dir', p.root, '--manifest-out', manifestOut], {
      cwd: p.root,
      env: { ...process.env, ...p.env },
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'ignore',
      buffer: false,
      reject: false,
    });
    const messages: WorkerMessage[] = [];
    const reader = new JsonLineReader({ onValue: (v) => messages.push(v as unknown as WorkerMessage) });
    child.stdout?.on('data', (b: Buffer) => reader.push(b));
    try {
      await waitFor('the worker to say ready', 120_000, () => messages.some((m) => m.type === 'ready'));
      const garbage: Buffer[] = [];
      for (let i = 0; i < 200; i++) garbage.push(rng.lineBytes(rng.int(1, 300)));
      const shapes = ['{}', '[]', 'null', '"text"', '{"method": 42}', '{"id": "g1", "method": "frobnicate"}', '{"id": "g2", "method": "invoke", "params": {"args": ["--no-such-flag"]}}', '{"id": "g3", "method": "cancel", "params": {"id": "nothing"}}', '{"id": "g4", "method": "parse", "params": "wrong"}', '{"method": "invoke", "params": {"args": "x'];
      for (const s of shapes) garbage.splice(rng.int(0, garbage.length), 0, Buffer.from(s));
      for (const g of garbage) child.stdin?.write(Buffer.concat([g, Buffer.from('\n')]));
      child.stdin?.write('{"id": "s1", "method": "status"}\n{"id": "i1", "method": "invoke", "params": {"args": ["ls", "--select", "stg_orders"]}}\n');
      const answer = (id: string) => messages.find((m) => (m.type === 'result' || m.type === 'status' || m.type === 'error') && m.id === id);
      await waitFor('answers to the valid requests after the garbage', 180_000, () => answer('s1') && answer('i1') && answer('g1') && answer('g2'));
      const unreadable = messages.filter((m) => m.type === 'error' && m.id === null && m.error.type === 'BadRequest');
      assert.ok(unreadable.length >= 200, `every unreadable line got an error (${unreadable.length})`);
      const g1 = answer('g1');
      assert.ok(g1?.type === 'error' && /Unknown method 'frobnicate'/.test(g1.error.message), JSON.stringify(g1));
      const g2 = answer('g2');
      assert.ok(g2?.type === 'result' && g2.result.exitCode === 2, JSON.stringify(g2));
      const s1 = answer('s1');
      assert.ok(s1?.type === 'status' && s1.rssBytes > 0, JSON.stringify(s1));
      const i1 = answer('i1');
      assert.ok(i1?.type === 'result' && i1.result.exitCode === 0 && i1.result.output.kind === 'list' && i1.result.output.items.includes('jaffle.staging.stg_orders'), JSON.stringify(i1));
      child.stdin?.write('{"id": "bye", "method": "shutdown"}\n');
      child.stdin?.end();
      const exit = await withTimeout(child, 30_000, 'the worker exiting after shutdown');
      assert.equal(exit.exitCode, 0, 'the worker shut down cleanly');
      fuzz.workerStdinLines = garbage.length;
      return `${garbage.length} bad lines, ${unreadable.length} BadRequest answers, then status and ls answered`;
    } finally {
      child.kill('SIGKILL');
    }
  });

  c('random bytes and malformed messages from the worker (a stand-in worker, seed 11)', async () => {
    const script = join(scratch, 'noisy_worker.py');
    writeFileSync(
      script,
      [
        'import json, os, random, sys',
        'rnd = random.Random(11)',
        'out = os.fdopen(1, "wb", buffering=0)',
        'shapes = [b\'{"type": "error"}\', b\'{"type": "error", "id": null, "error": null}\', b\'{"type": "error", "id": "x", "error": "text"}\',',
        '          b\'{"type": "error", "id": null, "error": {"type": 5, "message": ["not", "text"]}}\', b\'{"type": "event"}\',',
        '          b\'{"type": "event", "id": "nope", "event": null}\', b\'{"type": "result", "id": "nope"}\', b\'{"type": "status", "id": null}\',',
        '          b\'{"type": "manifest"}\', b\'{"type": "manifest", "path": 5}\', b\'{"type": 5}\', b\'{"type": null}\', b\'{}\', b\'[]\', b\'"s"\', b\'null\', b\'1e999\',',
        '          b\'{"type": "result", "id": {"a": 1}}\', b\'{"type": "status", "id": "s0"}\']',
        'def noise(n, inv=None):',
        '    for _ in range(n):',
        '        r = rnd.random()',
        '        if r < 0.4: out.write(bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 300))).replace(b"\\n", b" ") + b"\\n")',
        '        elif r < 0.8 or inv is None: out.write(rnd.choice(shapes) + b"\\n")',
        '        else: out.write(json.dumps({"type": "event", "id": inv, "event": rnd.choice([None, 5, "x", [], {}, {"info": None}, {"info": {"name": 5}}, {"info": {"name": "X"}}])}).encode() + b"\\n")',
        'noise(300)',
        'out.write(json.dumps({"type": "ready", "pid": os.getpid(), "python": sys.executable, "dbtVersion": "1.12.6"}).encode() + b"\\n")',
        'for raw in sys.stdin.buffer:',
        '    req = json.loads(raw)',
        '    if req["method"] == "shutdown": break',
        '    noise(100, req["id"])',
        '    if req["method"] == "status":',
        '        out.write(json.dumps({"type": "status", "id": req["id"], "rssBytes": 1, "invocations": 0, "manifestLoaded": False}).encode() + b"\\n")',
        '    else:',
        '        ev = {"info": {"name": "PrintEvent", "level": "info", "msg": "ok"}, "data": {"msg": "ok"}}',
        '        out.write(json.dumps({"type": "event", "id": req["id"], "event": ev}).encode() + b"\\n")',
        '        res = {"command": "ls", "success": True, "exitCode": 0, "nodes": [], "output": {"kind": "list", "items": ["ok"]}, "elapsedSeconds": 0, "parsed": False, "cancelled": False, "backend": "worker"}',
        '        out.write(json.dumps({"type": "result", "id": req["id"], "result": res}).encode() + b"\\n")',
        '',
      ].join('\n'),
    );
    const uncaught: Error[] = [];
    const onUncaught = (e: Error) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    const warnings: string[] = [];
    const w = new WorkerProcess({
      python: PY112,
      workerScript: script,
      projectRoot: p.root,
      manifestPath: join(scratch, 'noisy-manifest.json'),
      env: { ...process.env },
      startTimeoutMs: 60_000,
      scrub: (s) => s,
      log: (level, m) => warnings.push(`${level}: ${m}`),
    });
    try {
      const ready = await w.ready;
      assert.equal(ready.dbtVersion, '1.12.6');
      const status = await w.call({ id: 'st', method: 'status' });
      assert.equal(status.type, 'status');
      const events: unknown[] = [];
      const result = await w.call({ id: 'inv', method: 'invoke', params: { args: ['ls'] } }, (e) => events.push(e));
      assert.equal(result.type, 'result');
      assert.ok(events.length >= 1);
      const bad = events.filter((e) => typeof (e as RawDbtEvent | null)?.info?.name !== 'string' || typeof (e as RawDbtEvent).data !== 'object' || (e as RawDbtEvent).data === null);
      assert.deepEqual(bad, [], 'only well-formed events reach the caller');
      assert.deepEqual(uncaught.map((e) => e.message), [], 'nothing thrown out of the channel reader');
      assert.ok(w.isAlive);
      fuzz.runnerChannelLines = 500;
      return `${warnings.length} lines reported and skipped`;
    } finally {
      process.off('uncaughtException', onUncaught);
      await w.shutdown(3000);
    }
  });

  c('fuzzed line reader and event parser: never throw, every valid line recovered (seeds 1-20)', async () => {
    let lines = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const rng = new Rng(seed);
      const valid: Record<string, unknown>[] = [];
      const parts: Buffer[] = [];
      for (let i = 0; i < 200; i++) {
        if (rng.next() < 0.5) {
          const ev = { info: { name: rng.pick(['NodeStart', 'NodeFinished', 'LogModelResult', 'X']), msg: rng.lineBytes(rng.int(0, 40)).toString('latin1'), seq: i }, data: { n: rng.int(0, 1e6) } };
          valid.push(JSON.parse(JSON.stringify(ev)) as Record<string, unknown>);
          parts.push(Buffer.from(`${JSON.stringify(ev)}\n`));
        } else {
          // Garbage that is not a JSON object, including invalid UTF-8 and lone "{".
          const g = rng.lineBytes(rng.int(0, 400));
          if (g.length > 0 && rng.next() < 0.3) g[0] = 0x7b;
          parts.push(Buffer.concat([g, Buffer.from(rng.next() < 0.1 ? '\r\n' : '\n')]));
        }
        lines++;
      }
      const stream = Buffer.concat(parts);
      const got: Record<string, unknown>[] = [];
      const reader = new JsonLineReader({ onValue: (v) => got.push(v) });
      // Random chunk boundaries, splitting lines and UTF-8 sequences anywhere.
      for (let at = 0; at < stream.length; ) {
        const n = rng.int(1, 700);
        reader.push(stream.subarray(at, at + n));
        at += n;
      }
      reader.end();
      // A garbage line that happens to be a JSON object would be extra; none of these is.
      assert.deepEqual(got, valid, `seed ${seed}: exactly the valid lines, in order`);
      for (const part of parts) {
        const parsed = parseEventLine(part.toString('utf8'));
        assert.ok(typeof parsed.kind === 'string', `seed ${seed}: parseEventLine answers for every line`);
      }
    }
    fuzz.lineReaderLines = lines;
    return `${lines} lines over 20 seeds`;
  });

  // ---- manifests, empty projects, unsupported dbt ----

  c('malformed manifests: a clear error, never a crash (seed 5)', async () => {
    const parsed = await runner.parse();
    assert.equal(parsed.exitCode, 0);
    const good = readFileSync(p.manifestPath, 'utf8');
    assert.ok(indexManifestText(good).byId.size > 10, 'the real manifest indexes');
    const cases: [string, string, RegExp][] = [
      ['truncated', good.slice(0, Math.floor(good.length / 2)), /JSON/],
      ['empty', '', /JSON/],
      ['not an object', '[1, 2]', /not a JSON object/],
      ['no nodes', '{"metadata": {}}', /no "nodes" object/],
      ['nodes is a list', '{"nodes": []}', /no "nodes" object/],
    ];
    for (const [name, text, re] of cases) {
      assert.throws(() => indexManifestText(text), (e: Error) => (e instanceof SyntaxError || e instanceof ManifestError) && re.test(e.message), name);
    }
    // Random byte flips of the real manifest: indexed or refused with SyntaxError/ManifestError, nothing else.
    const rng = new Rng(5);
    let indexed = 0;
    let refused = 0;
    for (let i = 0; i < 200; i++) {
      const bytes = Buffer.from(good);
      for (let k = 0; k < rng.int(1, 8); k++) bytes[rng.int(0, bytes.length - 1)] = rng.pick([0x22, 0x7b, 0x7d, 0x5b, 0x5d, 0x3a, 0x2c, 0x30, 0x6e]);
      try {
        indexManifestText(bytes.toString('utf8'));
        indexed++;
      } catch (e) {
        assert.ok(e instanceof SyntaxError || e instanceof ManifestError, `flip ${i}: ${String(e)}`);
        refused++;
      }
    }
    fuzz.manifestMutations = 200;
    return `${cases.length} malformed + 200 mutated manifests (${indexed} indexed, ${refused} refused)`;
  });

  c('a project with 0 models (fixture empty)', async () => {
    const empty = await copyProject('empty');
    const r = makeRunner(empty);
    try {
      const parsed = await r.parse();
      assert.equal(parsed.exitCode, 0, JSON.stringify(parsed.exception));
      assert.ok(parsed.output.kind === 'parse' && parsed.output.summary.models === 0 && parsed.output.summary.nodes === 0, JSON.stringify(parsed.output));
      const names: string[] = [];
      const run = await r.invoke({ args: ['build'] }, { onEvent: (e) => names.push(e.info.name) });
      assert.equal(run.exitCode, 0, JSON.stringify(run.exception));
      assert.deepEqual(run.nodes, []);
      assert.ok(names.includes('NothingToDo') || names.includes('NoNodesForSelectionCriteria'), names.join(', '));
      const ls = await r.invoke({ args: ['ls'] });
      assert.deepEqual(ls.output, { kind: 'list', items: [] });
      return `build: ${names.includes('NothingToDo') ? 'NothingToDo' : 'NoNodesForSelectionCriteria'}`;
    } finally {
      await r.dispose();
      await empty.cleanup();
    }
  });

  c('dbt-core 2.x installed: the worker refuses with a clear message, auto picks the CLI', async () => {
    const { python } = await fakeDbt2Venv(join(scratch, 'dbt2'));
    const env = await checkPython(python);
    assert.equal(env.dbtVersion, '2.0.0');
    const forced = makeRunner(p, { python, backend: 'worker' });
    let message = '';
    try {
      const e = await expectRunnerError(forced.invoke({ args: ['ls'] }), 'dbt-version-unsupported');
      assert.match(e.message, /dbt-core 2\.0\.0 in .* is not supported by the worker \(needs >=1\.5,<2\): dbt-core 2\.x has no callbacks or manifest reuse/);
      message = e.message;
    } finally {
      await forced.dispose();
    }
    // The worker's own guard, should it be started on dbt 2.x anyway.
    const w = new WorkerProcess({ python, workerScript: WORKER, projectRoot: p.root, manifestPath: join(scratch, 'm2.json'), env: { ...process.env }, startTimeoutMs: 60_000, scrub: (s) => s });
    await assert.rejects(w.ready, (e: RunnerError) => e.code === 'dbt-version-unsupported' && /dbt-core 2\.0\.0 is not supported by the worker.*use the CLI backend/.test(e.message));
    await w.exited;
    const auto = makeRunner(p, { python, backend: 'auto' });
    try {
      const events: RawDbtEvent[] = [];
      const r = await auto.invoke({ args: ['ls'] }, { onEvent: (e) => events.push(e) });
      assert.equal(r.backend, 'cli', 'auto falls back to the CLI');
      assert.ok(events.some((e) => e.info.msg === 'Running with dbt=2.0.0'), 'and it ran the installed dbt');
    } finally {
      await auto.dispose();
    }
    assert.deepEqual(workersUnder(join(scratch, 'dbt2')), []);
    await stillServes();
    return message;
  });
});
