// dbt project discovery (src/dbt/projects.ts) on real folders in a temp dir:
// packages, build output and virtualenvs are left out, dbt_project.yml is
// read with dbt's defaults, broken files give an entry with an error.
import * as assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  discoverProjects, folderKindOf, isInExcludedFolder, projectForFile, projectsReadingFile, readProject, symlinkedPackages, type DbtProject, type ProjectFs,
} from '../../src/dbt/projects';
import { fixturePath } from '../fixtures/lib/fixtures';

let ws: string;

async function put(rel: string, text: string): Promise<string> {
  const file = join(ws, rel);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

const project = (name: string, extra = ''): string => `name: ${name}\nprofile: ${name}\nconfig-version: 2\n${extra}`;

void describe('discoverProjects', () => {
  let candidates: string[];

  before(async () => {
    ws = await mkdtemp(join(tmpdir(), 'dbt-projects-test-'));
    candidates = [
      await put('analytics/dbt_project.yml', project('analytics', 'model-paths: ["src_models"]\ntarget-path: build\npackages-install-path: vendor\n')),
      await put('analytics/dbt_packages/dbt_utils/dbt_project.yml', project('dbt_utils')),
      await put('analytics/vendor/codegen/dbt_project.yml', project('codegen')),
      await put('analytics/build/copy/dbt_project.yml', project('copy_in_custom_target')),
      await put('analytics/target/x/dbt_project.yml', project('in_target')),
      await put('analytics/sub/inner/dbt_project.yml', project('inner')),
      await put('node_modules/pkg/dbt_project.yml', project('in_node_modules')),
      await put('.venv/lib/python3.11/site-packages/dbt/include/starter_project/dbt_project.yml', project('starter')),
      await put('venv/proj/dbt_project.yml', project('in_venv')),
      await put('env/src/editable_pkg/dbt_project.yml', project('in_env_venv')),
      await put('.git/modules/x/dbt_project.yml', project('in_git')),
      await put('env-not-venv/proj/dbt_project.yml', project('plain_env_folder')),
      await put('broken/dbt_project.yml', 'name: broken\nmodels: [unclosed\n'),
    ];
    await put('env/pyvenv.cfg', 'home = /usr/bin\n');
  });

  after(async () => {
    await rm(ws, { recursive: true, force: true });
  });

  void it('keeps the user\'s projects and leaves out packages, build output, dependencies and virtualenvs', async () => {
    const found = await discoverProjects(candidates, { workspaceFolders: [ws] });
    const names = found.map((p) => p.name ?? `(error at ${p.root})`);
    assert.deepEqual(names.sort(), ['(error at ' + join(ws, 'broken') + ')', 'analytics', 'inner', 'plain_env_folder']);
  });

  void it('reads the project\'s settings, with dbt\'s defaults for what is absent', async () => {
    const found = await discoverProjects(candidates, { workspaceFolders: [ws] });
    const analytics = found.find((p) => p.name === 'analytics');
    assert.ok(analytics);
    assert.equal(analytics.root, join(ws, 'analytics'));
    assert.equal(analytics.file, join(ws, 'analytics', 'dbt_project.yml'));
    assert.equal(analytics.profile, 'analytics');
    assert.deepEqual(analytics.modelPaths, ['src_models']);
    assert.deepEqual(analytics.seedPaths, ['seeds']);
    assert.deepEqual(analytics.snapshotPaths, ['snapshots']);
    assert.deepEqual(analytics.testPaths, ['tests']);
    assert.deepEqual(analytics.macroPaths, ['macros']);
    assert.equal(analytics.targetPath, 'build');
    assert.equal(analytics.packagesInstallPath, 'vendor');
    assert.equal(analytics.error, undefined);
  });

  void it('reports malformed YAML as an entry with a message, not a throw', async () => {
    const found = await discoverProjects(candidates, { workspaceFolders: [ws] });
    const broken = found.find((p) => p.root === join(ws, 'broken'));
    assert.ok(broken);
    assert.equal(broken.name, undefined);
    assert.match(broken.error ?? '', /^dbt_project.yml is not valid YAML: /);
    assert.deepEqual(broken.modelPaths, ['models']);
  });

  void it('reports a file that cannot be read, and reads each candidate once', async () => {
    const reads: string[] = [];
    const fs: ProjectFs = {
      readFile: async (p) => {
        reads.push(p);
        if (p.includes('unreadable')) throw new Error('EACCES: permission denied');
        return readFile(p, 'utf8');
      },
      exists: async () => false,
    };
    const a = join(ws, 'analytics', 'dbt_project.yml');
    const found = await discoverProjects([a, a, join(ws, 'unreadable', 'dbt_project.yml')], { fs, workspaceFolders: [ws] });
    assert.equal(reads.length, 2);
    assert.equal(found.length, 2);
    assert.match(found.find((p) => p.root.endsWith('unreadable'))?.error ?? '', /Cannot read dbt_project.yml: EACCES/);
  });

  void it('only looks at folder names below the workspace folder', async () => {
    // A workspace that itself lives in a folder called "target" still works.
    const inTarget = join(ws, 'target', 'work');
    const file = join(inTarget, 'proj', 'dbt_project.yml');
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, project('proj'));
    const found = await discoverProjects([file], { workspaceFolders: [inTarget] });
    assert.deepEqual(found.map((p) => p.name), ['proj']);
    assert.equal(isInExcludedFolder(file), true);
    assert.equal(isInExcludedFolder(file, inTarget), false);
  });

  void it('reads the repository\'s jaffle fixture', async () => {
    const file = join(fixturePath('jaffle'), 'dbt_project.yml');
    const [jaffle] = await discoverProjects([file]);
    assert.equal(jaffle.name, 'jaffle');
    assert.equal(jaffle.profile, 'jaffle');
    assert.deepEqual(jaffle.modelPaths, ['models']);
    assert.equal(jaffle.targetPath, 'target');
    assert.equal(jaffle.error, undefined);
  });

  void it('reports the broken/bad_yaml fixture with a YAML error', async () => {
    const file = join(fixturePath('broken/bad_yaml'), 'dbt_project.yml');
    const [bad] = await discoverProjects([file]);
    assert.match(bad.error ?? '', /not valid YAML/);
  });
});

void describe('readProject', () => {
  void it('accepts the pre-1.0 source-paths and data-paths names and a single string path', () => {
    const p = readProject('/w/p/dbt_project.yml', 'name: p\nsource-paths: ["src"]\ndata-paths: ["data"]\nmacro-paths: m\n');
    assert.deepEqual(p.modelPaths, ['src']);
    assert.deepEqual(p.seedPaths, ['data']);
    assert.deepEqual(p.macroPaths, ['m']);
    assert.equal(p.error, undefined);
  });

  void it('explains a missing name, a wrong path type, and a file that is not a mapping', () => {
    assert.match(readProject('/w/p/dbt_project.yml', 'profile: x\n').error ?? '', /has no `name:`/);
    assert.match(readProject('/w/p/dbt_project.yml', 'name: p\nmodel-paths: {a: 1}\n').error ?? '', /`model-paths` must be a list/);
    assert.match(readProject('/w/p/dbt_project.yml', '- a\n- b\n').error ?? '', /must be a mapping/);
    assert.match(readProject('/w/p/dbt_project.yml', '').error ?? '', /must be a mapping/);
  });

  void it('keeps a Jinja profile expression as written', () => {
    const p = readProject('/w/p/dbt_project.yml', `name: p\nprofile: "{{ env_var('DBT_PROFILE', 'dev') }}"\n`);
    assert.equal(p.profile, "{{ env_var('DBT_PROFILE', 'dev') }}");
  });
});

void describe('projectForFile', () => {
  const outer = readProject('/w/mono/dbt_project.yml', project('outer'));
  const inner = readProject('/w/mono/sub/inner/dbt_project.yml', project('inner'));
  const other = readProject('/w/other/dbt_project.yml', project('other'));
  const all: DbtProject[] = [outer, inner, other];

  void it('picks the innermost project that holds the file', () => {
    assert.equal(projectForFile(all, '/w/mono/models/a.sql')?.name, 'outer');
    assert.equal(projectForFile(all, '/w/mono/sub/inner/models/b.sql')?.name, 'inner');
    assert.equal(projectForFile(all, '/w/mono/sub/inner/dbt_project.yml')?.name, 'inner');
    assert.equal(projectForFile(all, '/w/mono/sub/inner')?.name, 'inner');
    assert.equal(projectForFile(all, '/w/other/models/c.sql')?.name, 'other');
  });

  void it('does not match a sibling folder whose name starts the same', () => {
    assert.equal(projectForFile(all, '/w/mono-2/models/a.sql'), undefined);
    assert.equal(projectForFile(all, '/w/otherwise.sql'), undefined);
    assert.equal(projectForFile([], '/w/mono/models/a.sql'), undefined);
  });
});

void describe('projectsReadingFile: local packages installed as symlinks', () => {
  void it('maps a file of a symlinked package to every project that installs it, and to its own project', async () => {
    const app = readProject(await put('links/app/dbt_project.yml', project('app')), project('app'));
    const other = readProject(await put('links/other/dbt_project.yml', project('other')), project('other'));
    const pkg = readProject(await put('links/shared/dbt_project.yml', project('shared')), project('shared'));
    const model = await put('links/shared/models/m.sql', 'select 1');
    await mkdir(join(ws, 'links/app/dbt_packages'), { recursive: true });
    await symlink(join(ws, 'links/shared'), join(ws, 'links/app/dbt_packages/shared'));
    await symlink(join(ws, 'links/missing'), join(ws, 'links/app/dbt_packages/dangling'));
    await mkdir(join(ws, 'links/app/dbt_packages/hub_pkg'), { recursive: true }); // a hub package: a real folder

    assert.deepEqual(symlinkedPackages(app), [await realpath(join(ws, 'links/shared'))]);
    assert.deepEqual(symlinkedPackages(other), []);
    const all = [app, other, pkg];
    const names = (file: string) => projectsReadingFile(all, file, symlinkedPackages).map((p) => p.name);
    assert.deepEqual(names(model), ['shared', 'app']);
    assert.deepEqual(names(join(ws, 'links/app/models/a.sql')), ['app']);
    assert.deepEqual(names(join(ws, 'links/nowhere/x.sql')), []);
  });
});

void describe('folderKindOf', () => {
  void it('tells which configured folder holds a file', () => {
    const p = readProject('/w/p/dbt_project.yml', project('p', 'model-paths: ["models", "more_models"]\n'));
    assert.equal(folderKindOf(p, '/w/p/models/staging/a.sql'), 'model');
    assert.equal(folderKindOf(p, '/w/p/more_models/b.sql'), 'model');
    assert.equal(folderKindOf(p, '/w/p/seeds/raw.csv'), 'seed');
    assert.equal(folderKindOf(p, '/w/p/snapshots/s.sql'), 'snapshot');
    assert.equal(folderKindOf(p, '/w/p/tests/t.sql'), 'test');
    assert.equal(folderKindOf(p, '/w/p/macros/m.sql'), 'macro');
    assert.equal(folderKindOf(p, '/w/p/analyses/a.sql'), 'analysis');
    assert.equal(folderKindOf(p, '/w/p/dbt_project.yml'), undefined);
    assert.equal(folderKindOf(p, '/w/p/models_old/x.sql'), undefined);
  });
});
