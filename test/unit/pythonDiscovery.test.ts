// The order Python interpreters are looked for in, with the file system and
// the probe passed in (the integration test runs the same code on real venvs).
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { discoverPython, interpreterOfScript, probeAll, pythonCandidates, type DiscoveryFs, type DiscoveryInput, type ProbedPython } from '../../src/dbt/pythonDiscovery';

/** A file system of executables and script heads. */
function fakeFs(files: Record<string, string>): DiscoveryFs {
  return { isExecutable: (p) => p in files, head: (p) => files[p] };
}

const base: DiscoveryInput = {
  setting: '',
  pythonExtension: { missing: 'not installed' },
  projectRoot: '/ws/proj',
  workspaceFolder: '/ws',
  pathValue: '/usr/local/bin:/usr/bin',
  platform: 'linux',
};

const everything: Record<string, string> = {
  '/ws/proj/.venv/bin/python': '',
  '/ws/proj/env/bin/python': '',
  '/ws/venv/bin/python': '',
  '/home/u/envs/dbt/bin/python': '',
  '/usr/local/bin/dbt': '#!/opt/pipx/venvs/dbt-core/bin/python\nimport sys\n',
  '/usr/bin/python3': '',
};

void describe('pythonCandidates', () => {
  void it('lists every place in the order of the issue, without duplicates', () => {
    const { candidates } = pythonCandidates(
      { ...base, selected: '/picked/bin/python', pythonExtension: { python: '/ws/proj/.venv/bin/python' }, virtualEnv: '/home/u/envs/dbt' },
      fakeFs(everything),
    );
    assert.deepEqual(
      candidates.map((c) => [c.source, c.python]),
      [
        ['selected', '/picked/bin/python'],
        ['python extension', '/ws/proj/.venv/bin/python'],
        // .venv of the project is the extension's interpreter already: listed once.
        ['virtual environment', '/ws/proj/env/bin/python'],
        ['virtual environment', '/ws/venv/bin/python'],
        ['VIRTUAL_ENV', '/home/u/envs/dbt/bin/python'],
        ['dbt on PATH', '/opt/pipx/venvs/dbt-core/bin/python'],
        ['PATH', '/usr/bin/python3'],
      ],
    );
  });

  void it('an explicit setting is the only candidate', () => {
    const { candidates, notes } = pythonCandidates({ ...base, setting: '/custom/python' }, fakeFs(everything));
    assert.deepEqual(candidates, [{ python: '/custom/python', source: 'setting', where: 'the setting dbtConductor.pythonPath' }]);
    assert.deepEqual(notes, []);
  });

  void it('says why each empty step gave nothing', () => {
    const { candidates, notes } = pythonCandidates({ ...base, virtualEnv: '/gone' }, fakeFs({ '/usr/local/bin/dbt': '\x7fELF binary' }));
    assert.deepEqual(candidates, []);
    assert.deepEqual(notes, [
      'the setting dbtConductor.pythonPath: not set',
      'the Python extension: not installed',
      'virtual environments in the project folder (/ws/proj): no .venv, venv, env with a Python',
      'virtual environments in the workspace folder (/ws): no .venv, venv, env with a Python',
      'VIRTUAL_ENV (/gone): no Python in it',
      'dbt on PATH (/usr/local/bin/dbt): not a Python script (no #! line naming a Python), so it is not dbt-core',
      'python3 and python on PATH: not found',
    ]);
  });

  void it('looks in the project folder once when it is the workspace folder', () => {
    const { candidates, notes } = pythonCandidates({ ...base, workspaceFolder: '/ws/proj' }, fakeFs({ '/ws/proj/venv/bin/python': '' }));
    assert.deepEqual(candidates.map((c) => c.where), ['venv in the project folder']);
    assert.equal(notes.filter((n) => n.startsWith('virtual environments')).length, 0);
  });

  void it('uses the Windows venv layout and PATH separator on Windows', () => {
    const files = { 'C:\\p\\.venv\\Scripts\\python.exe': '', 'C:\\Py\\python.exe': '' };
    const { candidates } = pythonCandidates({ ...base, projectRoot: 'C:\\p', workspaceFolder: undefined, pathValue: 'C:\\Py;C:\\Other', platform: 'win32' }, fakeFs(files));
    assert.deepEqual(candidates.map((c) => c.python), ['C:\\p\\.venv\\Scripts\\python.exe', 'C:\\Py\\python.exe']);
  });

  void it('finds the Python of a dbt script that names it through env', () => {
    const files = { '/usr/bin/dbt': '#!/usr/bin/env python3\n', '/usr/bin/python3': '' };
    const { candidates } = pythonCandidates(base, fakeFs(files));
    assert.deepEqual(candidates.map((c) => [c.source, c.python]), [['dbt on PATH', '/usr/bin/python3']]);
  });
});

void describe('interpreterOfScript', () => {
  const which = (name: string) => `/found/${name}`;
  void it('reads a direct #! line', () => assert.equal(interpreterOfScript('#!/v/bin/python3.11\n', which), '/v/bin/python3.11'));
  void it('looks up env forms, skipping options', () => assert.equal(interpreterOfScript('#!/usr/bin/env -S python3 -u\n', which), '/found/python3'));
  void it("reads pip's launcher for long paths", () => {
    const head = `#!/bin/sh\n'''exec' "/very/long path/bin/python" "$0" "$@"\n' '''\n`;
    assert.equal(interpreterOfScript(head, which), '/very/long path/bin/python');
    assert.equal(interpreterOfScript(`#!/bin/sh\n'''exec' /long/bin/python "$0" "$@"\n`, which), '/long/bin/python');
  });
  void it('refuses scripts of other languages and binaries', () => {
    assert.equal(interpreterOfScript('#!/bin/bash\nexec dbt-fusion "$@"\n', which), undefined);
    assert.equal(interpreterOfScript('\x7fELF', which), undefined);
    assert.equal(interpreterOfScript(undefined, which), undefined);
  });
});

const env = (python: string, dbtVersion = '1.12.6'): ProbedPython => ({ python, pythonVersion: '3.11.7', dbtVersion, adapters: ['duckdb'] });

void describe('discoverPython', () => {
  void it('takes the first candidate whose probe finds dbt, and says what it tried before', async () => {
    const found = pythonCandidates({ ...base, virtualEnv: '/home/u/envs/dbt' }, fakeFs(everything));
    const probed: string[] = [];
    const outcome = await discoverPython(found, async (python) => {
      probed.push(python);
      if (python === '/ws/proj/.venv/bin/python') throw new Error("Python interpreter '/ws/proj/.venv/bin/python' has no dbt-core.");
      return env(python);
    });
    assert.deepEqual(probed, ['/ws/proj/.venv/bin/python', '/ws/proj/env/bin/python'], 'stops at the first that works');
    assert.equal(outcome.found?.python, '/ws/proj/env/bin/python');
    assert.equal(outcome.found?.where, 'env in the project folder');
    assert.ok(outcome.tried.includes("the Python extension: not installed"));
    assert.ok(outcome.tried.some((t) => t.startsWith('.venv in the project folder (/ws/proj/.venv/bin/python): ') && t.includes('no dbt-core')));
  });

  void it('keeps the last error when nothing works', async () => {
    const boom = new Error('no dbt-core');
    const outcome = await discoverPython(pythonCandidates(base, fakeFs({ '/usr/bin/python3': '' })), async () => {
      throw boom;
    });
    assert.equal(outcome.found, undefined);
    assert.equal(outcome.lastError, boom);
    assert.equal(outcome.tried[outcome.tried.length - 1], 'PATH (/usr/bin/python3): no dbt-core');
  });
});

void describe('probeAll', () => {
  void it('probes every candidate once and lists one interpreter once', async () => {
    const found = pythonCandidates({ ...base, pythonExtension: { python: '/ws/proj/.venv/bin/python3' } }, fakeFs(everything));
    const outcome = await probeAll(found, async (python) => {
      if (python === '/usr/bin/python3') throw new Error('no dbt-core');
      // The extension's python3 and .venv's python are the same interpreter.
      return env(python.replace(/python3$/, 'python'), python.includes('pipx') ? '1.8.9' : '1.12.6');
    });
    assert.deepEqual(
      outcome.map((o) => [o.candidate.source, o.probed?.dbtVersion ?? o.error]),
      [
        ['python extension', '1.12.6'],
        ['virtual environment', '1.12.6'],
        ['virtual environment', '1.12.6'],
        ['dbt on PATH', '1.8.9'],
        ['PATH', 'no dbt-core'],
      ],
    );
  });
});
