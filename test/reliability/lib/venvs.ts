// Throw-away Python environments for the reliability tests, built in a temp
// dir in a second or two: a venv (no pip) that sees the repository's dbt
// through a .pth file (so "uninstalling" dbt is deleting that file), and a
// venv holding a stand-in dbt-core 2.0.0 package.
import { execa } from 'execa';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PY112 } from './project';

export interface LinkedVenv {
  dir: string;
  python: string;
  sitePackages: string;
  /** The .pth file that makes the repository's dbt importable: delete it to "uninstall" dbt. */
  dbtLink: string;
}

async function makeVenv(dir: string): Promise<{ python: string; sitePackages: string }> {
  // Same base interpreter as .venv, so its compiled packages (duckdb) load.
  await execa(PY112, ['-m', 'venv', '--without-pip', dir], { timeout: 120_000 });
  const lib = join(dir, 'lib');
  const pyDir = readdirSync(lib).find((d) => d.startsWith('python'));
  if (!pyDir) throw new Error(`no lib/python* in the new venv ${dir}`);
  return { python: join(dir, 'bin', 'python'), sitePackages: join(lib, pyDir, 'site-packages') };
}

/** Site-packages of the repository's dbt 1.12 venv. */
async function repoSitePackages(): Promise<string> {
  const r = await execa(PY112, ['-c', 'import dbt, os; print(os.path.dirname(dbt.__path__[0]))'], { timeout: 60_000 });
  return r.stdout.trim();
}

/**
 * A venv whose Python sees dbt through a .pth file. When `spawnLog` is given,
 * every start of this Python appends its pid to that file (a .pth `import`
 * line runs at interpreter start): the test counts spawn attempts with it.
 */
export async function linkedVenv(dir: string, spawnLog?: string): Promise<LinkedVenv> {
  const { python, sitePackages } = await makeVenv(dir);
  const dbtLink = join(sitePackages, 'repo_dbt.pth');
  writeFileSync(dbtLink, `${await repoSitePackages()}\n`);
  if (spawnLog) {
    writeFileSync(
      join(sitePackages, 'aaa_spawn_log.pth'),
      `import os; f = open(${JSON.stringify(spawnLog)}, 'a'); f.write('%d %s\\n' % (os.getpid(), open('/proc/self/cmdline').read().replace(chr(0), ' ')[:300].replace(chr(10), ' '))); f.close()\n`,
    );
  }
  return { dir, python, sitePackages, dbtLink };
}

/**
 * A venv with a stand-in dbt-core package: metadata with `version`, a
 * dbt/version.py, and a dbt.cli.main whose `cli` (the entry point the CLI
 * backend runs) is `cliBody` (Python, the body of `def cli(prog_name)`), and
 * whose dbtRunner refuses callbacks and manifests as dbt 2.x's shim does.
 */
export async function fakeDbtVenv(dir: string, version: string, cliBody: string[]): Promise<{ python: string }> {
  const { python, sitePackages } = await makeVenv(dir);
  const dist = join(sitePackages, `dbt_core-${version}.dist-info`);
  mkdirSync(dist);
  writeFileSync(join(dist, 'METADATA'), `Metadata-Version: 2.1\nName: dbt-core\nVersion: ${version}\n`);
  writeFileSync(join(dist, 'RECORD'), '');
  const pkg = join(sitePackages, 'dbt');
  mkdirSync(join(pkg, 'cli'), { recursive: true });
  writeFileSync(join(pkg, '__init__.py'), '');
  writeFileSync(join(pkg, 'version.py'), `__version__ = ${JSON.stringify(version)}\n`);
  writeFileSync(join(pkg, 'cli', '__init__.py'), '');
  writeFileSync(
    join(pkg, 'cli', 'main.py'),
    [
      'import json, sys',
      '',
      'class dbtRunner:',
      '    def __init__(self, manifest=None, callbacks=None):',
      '        if manifest is not None or callbacks:',
      '            raise NotImplementedError("manifest= and callbacks= are not supported")',
      '',
      'def cli(prog_name="dbt"):',
      ...cliBody.map((l) => `    ${l}`),
      '',
    ].join('\n'),
  );
  return { python };
}

/** dbt-core "2.0.0": its CLI prints dbt's version banner as one JSON log line and exits 0. */
export function fakeDbt2Venv(dir: string): Promise<{ python: string }> {
  return fakeDbtVenv(dir, '2.0.0', [
    'line = {"info": {"name": "MainReportVersion", "code": "A001", "level": "info", "msg": "Running with dbt=2.0.0"}, "data": {"version": "=2.0.0"}}',
    'sys.stdout.write(json.dumps(line) + "\\n")',
    'sys.exit(0)',
  ]);
}
