// Python discovery on real interpreters: a project with its own .venv (a
// link to the repository's dbt 1.12 venv), dbt on PATH (a copy of the dbt
// 1.8 venv's `dbt` script, whose #! names that venv's Python), VIRTUAL_ENV,
// and nothing at all; each candidate probed by the runner's checkPython.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { discoverPython, probeAll, pythonCandidates, type DiscoveryInput } from '../../src/dbt/pythonDiscovery';
import { checkPython, discoveryFs } from '../../src/runner/pythonEnv';
import { PY112, PY18 } from './runnerHelpers';

const T = { timeout: 300_000 }; // a bound, not a speed check
const VENV112 = dirname(dirname(PY112));
// The real folder: the dbt script's #! line names it that way.
const VENV18 = realpathSync(dirname(dirname(PY18)));

void describe('Python discovery with real venvs', () => {
  let dir: string;
  let project: string;
  let bin: string;
  const base = (): DiscoveryInput => ({ setting: '', pythonExtension: { missing: 'not installed' }, projectRoot: project, pathValue: '/nonexistent', platform: process.platform });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'conductor-python-'));
    project = join(dir, 'project');
    bin = join(dir, 'bin');
    mkdirSync(project);
    mkdirSync(bin);
    // dbt installed as a console script elsewhere: its #! line names the interpreter.
    copyFileSync(join(VENV18, 'bin', 'dbt'), join(bin, 'dbt'));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  void it('finds nothing and says what it tried, step by step', T, async () => {
    const outcome = await discoverPython(pythonCandidates(base(), discoveryFs), (p) => checkPython(p));
    assert.equal(outcome.found, undefined);
    assert.deepEqual(outcome.tried.map((t) => t.split(':')[0]), [
      'the setting dbtConductor.pythonPath',
      'the Python extension',
      `virtual environments in the project folder (${project})`,
      'VIRTUAL_ENV',
      'dbt on PATH',
      'python3 and python on PATH',
    ]);
  });

  void it('finds the Python behind a dbt script on PATH', T, async () => {
    const outcome = await discoverPython(pythonCandidates({ ...base(), pathValue: bin }, discoveryFs), (p) => checkPython(p));
    assert.equal(outcome.found?.source, 'dbt on PATH');
    assert.equal(outcome.found?.dbtVersion, '1.8.9');
    assert.ok(outcome.tried.includes('the Python extension: not installed'));
  });

  void it('finds VIRTUAL_ENV', T, async () => {
    const outcome = await discoverPython(pythonCandidates({ ...base(), virtualEnv: VENV18 }, discoveryFs), (p) => checkPython(p));
    assert.equal(outcome.found?.source, 'VIRTUAL_ENV');
    assert.equal(outcome.found?.dbtVersion, '1.8.9');
  });

  void it("prefers the project's own .venv, and Select Interpreter lists every one with its versions", T, async () => {
    symlinkSync(VENV112, join(project, '.venv'));
    const found = pythonCandidates({ ...base(), pathValue: bin, virtualEnv: VENV18 }, discoveryFs);
    const outcome = await discoverPython(found, (p) => checkPython(p));
    assert.equal(outcome.found?.where, '.venv in the project folder');
    assert.equal(outcome.found?.dbtVersion, '1.12.6');
    assert.ok(outcome.found?.adapters.includes('duckdb'));
    const all = await probeAll(found, (p) => checkPython(p));
    // VIRTUAL_ENV and the dbt script are the same 1.8 interpreter: listed once.
    assert.deepEqual(all.map((a) => [a.candidate.source, a.probed?.dbtVersion]), [
      ['virtual environment', '1.12.6'],
      ['VIRTUAL_ENV', '1.8.9'],
    ]);
  });

  void it('a remembered choice comes before the venvs; one that no longer works is skipped with a note', T, async () => {
    const chosen = await discoverPython(pythonCandidates({ ...base(), selected: PY18 }, discoveryFs), (p) => checkPython(p));
    assert.equal(chosen.found?.source, 'selected');
    assert.equal(chosen.found?.dbtVersion, '1.8.9');
    const gone = await discoverPython(pythonCandidates({ ...base(), selected: join(dir, 'gone', 'bin', 'python') }, discoveryFs), (p) => checkPython(p));
    assert.equal(gone.found?.where, '.venv in the project folder');
    assert.ok(gone.tried.some((t) => t.startsWith('the interpreter chosen with "dbt: Select Interpreter"') && /was not found/.test(t)));
  });
});
