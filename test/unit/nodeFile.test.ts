// Where a node's file is, for the Invocations tree, the run timeline, lineage
// and the compiled jump (nodeFilePath, behind nodeFile in
// src/editor/manifests.ts): on a copy of the shop fixture with its `local:`
// package installed as `dbt deps` installs it, a symlink under dbt_packages/
// named after the package.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeFilePath, nodeProjectPath } from '../../src/dbt/packageRoots';
import { readProject } from '../../src/dbt/projects';
import { copyFixture } from '../fixtures/lib/fixtures';

void test("a node's file: the project's own under the project, an installed package's under its install folder", async () => {
  const fx = await copyFixture('shop', { siblings: ['shop_common'] });
  try {
    const projectFile = join(fx.dir, 'dbt_project.yml');
    const project = readProject(projectFile, readFileSync(projectFile, 'utf8'));
    mkdirSync(join(fx.dir, 'dbt_packages'));
    symlinkSync(join(fx.root, 'shop_common'), join(fx.dir, 'dbt_packages', 'shop_common'));

    const own = nodeFilePath(project, 'shop', 'models/marts/fct_orders.sql');
    assert.equal(own, join(fx.dir, 'models', 'marts', 'fct_orders.sql'));
    assert.match(readFileSync(own, 'utf8'), /\S/);

    // model.shop_common.common_calendar: original_file_path is relative to the package's root.
    const packaged = nodeFilePath(project, 'shop_common', 'models/common_calendar.sql');
    assert.equal(packaged, join(fx.dir, 'dbt_packages', 'shop_common', 'models', 'common_calendar.sql'));
    assert.equal(readFileSync(packaged, 'utf8'), readFileSync(join(fx.root, 'shop_common', 'models', 'common_calendar.sql'), 'utf8'));

    // packages-install-path may be absolute.
    const elsewhere = join(fx.root, 'installed');
    assert.equal(nodeFilePath({ ...project, packagesInstallPath: elsewhere }, 'shop_common', 'models/common_calendar.sql'), join(elsewhere, 'shop_common', 'models', 'common_calendar.sql'));

    // Relative to the project root, as Problems keep them: '../' when packages are installed outside the project.
    assert.equal(nodeProjectPath(project, 'shop', 'models/marts/fct_orders.sql'), 'models/marts/fct_orders.sql');
    assert.equal(nodeProjectPath(project, 'shop_common', 'models/common_calendar.sql'), 'dbt_packages/shop_common/models/common_calendar.sql');
    const outside = nodeProjectPath({ ...project, packagesInstallPath: elsewhere }, 'shop_common', 'models/common_calendar.sql');
    assert.equal(outside, '../installed/shop_common/models/common_calendar.sql');
    assert.equal(join(fx.dir, outside), join(elsewhere, 'shop_common', 'models', 'common_calendar.sql'));
  } finally {
    await fx.cleanup();
  }
});
