// The server's project registry: finding projects and packages on disk,
// mapping files to packages, loading manifests safely.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findProjectRoot, ProjectRegistry } from '../../src/server/projects';
import { jaffleManifest } from './server-fixture';

void describe('ProjectRegistry', () => {
  let dir: string;
  let root: string;
  const logs: string[] = [];
  const registry = new ProjectRegistry((level, message) => logs.push(`${level}: ${message}`));

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dbtc-lsp-projects-'));
    root = join(dir, 'shop');
    const files: Record<string, string> = {
      'dbt_project.yml': 'name: jaffle\nprofile: jaffle\nconfig-version: 2\ntarget-path: build\n',
      'models/a.sql': 'select 1',
      // An installed package whose folder name differs from its project name.
      'dbt_packages/dbt-utils-1.3/dbt_project.yml': 'name: dbt_utils\nconfig-version: 2\n',
      'dbt_packages/dbt-utils-1.3/macros/star.sql': '{% macro star() %}{% endmacro %}',
      'manifest.json': JSON.stringify(jaffleManifest()),
      'partial.json': JSON.stringify(jaffleManifest()).slice(0, 1000),
    };
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(join(root, rel, '..'), { recursive: true });
      writeFileSync(join(root, rel), text);
    }
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  void it('finds the project above a file, skipping installed packages', () => {
    assert.equal(findProjectRoot(join(root, 'models', 'a.sql')), root);
    assert.equal(findProjectRoot(join(root, 'dbt_packages', 'dbt-utils-1.3', 'macros', 'star.sql')), root);
    assert.equal(findProjectRoot(join(dir, 'elsewhere.sql')), null);
  });

  void it('reads the project file and loads a complete manifest', async () => {
    const project = await registry.add(root);
    assert.equal(project.name, 'jaffle');
    assert.equal(project.targetDir, 'build');
    assert.equal(await registry.load(project, join(root, 'manifest.json'), false, 'client'), true);
    assert.equal(project.index?.projectName, 'jaffle');
    assert.equal(project.packageRoots.find((r) => r.name === 'dbt_utils')?.root, join(root, 'dbt_packages', 'dbt-utils-1.3'));
    assert.match(logs[logs.length - 1], /^info: manifest for jaffle: \d+ models/);
  });

  void it('keeps the previous index when a manifest is partial, missing or not a manifest', async () => {
    const project = registry.get(root)!;
    const before = project.index;
    for (const [file, why] of [
      ['partial.json', /not complete JSON/],
      ['missing.json', /does not exist/],
      ['dbt_project.yml', /not complete JSON/],
    ] as const) {
      assert.equal(await registry.load(project, join(root, file), false, 'client'), false);
      assert.equal(project.index, before);
      assert.match(logs[logs.length - 1], why);
      assert.match(logs[logs.length - 1], /keeping the previous manifest/);
    }
  });

  void it('a manifest the server found itself never replaces one the client sent', async () => {
    const project = registry.get(root)!;
    const before = project.index;
    assert.equal(await registry.load(project, join(root, 'manifest.json'), true, 'discovered'), false);
    assert.equal(project.index, before);
    assert.equal(project.stale, false);
  });

  void it('the newest of two overlapping loads wins', async () => {
    const project = registry.get(root)!;
    const [first, second] = await Promise.all([
      registry.load(project, join(root, 'manifest.json'), true, 'client'),
      registry.load(project, join(root, 'manifest.json'), false, 'client'),
    ]);
    assert.deepEqual([first, second], [false, true]);
    assert.equal(project.stale, false);
  });

  void it('maps files to their package and back, and tells source files from build output', () => {
    const project = registry.get(root)!;
    const model = registry.fileInfo(join(root, 'models', 'a.sql'));
    assert.deepEqual(model && { pkg: model.packageName, rel: model.relPath, yaml: model.isYaml }, { pkg: 'jaffle', rel: 'models/a.sql', yaml: false });
    const pkgFile = registry.fileInfo(join(root, 'dbt_packages', 'dbt-utils-1.3', 'macros', 'star.sql'));
    assert.deepEqual(pkgFile && [pkgFile.packageName, pkgFile.relPath], ['dbt_utils', 'macros/star.sql']);
    assert.equal(registry.fileInfo(join(dir, 'other', 'x.sql')), undefined);
    assert.equal(registry.resolvePath(project, 'dbt_utils', 'macros/star.sql'), join(root, 'dbt_packages', 'dbt-utils-1.3', 'macros', 'star.sql'));
    assert.equal(registry.resolvePath(project, 'dbt', 'macros/x.sql'), null, "dbt's own macros live in the Python environment");
    assert.equal(registry.isSourceFile(project, join(root, 'models', 'a.sql')), true);
    assert.equal(registry.isSourceFile(project, join(root, 'models', 'schema.yml')), true);
    assert.equal(registry.isSourceFile(project, join(root, 'build', 'manifest.json')), false);
    assert.equal(registry.isSourceFile(project, join(root, 'dbt_packages', 'dbt-utils-1.3', 'macros', 'star.sql')), false);
    assert.equal(registry.isSourceFile(project, join(root, 'logs', 'dbt.log')), false);
  });
});
