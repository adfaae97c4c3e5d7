// Problems and test definitions of a package's nodes land in the package's
// folder (original_file_path is relative to the package's root, not the
// project's): on a copy of the shop fixture with its `local:` package
// installed as `dbt deps` installs it, a symlink under dbt_packages/. The
// package gets a schema file with a generic test in the copy; the manifest
// entries are dbt's fields for that model and test.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ProblemsModel, testLocation, testProblems, type ProblemSources } from '../../src/dbt/diagnosticsModel';
import { ManifestIndex } from '../../src/dbt/manifest';
import { nodeProjectPath } from '../../src/dbt/packageRoots';
import { readProject } from '../../src/dbt/projects';
import type { TestResult } from '../../src/dbt/testState';
import { copyFixture, type FixtureCopy } from '../fixtures/lib/fixtures';
import { loadStream, resultOf } from './eventStreams';

const MODEL = 'model.shop_common.common_calendar';
const TEST = 'test.shop_common.not_null_common_calendar_day.5c1a2b3d4e';
const SCHEMA = `version: 2

models:
  - name: common_calendar
    description: One row per day.
    columns:
      - name: day
        data_tests:
          - unique
          - not_null
`;

function manifest(): ManifestIndex {
  const common = { package_name: 'shop_common', config: { enabled: true } };
  return new ManifestIndex({
    metadata: { project_name: 'shop' },
    nodes: {
      [MODEL]: { ...common, unique_id: MODEL, resource_type: 'model', name: 'common_calendar', original_file_path: 'models/common_calendar.sql', patch_path: 'shop_common://models/schema.yml' },
      [TEST]: { ...common, unique_id: TEST, resource_type: 'test', name: 'not_null_common_calendar_day', original_file_path: 'models/schema.yml', attached_node: MODEL, column_name: 'day', test_metadata: { name: 'not_null', kwargs: { column_name: 'day' } } },
    },
  });
}

void describe("a package's nodes in Problems and test definitions", () => {
  let fx: FixtureCopy;
  let sources: ProblemSources;
  const packageFile = (rel: string) => `dbt_packages/shop_common/${rel}`;

  before(async () => {
    fx = await copyFixture('shop', { siblings: ['shop_common'] });
    writeFileSync(join(fx.root, 'shop_common', 'models', 'schema.yml'), SCHEMA);
    mkdirSync(join(fx.dir, 'dbt_packages'));
    symlinkSync(join(fx.root, 'shop_common'), join(fx.dir, 'dbt_packages', 'shop_common'));
    const projectFile = join(fx.dir, 'dbt_project.yml');
    const project = readProject(projectFile, readFileSync(projectFile, 'utf8'));
    const readFile = (rel: string) => {
      try {
        return readFileSync(join(fx.dir, rel), 'utf8');
      } catch {
        return undefined;
      }
    };
    sources = { index: manifest(), readFile, nodePath: (pkg, rel) => nodeProjectPath(project, pkg, rel) };
  });
  after(() => fx.cleanup());

  /** The failing result of the package's model, from a recorded runtime error with the package model's identity. */
  function failedPackageModel(message: string) {
    const result = resultOf(loadStream('run_broken_runtime'));
    const broken = result.nodes.find((n) => n.status === 'error')!;
    const node = { ...broken, uniqueId: MODEL, name: 'common_calendar', originalFilePath: 'models/common_calendar.sql', compiledCode: null, message };
    return { ...result, nodes: [node] };
  }

  void it("puts an error of a package model on the model's file in the package, at its first SQL line", () => {
    const model = new ProblemsModel();
    const touched = model.apply(failedPackageModel('Database Error in model common_calendar (models/common_calendar.sql)\n  connection reset'), sources);
    const file = packageFile('models/common_calendar.sql');
    assert.deepEqual([...touched], [file]);
    const [p] = model.forFile(file);
    // Line 0 is a Jinja comment: the first SQL line is read from the package's file, through the link.
    const lines = readFileSync(join(fx.dir, file), 'utf8').split('\n');
    assert.equal(p?.line, lines.findIndex((l) => l.startsWith('select')));
    assert.equal(p?.line, 1);
    assert.match(p?.message ?? '', /^Model common_calendar errored: Database Error/);
  });

  void it('places the error by the result alone before the first parse (no manifest): the unique id names the package', () => {
    const model = new ProblemsModel();
    model.apply(failedPackageModel('Database Error: connection reset'), { ...sources, index: undefined });
    assert.deepEqual([...model.files()], [packageFile('models/common_calendar.sql')]);
  });

  const failing: TestResult = { projectRoot: '/shop', uniqueId: TEST, name: 'not_null_common_calendar_day', resourceType: 'test', subject: MODEL, outcome: 'fail', running: false, filePath: 'models/schema.yml', failures: 2, at: 1000, invocationId: 1 };

  void it("puts a failing test of a package model on its line in the package's YAML (Problems and go to definition)", () => {
    const where = testLocation(failing, sources);
    const file = packageFile('models/schema.yml');
    const lines = SCHEMA.split('\n');
    assert.deepEqual(where, { file, line: lines.indexOf('          - not_null') });
    assert.equal(readFileSync(join(fx.dir, file), 'utf8'), SCHEMA);
    const [p] = testProblems([failing], sources);
    assert.deepEqual([p?.file, p?.line, p?.severity], [file, where?.line, 'error']);
    assert.match(p?.message ?? '', /^Test not_null_common_calendar_day failed \(2 failing rows\)/);
  });

  void it("opens the package's YAML by the result's file before the first parse (no manifest)", () => {
    assert.deepEqual(testLocation(failing, { ...sources, index: undefined }), { file: packageFile('models/schema.yml'), line: 0 });
  });
});
