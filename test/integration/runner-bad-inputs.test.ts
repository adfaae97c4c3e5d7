// Bad input reaches the user as a clear message, never as a hang or a crash:
// missing or broken projects, profiles and targets, unknown selectors, shell
// metacharacters (passed to dbt literally, never executed), and Pythons that
// are missing or have no dbt.
import { execa } from 'execa';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RunnerError, type ProjectRunner } from '../../src/runner/api';
import { checkPython, findPythonOnPath } from '../../src/runner/pythonEnv';
import { WorkerProcess } from '../../src/runner/workerProcess';
import { copyProject, makeRunner, PY112, WORKER, type TempProject } from './runnerHelpers';

const T = { timeout: 600_000 }; // a bound, not a speed check: a busy 2-core machine is slow

void describe('bad inputs', () => {
  let scratch: string;
  let p: TempProject;
  let runner: ProjectRunner;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'conductor-bad-'));
    p = await copyProject('jaffle');
    runner = makeRunner(p);
  });

  after(async () => {
    await runner.dispose();
    await p.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  void it('a folder without dbt_project.yml (fixture broken/no_project)', T, async () => {
    const q = await copyProject('broken/no_project');
    const r = makeRunner(q);
    try {
      await assert.rejects(r.invoke({ args: ['run'] }), (e: RunnerError) => {
        assert.equal(e.code, 'project-missing');
        assert.match(e.message, /No dbt_project\.yml in .*no_project/);
        return true;
      });
    } finally {
      await r.dispose();
      await q.cleanup();
    }
  });

  void it('a malformed dbt_project.yml (fixture broken/bad_yaml)', T, async () => {
    const q = await copyProject('broken/bad_yaml');
    const r = makeRunner(q);
    try {
      const res = await r.invoke({ args: ['parse'] });
      assert.equal(res.exitCode, 2);
      // dbt's own text: where, and the offending YAML quoted.
      assert.match(res.exception?.message ?? '', /Syntax error near line \d+/);
      assert.match(res.exception?.message ?? '', /\[/);
    } finally {
      await r.dispose();
      await q.cleanup();
    }
  });

  void it('a profile that does not exist (fixture broken/no_profile), and a target that does not exist', T, async () => {
    const q = await copyProject('broken/no_profile');
    const r = makeRunner(q);
    try {
      const res = await r.invoke({ args: ['run'] });
      assert.equal(res.exitCode, 2);
      assert.match(res.exception?.message ?? '', /Could not find profile named 'no_such_profile'/);
    } finally {
      await r.dispose();
      await q.cleanup();
    }
    const res = await runner.invoke({ args: ['run', '--target', 'no_such_target'] });
    assert.equal(res.exitCode, 2);
    assert.match(res.exception?.message ?? '', /no_such_target/);
  });

  void it('an unknown model in --select and an unknown --selector', T, async () => {
    const names: string[] = [];
    const res = await runner.invoke({ args: ['run', '--select', 'no_such_model'] }, { onEvent: (e) => names.push(`${e.info.name}: ${e.info.msg ?? ''}`) });
    assert.equal(res.exitCode, 0);
    assert.equal(res.nodes.length, 0);
    assert.ok(names.some((n) => n.startsWith('NoNodesForSelectionCriteria') && n.includes('no_such_model')), names.join('\n'));
    const sel = await runner.invoke({ args: ['build', '--selector', 'nope'] });
    assert.equal(sel.exitCode, 2);
    assert.match(sel.exception?.message ?? '', /nope/);
  });

  void it('shell metacharacters in a selector are passed literally and never executed', T, async () => {
    const marker = join(scratch, 'pwned');
    const nasty = [`; touch ${marker}`, `$(touch ${marker})`, `\`touch ${marker}\``, `'; touch ${marker}; '`, `"\ntouch ${marker}\n"`, `a && touch ${marker} || b`];
    for (const selector of nasty) {
      const res = await runner.invoke({ args: ['ls', '--select', selector] });
      assert.ok(res.exitCode === 0 || res.exitCode === 2, `exit ${res.exitCode} for ${JSON.stringify(selector)}`);
      if (res.exitCode === 0) assert.ok(res.output.kind === 'list' && res.output.items.length === 0);
    }
    const cli = makeRunner(p, { backend: 'cli' });
    try {
      const res = await cli.invoke({ args: ['ls', '--select', nasty[0], '--select', nasty[1]] });
      assert.ok(res.exitCode === 0 || res.exitCode === 2);
    } finally {
      await cli.dispose();
    }
    assert.equal(existsSync(marker), false, 'nothing was executed by a shell');
  });

  void it('a Python that does not exist', T, async () => {
    const missing = join(scratch, 'no', 'such', 'python');
    await assert.rejects(checkPython(missing), (e: RunnerError) => {
      assert.equal(e.code, 'python-not-found');
      assert.equal(e.message, `Python interpreter '${missing}' was not found. Set dbtConductor.pythonPath to a Python with dbt-core installed.`);
      return true;
    });
    const r = makeRunner(p, { python: missing });
    try {
      await assert.rejects(r.invoke({ args: ['run'] }), (e: RunnerError) => e.code === 'python-not-found');
    } finally {
      await r.dispose();
    }
  });

  void it('a Python without dbt: the runner and the worker itself both say how to install it', T, async () => {
    const base = findPythonOnPath() ?? PY112;
    const venv = join(scratch, 'empty-venv');
    await execa(base, ['-m', 'venv', '--without-pip', venv], { timeout: 60_000 });
    const python = join(venv, 'bin', 'python');
    await assert.rejects(checkPython(python), (e: RunnerError) => {
      assert.equal(e.code, 'dbt-not-installed');
      assert.match(e.message, /has no dbt-core\. Install it with: .* -m pip install dbt-core dbt-<adapter>/);
      return true;
    });
    const r = makeRunner(p, { python });
    try {
      await assert.rejects(r.invoke({ args: ['run'] }), (e: RunnerError) => e.code === 'dbt-not-installed');
    } finally {
      await r.dispose();
    }
    // The worker's own start-up check (exit code 3 and an `error` message on the channel).
    const w = new WorkerProcess({ python, workerScript: WORKER, projectRoot: p.root, manifestPath: p.manifestPath, env: { ...process.env }, startTimeoutMs: 60_000, scrub: (s) => s });
    await assert.rejects(w.ready, (e: RunnerError) => {
      assert.equal(e.code, 'dbt-not-installed');
      assert.match(e.message, /dbt-core is not installed in .*empty-venv.*pip install dbt-core/);
      return true;
    });
    await w.exited;
  });

  void it('a model with a Jinja error: exit 2 with dbt\'s message, file and line', T, async () => {
    const q = await copyProject('jaffle');
    writeFileSync(join(q.root, 'models', 'bad_jinja.sql'), 'select 1 as a\n{{ ref( }}\n');
    const r = makeRunner(q);
    try {
      const res = await r.invoke({ args: ['run', '--select', 'stg_orders'] });
      assert.equal(res.exitCode, 2);
      assert.equal(res.parsed, true);
      const msg = res.exception?.message ?? '';
      assert.match(msg, /Compilation Error/);
      assert.match(msg, /bad_jinja/);
      assert.match(msg, /line 2/);
    } finally {
      await r.dispose();
      await q.cleanup();
    }
  });
});
