// Security, checked on the real thing: no shell anywhere (a scan of src/, and
// shell metacharacters fed through every entry point with marker files that
// must never appear), secrets that never surface in anything the runner
// produces, and no network port opened by the worker or the language server.
// Workspace Trust (nothing runs in an untrusted workspace, including on
// activation) is proven in a real workbench by the e2e layers: the untrusted
// pass of test/e2e/hostTests.main.ts (test/suite/untrusted.suite.ts) and
// untrustedFlow in test/e2e/userFlow.main.ts, which scan for Python processes.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import { buildArgs, parseCommandLine, tokenizeCommandLine } from '../../src/dbt/args';
import { scrubSecrets } from '../../src/dbt/secrets';
import type { RawDbtEvent } from '../../src/dbt/protocol';
import { RunnerError } from '../../src/runner/api';
import { checkPython } from '../../src/runner/pythonEnv';
import { inetSocketsOf, isAlive, socketCount, waitFor, withTimeout, workersUnder } from './lib/procs';
import { expectRunnerError, makeRunner, relProject, ROOT, type TempProject } from './lib/project';
import { Produced } from './lib/produced';
import { recordSection, Tally } from './lib/summary';

const T = { timeout: 300_000 };
const tally = new Tally();
const security: Record<string, unknown> = {};

// ---- the source scan ----

interface Finding {
  file: string;
  line: number;
  rule: string;
  text: string;
}

const TS_RULES: [string, RegExp][] = [
  ['shell: true', /\bshell\s*:\s*(true|['"`])/],
  ['exec() of child_process', /(?<![.\w])exec\s*\(/],
  ['child_process.exec', /child_process['"]?\)?\s*\.\s*exec\b/],
  ['execSync', /\bexecSync\b/],
  ['execaCommand (parses a command string)', /\bexecaCommand(Sync)?\b/],
  ['execa template literal ($`...`)', /(?:^|[\s(=,;!&|?:])\$`/],
  ['imports exec from child_process', /import\s*\{[^}]*\bexec\b[^}]*\}\s*from\s*['"](node:)?child_process['"]/],
];
const PY_RULES: [string, RegExp][] = [
  ['shell=True', /shell\s*=\s*True/],
  ['os.system', /\bos\.system\s*\(/],
  ['os.popen', /\bos\.popen\s*\(/],
  ['subprocess', /\bsubprocess\b/],
];
/** Every process start must pass its arguments as an array: execa(file, [ ... ]). */
const SPAWN_CALL = /\b(execa|execaSync|spawn|spawnSync|execFile|execFileSync|fork)\s*\(/;
const SPAWN_WITH_ARRAY = /\b(execa|execaSync|spawn|spawnSync|execFile|execFileSync|fork)\s*\(\s*[\w.]+\s*,\s*\[/;

function scanSource(file: string, text: string): Finding[] {
  const rules = file.endsWith('.py') ? PY_RULES : TS_RULES;
  const out: Finding[] = [];
  text.split('\n').forEach((line, i) => {
    const code = file.endsWith('.py') ? line.replace(/#.*$/, '') : line.replace(/^\s*(\/\/|\*).*$/, '');
    for (const [rule, re] of rules) if (re.test(code)) out.push({ file, line: i + 1, rule, text: line.trim() });
    if (!file.endsWith('.py') && SPAWN_CALL.test(code) && !SPAWN_WITH_ARRAY.test(code)) {
      out.push({ file, line: i + 1, rule: 'process start without an argument array', text: line.trim() });
    }
  });
  return out;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|mts|cts|js|mjs|py)$/.test(name)) out.push(p);
  }
  return out;
}

// ---- secrets ----

const SECRET_TOKEN = `tok-${process.pid}-Zq8xW3`;
const SECRET_PW = `pw-${process.pid}-Kd93!x`;
const SECRETS = [SECRET_TOKEN, SECRET_PW];

void describe('security', () => {
  let p: TempProject;
  let scratch: string;

  before(async () => {
    p = await relProject();
    scratch = mkdtempSync(join(tmpdir(), 'conductor-rel-sec-'));
  });

  after(async () => {
    await p?.cleanup();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    recordSection('security', { tried: tally.tried, held: tally.held, cases: tally.cases, ...security });
  });

  const c = (name: string, body: () => Promise<string | void>) => void it(name, T, () => tally.run(name, body));

  c('no shell anywhere in src/ (and the scan catches what it looks for)', async () => {
    const planted: [string, string][] = [
      ['x.ts', "execa('dbt run', { shell: true })"],
      ['x.ts', "import { exec } from 'node:child_process';"],
      ['x.ts', "require('child_process').exec('ls')"],
      ['x.ts', 'execSync(`dbt ${args}`)'],
      ['x.ts', 'await $`dbt ${cmd}`'],
      ['x.ts', 'execaCommand(`dbt ${line}`)'],
      ['x.ts', 'execa(commandLine)'],
      ['x.py', 'subprocess.run(cmd, shell=True)'],
      ['x.py', 'os.system("dbt " + args)'],
    ];
    for (const [file, text] of planted) assert.ok(scanSource(file, text).length > 0, `the scan flags: ${text}`);
    for (const ok of ['const m = /x/.exec(s);', "execa(python, ['-c', PROBE], {", 'this.child = execa(python, [workerScript, "--x"], {']) {
      assert.deepEqual(scanSource('y.ts', ok), [], `the scan accepts: ${ok}`);
    }
    const files = sourceFiles(join(ROOT, 'src'));
    assert.ok(files.length >= 20 && files.some((f) => f.endsWith('dbt_worker.py')), `scanned ${files.length} files`);
    const findings = files.flatMap((f) => scanSource(relative(ROOT, f), readFileSync(f, 'utf8')));
    assert.deepEqual(findings, [], findings.map((f) => `${f.file}:${f.line} ${f.rule}: ${f.text}`).join('\n'));
    const spawns = files.filter((f) => SPAWN_CALL.test(readFileSync(f, 'utf8'))).map((f) => relative(ROOT, f));
    security.sourceScan = { files: files.length, findings: 0, processStarts: spawns };
    return `${files.length} files; processes started in ${spawns.join(', ')}`;
  });

  c('shell metacharacters through every entry point are passed literally, nothing executed', async () => {
    const marker = join(scratch, 'pwned');
    const evil = [`$(touch ${marker})`, `\`touch ${marker}\``, `; touch ${marker}`, `| touch ${marker}`, `&& touch ${marker}`, `'"; touch ${marker}; "'`, `\ntouch ${marker}\n`];

    // 1. The argument builder: each value stays one argument, unchanged.
    assert.deepEqual(buildArgs({ command: 'run', selection: { kind: 'node', name: '$(id)' }, target: '`id`', vars: '{"x": "$(touch m); `id`"}' }), [
      'run', '--select', '$(id)', '--target', '`id`', '--vars', '{"x": "$(touch m); `id`"}',
    ]);
    assert.deepEqual(buildArgs({ command: 'ls', selection: { kind: 'text', text: ';id $(id) `id` |id' }, extraArgs: ['--exclude', `$(touch ${marker})`] }), [
      'ls', '--select', ';id', '$(id)', '`id`', '|id', '--exclude', `$(touch ${marker})`,
    ]);

    // 2. The free-form command line: a shell's quoting rules, no expansion, no execution.
    const parsed = parseCommandLine(`dbt ls --select "$(touch ${marker})" '; touch ${marker}' \`touch\` a\\;b --vars '{x: $HOME}'`);
    assert.deepEqual(parsed.args, ['ls', '--select', `$(touch ${marker})`, `; touch ${marker}`, '`touch`', 'a;b', '--vars', '{x: $HOME}']);
    assert.deepEqual(tokenizeCommandLine('a|b c>d e&&f $(g) ${HOME} ~'), ['a|b', 'c>d', 'e&&f', '$(g)', '${HOME}', '~']);

    // 3. The runner, both backends, with every value as a selector, a var, a target and a profiles dir.
    const worker = makeRunner(p);
    const cli = makeRunner(p, { backend: 'cli' });
    let invocations = 0;
    try {
      for (const runner of [worker, cli]) {
        // A CLI invocation is a whole dbt process: one carrying every value at once.
        const batches =
          runner === worker
            ? [...evil.map((e) => ['ls', '--select', e]), ['ls', '--vars', `{x: "${evil[0]}"}`], ['ls', '--target', evil[1]], ['ls', '--profiles-dir', evil[2]], parsed.args]
            : [['ls', '--select', ...evil, '--exclude', ...evil, '--vars', `{x: "${evil[0]}"}`]];
        for (const args of batches) {
          const r = await runner.invoke({ args });
          invocations++;
          assert.ok(r.exitCode === 0 || r.exitCode === 2, `${JSON.stringify(args)}: exit ${r.exitCode}`);
        }
      }
    } finally {
      await worker.dispose();
      await cli.dispose();
    }

    // 4. The Python path setting.
    for (const python of [`${scratch}/$(touch ${marker})/python`, `python3; touch ${marker}`, `$(touch ${marker})`, `\`touch ${marker}\``]) {
      await assert.rejects(checkPython(python), (e: RunnerError) => e.code === 'python-not-found' && e.message.includes(python));
      const r = makeRunner(p, { python });
      try {
        await expectRunnerError(r.invoke({ args: ['ls'] }), 'python-not-found');
      } finally {
        await r.dispose();
      }
    }

    // 5. A project whose folder name is full of metacharacters: runs normally.
    const oddParent = join(scratch, `proj $(touch pwned) ; touch pwned2 \`touch pwned3\``);
    mkdirSync(oddParent);
    const oddRoot = join(oddParent, 'jaffle');
    cpSync(p.root, oddRoot, { recursive: true, filter: (src) => !src.includes(`${p.root}/target`) });
    const odd = makeRunner({ ...p, root: oddRoot, manifestPath: join(oddParent, 'manifest.json') }, { env: { ...p.env, DBT_PROFILES_DIR: oddRoot } });
    try {
      const r = await odd.invoke({ args: ['ls', '--select', 'stg_orders', '--resource-type', 'model'] });
      assert.equal(r.exitCode, 0, JSON.stringify(r.exception));
      assert.deepEqual(r.output, { kind: 'list', items: ['jaffle.staging.stg_orders'] });
      invocations++;
    } finally {
      await odd.dispose();
    }

    const places = [scratch, oddParent, oddRoot, p.root, p.dir, process.cwd(), ROOT];
    for (const dir of places) for (const name of ['pwned', 'pwned2', 'pwned3']) assert.equal(existsSync(join(dir, name)), false, `${join(dir, name)} must not exist`);
    assert.equal(existsSync(marker), false);
    security.metacharacters = { values: evil.length, runnerInvocations: invocations, pythonPaths: 4, executed: 0 };
    return `${evil.length} values through builder, tokenizer, ${invocations} invocations on both backends, 4 Python paths, an odd project path`;
  });

  void it('secrets never appear in events, results, errors, runner logs, stderr tails or files written', { timeout: 600_000 }, () => tally.run('secrets never appear in events, results, errors, runner logs, stderr tails or files written', async () => {
    // A target whose password and DuckDB path come from secret env vars: the path one cannot open, so
    // dbt's error message carries the secret; and models that print, raise and hang with a secret.
    const profiles = join(p.root, 'profiles.yml');
    writeFileSync(
      profiles,
      `${readFileSync(profiles, 'utf8')}    secret:\n      type: duckdb\n      path: "{{ env_var('DBT_DUCKDB_PATH') }}"\n      password: "{{ env_var('DBT_ENV_SECRET_PW') }}"\n      keep_open: false\n    leaky:\n      type: duckdb\n      path: "/nonexistent/{{ env_var('DBT_ENV_SECRET_PW') }}/db.duckdb"\n      keep_open: false\n`,
    );
    const rel = join(p.root, 'models', 'rel');
    const pyModel = (name: string, tail: string[]) =>
      writeFileSync(
        join(rel, `${name}.py`),
        ['import os, sys, time', '', '', 'def model(dbt, session):', '    dbt.config(materialized="table")', '    s = os.environ["DBT_ENV_SECRET_TOKEN"]', '    print("token is " + s)', '    sys.stderr.write("token on stderr " + s + "\\n")', '    sys.stderr.flush()', ...tail.map((l) => `    ${l}`), ''].join('\n'),
      );
    pyModel('secret_raise_py', ['if s:', '    raise RuntimeError("failed with token " + s)', 'return session.sql("select 1 as a")']);
    // It says when it has printed (a file outside the project), so the kill below comes after the print, however slow the machine.
    const hangStarted = join(scratch, 'secret_hang_started');
    pyModel('secret_hang_py', [`open(${JSON.stringify(hangStarted)}, "w").close()`, 'time.sleep(3600)', 'return session.sql("select 1 as a")']);
    writeFileSync(
      join(rel, 'secrets.yml'),
      ['version: 2', 'models:', '  - name: secret_raise_py', '    config:', `      enabled: "{{ var('secret', false) }}"`, '  - name: secret_hang_py', '    config:', `      enabled: "{{ var('secret_hang', false) }}"`, ''].join('\n'),
    );
    const env = { ...p.env, DBT_ENV_SECRET_TOKEN: SECRET_TOKEN, DBT_ENV_SECRET_PW: SECRET_PW };
    const out = new Produced(SECRETS);
    const log = (where: string) => (level: string, m: string) => out.add(`${where} log ${level}`, m);
    const runs: [string, string[]][] = [
      ['parse', ['parse', '--target', 'secret']],
      ['debug', ['debug', '--target', 'secret']],
      ['unopenable db', ['run', '--select', 'stg_customers', '--target', 'leaky']],
      ['model raising', ['run', '--select', 'secret_raise_py', '--vars', '{secret: true}', '--target', 'secret']],
    ];
    const worker = makeRunner(p, { env, log: log('worker') });
    const cli = makeRunner(p, { backend: 'cli', env, log: log('cli') });
    let crash: RunnerError | undefined;
    let notCrashed = '';
    try {
      for (const [backend, r] of [['worker', worker], ['cli', cli]] as const) {
        // The CLI starts a whole dbt process per invocation: only the two that carry secrets in their errors.
        for (const [what, args] of backend === 'cli' ? runs.filter(([w]) => w === 'unopenable db' || w === 'model raising') : runs) {
          const events: RawDbtEvent[] = [];
          const res = await r.invoke({ args }, { onEvent: (e) => events.push(e) });
          out.add(`${backend} ${what} result`, res);
          out.add(`${backend} ${what} events`, events);
          // Exit 1 (not 2): the target with the secret password opened, and the model itself failed.
          if (what === 'model raising') assert.equal(res.exitCode, 1, `${backend}: the model failed (${JSON.stringify(res.exception)})`);
          else if (what === 'unopenable db') assert.equal(res.exitCode, 2, `${backend}: the database could not open`);
          else assert.equal(res.exitCode, 0, `${backend} ${what}: ${JSON.stringify(res.exception)}`);
          assert.ok(events.length > 0, `${backend} ${what}: events arrived`);
        }
      }
      // The worker killed while a model that printed the secret to stderr hangs: the crash message quotes stderr.
      try {
        const res = await worker.invoke(
          { args: ['run', '--select', 'secret_hang_py', '--vars', '{secret_hang: true}', '--target', 'secret'] },
          {
            onEvent: (e) => {
              out.add('crash event', e);
              if (e.info.name === 'NodeExecuting' && (e.data.node_info as { node_name?: string })?.node_name === 'secret_hang_py') {
                const pid = Number(e.info.pid);
                // Killed in any case (a bound, not a hang); a model that never printed fails the stderr check below.
                void waitFor('the hanging model to print the secret', 120_000, () => existsSync(hangStarted))
                  .catch(() => undefined)
                  .then(() => process.kill(pid, 'SIGKILL'));
              }
            },
          },
        );
        notCrashed = `exit ${res.exitCode}: ${JSON.stringify(res.exception ?? res.nodes.map((n) => `${n.name}: ${n.status} ${n.message}`))}`;
      } catch (e) {
        crash = e as RunnerError;
      }
    } finally {
      await worker.dispose();
      await cli.dispose();
    }
    assert.ok(crash instanceof RunnerError && crash.code === 'worker-crashed', `${String(crash)} ${notCrashed}`);
    assert.match(`${crash.message}\n${crash.detail ?? ''}`, /token on stderr \*{5}/, 'the stderr tail is quoted, with the secret masked');
    out.add('crash error', `${crash.message}\n${crash.detail ?? ''}`);

    // Files: what the runner and dbt wrote (dbt's logs, target/ artifacts, the slim manifest).
    const files = out.addFiles(p.dir, (path) => /\.duckdb(\.wal)?$/.test(path) || path === profiles || path.endsWith('.py') || path.endsWith('.yml') || path.endsWith('.sql') || path.endsWith('.csv') || path.endsWith('.md'));
    const leaks = out.leaks();
    assert.deepEqual(leaks, [], `secrets leaked:\n${leaks.join('\n')}`);
    // The checks saw the places where secrets would be: the masked forms are there.
    const masked = out.items.filter((i) => i.text.includes('*****')).map((i) => i.where);
    assert.ok(masked.some((w) => w.startsWith('worker model raising')), `masked in the worker's output: ${masked.join(', ')}`);
    assert.ok(masked.some((w) => w.startsWith('cli model raising')), `masked in the CLI's output: ${masked.join(', ')}`);
    assert.equal(scrubSecrets(`a ${SECRET_PW} b`, env), 'a ***** b');
    security.secrets = { secretsSet: SECRETS.length, textsChecked: out.items.length, filesChecked: files, leaks: 0 };
    return `${out.items.length} texts (${files} files) checked, masked in: ${[...new Set(masked.map((m) => m.split(' ').slice(0, 3).join(' ')))].join('; ')}`;
  }));

  c('the worker listens on no network port, running or idle', async () => {
    const r = makeRunner(p);
    try {
      const seen: { state: string; inet: number; sockets: number }[] = [];
      let pid = 0;
      const ac = new AbortController();
      const done = r
        .invoke(
          { args: ['run', '--select', 'slow_model', '--vars', '{slow: true}'], verboseEvents: true },
          {
            signal: ac.signal,
            // The slow model's long statement was sent to DuckDB: the database is open and busy.
            onEvent: (e) => {
              if (!pid && e.info.name === 'SQLQuery' && /range\(/.test(String(e.data.sql ?? ''))) pid = Number(e.info.pid);
            },
          },
        )
        .catch((e: Error) => e);
      let ended: unknown;
      void done.then((v) => (ended = v ?? 'no result'));
      await waitFor('the slow model\'s query to run', 240_000, () => pid > 0 || ended);
      assert.ok(pid > 0, `the run ended before the slow model ran: ${JSON.stringify(ended)}`);
      seen.push({ state: 'running a model', inet: inetSocketsOf(pid).length, sockets: socketCount(pid) });
      ac.abort();
      await done;
      seen.push({ state: 'idle', inet: inetSocketsOf(pid).length, sockets: socketCount(pid) });
      assert.ok(isAlive(pid));
      assert.deepEqual(seen.filter((s) => s.inet > 0), [], JSON.stringify(inetSocketsOf(pid)));
      security.workerInetSockets = 0;
      return JSON.stringify(seen);
    } finally {
      await r.dispose();
      assert.deepEqual(workersUnder(p.dir), []);
    }
  });

  c('the language server listens on no network port (IPC, as the extension starts it)', async () => {
    const serverJs = join(ROOT, 'dist', 'server.js');
    assert.ok(existsSync(serverJs), `${serverJs} is built by \`node scripts/build.mjs\``);
    const child = fork(serverJs, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    connection.onRequest('workspace/configuration', (q: { items: unknown[] }) => q.items.map(() => ({})));
    connection.onRequest('client/registerCapability', () => null);
    connection.listen();
    try {
      const init = await withTimeout(
        connection.sendRequest<{ capabilities: object }>('initialize', { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: [{ uri: `file://${p.root}`, name: 'jaffle' }] }),
        60_000,
        'the answer to initialize',
      );
      assert.ok(init.capabilities, 'the server answered');
      await connection.sendNotification('initialized', {});
      // Messages are handled in order: an answer to a later request means 'initialized' was handled.
      await withTimeout(connection.sendRequest('workspace/symbol', { query: '' }), 60_000, 'the answer to workspace/symbol');
      const pid = child.pid!;
      const inet = inetSocketsOf(pid);
      assert.deepEqual(inet, [], 'no TCP/UDP socket');
      assert.ok(socketCount(pid) >= 1, 'its IPC channel (a Unix socket) was seen, so the check looked at its descriptors');
      security.languageServerInetSockets = 0;
      return `${socketCount(pid)} Unix socket(s), 0 network sockets`;
    } finally {
      connection.dispose();
      child.kill('SIGKILL');
    }
  });
});
