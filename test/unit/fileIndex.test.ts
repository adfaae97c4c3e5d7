// The index built from a project's files before dbt parses it
// (src/dbt/fileIndex.ts), against the manifests real `dbt parse` wrote for
// the same files: the jaffle fixture (with versioned models added), the
// language fixtures (a `local:` package installed as a symlink, a vendored
// package), the shop fixture, and a generated real-shape project
// (bench/generate-real-project.ts, parsed once and cached in .cache/bench).
// Everything the index claims must be in the manifest with the same unique
// id, name, resource type, package and file; and every model, seed,
// snapshot, source, macro and docs block of the project and its packages
// must be in the index. Then the cases the fixtures do not have, on a file
// tree in memory.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { manifestOf } from '../../bench/lib/manifests';
import { prepareProject, type BenchProject } from '../../bench/lib/projects';
import { indexProjectFiles, nodeFileTree, type FileIndex, type FileTree } from '../../src/dbt/fileIndex';
import { ManifestIndex, type ManifestEntry, type RefResolution } from '../../src/dbt/manifest';
import { copyFixtures, copyJaffle, dbtParse, extraFiles, jaffleManifest, jaffleRoot, richManifest, writeFiles } from './server-fixture';

type Json = Record<string, unknown>;

const SECTIONS = ['nodes', 'sources', 'macros', 'docs'] as const;
/** Node types that come from a file of their own (generic data tests and unit tests come from YAML: not indexed). */
const FILE_NODE_TYPES = new Set(['model', 'seed', 'snapshot', 'analysis']);

function entriesOf(manifest: Json): Map<string, Json> {
  const out = new Map<string, Json>();
  for (const s of SECTIONS) for (const [id, e] of Object.entries((manifest[s] ?? {}) as Record<string, Json>)) out.set(id, e);
  for (const [id, list] of Object.entries((manifest.disabled ?? {}) as Record<string, Json[]>)) out.set(id, list[0]!);
  return out;
}

const stripPkg = (p: unknown) => (typeof p === 'string' ? p.replace(/^[^:]+:\/\//, '') : null);

/**
 * The differences between what the index claims and the manifest, and what
 * the manifest has (of the packages in `packages`) that the index misses.
 */
function compare(index: FileIndex, manifest: Json, packages: string[]): { wrong: string[]; missing: string[] } {
  const real = entriesOf(manifest);
  const ours = entriesOf(index.manifest);
  const wrong: string[] = [];
  for (const [id, e] of ours) {
    const m = real.get(id);
    if (!m) {
      wrong.push(`${id}: not in the manifest`);
      continue;
    }
    for (const key of ['resource_type', 'name', 'package_name', 'original_file_path', 'source_name']) {
      if (e[key] !== undefined && e[key] !== m[key]) wrong.push(`${id}: ${key} ${JSON.stringify(e[key])} vs ${JSON.stringify(m[key])}`);
    }
    if (e.version !== undefined && String(e.version) !== String(m.version)) wrong.push(`${id}: version ${String(e.version)} vs ${String(m.version)}`);
    if (e.latest_version !== undefined && String(e.latest_version) !== String(m.latest_version)) wrong.push(`${id}: latest_version ${String(e.latest_version)} vs ${String(m.latest_version)}`);
    if (e.patch_path !== undefined && stripPkg(e.patch_path) !== stripPkg(m.patch_path)) wrong.push(`${id}: patch_path ${String(e.patch_path)} vs ${String(m.patch_path)}`);
    const enabled = (x: Json) => (x.config as Json | undefined)?.enabled !== false;
    if (e.resource_type === 'source' && enabled(e) !== enabled(m)) wrong.push(`${id}: enabled ${enabled(e)} vs ${enabled(m)}`);
  }
  const missing: string[] = [];
  for (const [id, m] of real) {
    if (!packages.includes(m.package_name as string) || ours.has(id)) continue;
    const type = m.resource_type as string;
    const singularTest = type === 'test' && m.test_metadata === undefined && String(m.original_file_path).endsWith('.sql');
    if (FILE_NODE_TYPES.has(type) || singularTest || ['source', 'macro', 'doc'].includes(type)) missing.push(id);
  }
  return { wrong, missing };
}

function assertAgrees(index: FileIndex, manifest: Json, packages: string[]): void {
  const { wrong, missing } = compare(index, manifest, packages);
  assert.deepEqual(wrong, [], 'what the index claims differs from the manifest');
  assert.deepEqual(missing, [], 'the index misses resources the manifest has');
  assert.deepEqual(index.warnings, []);
}

function found(r: RefResolution): ManifestEntry {
  assert.equal(r.kind, 'found');
  return (r as Extract<RefResolution, { kind: 'found' }>).entry;
}

const count = (index: FileIndex, type: string) => [...entriesOf(index.manifest).values()].filter((e) => e.resource_type === type).length;

void describe('file index vs the manifest of real dbt parse', () => {
  void it('jaffle: models (disabled ones too), seeds, snapshot, singular test, sources, macros, docs', async () => {
    const index = await indexProjectFiles(jaffleRoot, nodeFileTree);
    assertAgrees(index, jaffleManifest(), ['jaffle']);
    assert.ok(count(index, 'model') >= 10 && count(index, 'seed') === 3 && count(index, 'snapshot') === 1 && count(index, 'source') >= 3);
    assert.equal((index.manifest.metadata as Json).dbt_conductor_provisional, true);
    // What the language server and the code lens read: the same index class as a manifest.
    const m = new ManifestIndex(index.manifest);
    assert.equal(m.projectName, 'jaffle');
    assert.equal(found(m.resolveRef('orders')).originalFilePath, 'models/marts/orders.sql');
    assert.equal(m.entriesInFile('models/marts/schema.yml').some((e) => e.name === 'orders' && e.patchPath === 'models/marts/schema.yml'), true, 'the YAML documenting a model');
  });

  void it('jaffle with versioned models: customer_tiers v1 and v2 (latest) from customer_tiers_v1.sql and _v2.sql', async () => {
    const root = copyJaffle();
    try {
      writeFiles(root, extraFiles);
      const index = await indexProjectFiles(root, nodeFileTree);
      assertAgrees(index, richManifest(), ['jaffle']);
      const m = new ManifestIndex(index.manifest);
      assert.equal(found(m.resolveRef('customer_tiers')).uniqueId, 'model.jaffle.customer_tiers.v2');
      assert.equal(found(m.resolveRef('customer_tiers', null, '1')).originalFilePath, 'models/marts/customer_tiers_v1.sql');
    } finally {
      rmSync(dirname(root), { recursive: true, force: true });
    }
  });

  void describe('packages', () => {
    let fixtures: { dir: string; remove: () => void };
    before(() => {
      fixtures = copyFixtures(['lang-connector', 'lang-project', 'lang-vendored', 'shop', 'shop_common'], ['lang-project', 'shop']);
    });
    after(() => fixtures?.remove());

    void it('a `local:` package installed as a symlink under dbt_packages/', async () => {
      const root = join(fixtures.dir, 'lang-project');
      const index = await indexProjectFiles(root, nodeFileTree);
      assertAgrees(index, dbtParse(root), ['lang_project', 'lang_connector']);
      const m = new ManifestIndex(index.manifest);
      assert.ok(m.resolveMacro('event_filter', 'lang_connector'), 'the package macro, read through the link');
      assert.ok(count(index, 'model') > 3);
    });

    void it('a vendored package (its files under dbt_packages/)', async () => {
      const root = join(fixtures.dir, 'lang-vendored');
      const index = await indexProjectFiles(root, nodeFileTree);
      assertAgrees(index, dbtParse(root), ['lang_vendored', 'vendored_utils']);
      assert.equal(found(new ManifestIndex(index.manifest).resolveRef('vendored_orders')).packageName, 'vendored_utils');
    });

    void it('shop: versioned dim_customers, a snapshot block, a local package, macros', async () => {
      const root = join(fixtures.dir, 'shop');
      const index = await indexProjectFiles(root, nodeFileTree);
      assertAgrees(index, dbtParse(root), ['shop', 'shop_common']);
      const m = new ManifestIndex(index.manifest);
      assert.deepEqual(m.versionsOf(found(m.resolveRef('dim_customers'))).map((e) => e.version).sort(), ['1', '2']);
    });
  });

  void describe('a generated real-shape project of 500 models', () => {
    let project: BenchProject;
    let manifest: Json;
    before(async () => {
      project = await prepareProject(500, (m) => process.stderr.write(`${m}\n`), 'real');
      manifest = JSON.parse(readFileSync(await manifestOf(project), 'utf8')) as Json;
    });
    after(() => project?.cleanup());

    void it('agrees with its manifest: models over 13 schemas, sources, a symlinked local and a vendored package', async () => {
      const index = await indexProjectFiles(project.dir, nodeFileTree);
      assertAgrees(index, manifest, ['real_shape', 'warehouse_utils', 'conductor_utils']);
      assert.equal(count(index, 'model'), 502, '500 root models and 2 of the local package');
      assert.ok(count(index, 'source') >= 6);
      assert.ok(new ManifestIndex(index.manifest).resolveMacro('greatest_of', 'conductor_utils'));
    });
  });
});

/** A file tree in memory: paths are '/'-joined under '/p'; a string is a file, a `{ link }` a symlink to a folder. */
function memoryTree(files: Record<string, string | { link: string }>): FileTree {
  const resolve = (path: string): string => {
    for (const [p, v] of Object.entries(files)) {
      if (typeof v === 'object' && (path === p || path.startsWith(`${p}/`))) return resolve(v.link + path.slice(p.length));
    }
    return path;
  };
  return {
    async list(dir) {
      const real = resolve(dir);
      const names = new Map<string, { dir: boolean; link: boolean }>();
      for (const [p, v] of Object.entries(files)) {
        if (!p.startsWith(`${real}/`)) continue;
        const rest = p.slice(real.length + 1);
        const name = rest.split('/')[0]!;
        names.set(name, { dir: rest.includes('/') || typeof v === 'object', link: !rest.includes('/') && typeof v === 'object' });
      }
      return [...names].map(([name, k]) => ({ name, ...k }));
    },
    async read(path) {
      const v = files[resolve(path)];
      return typeof v === 'string' ? v : null;
    },
  };
}

const project = (extra = '') => `name: proj\nprofile: proj\nconfig-version: 2\n${extra}`;

void describe('file index on a file tree in memory', () => {
  void it('reads model-paths and friends from dbt_project.yml, and only those folders', async () => {
    const index = await indexProjectFiles(
      '/p',
      memoryTree({
        '/p/dbt_project.yml': project('model-paths: ["transform/"]\nseed-paths: [data]\nmacro-paths: ["./lib"]\n'),
        '/p/transform/a.sql': 'select 1',
        '/p/transform/py/b.py': 'def model(dbt, s): ...',
        '/p/transform/NOTES.txt': '',
        '/p/models/not_a_model.sql': 'select 1',
        '/p/data/s.CSV': 'id\n1\n',
        '/p/lib/m.sql': '{%- macro m(x) -%}{{ x }}{%- endmacro %}\n{% materialization mat, adapter="duckdb" %}{% endmaterialization %}\n{% materialization plain, default %}{% endmaterialization %}',
        '/p/target/run/a.sql': 'select 1',
      }),
    );
    const ids = [...entriesOf(index.manifest).keys()].sort();
    assert.deepEqual(ids, [
      'macro.proj.m',
      'macro.proj.materialization_mat_duckdb',
      'macro.proj.materialization_plain_default',
      'model.proj.a',
      'model.proj.b',
      'seed.proj.s',
    ]);
    assert.equal((index.manifest.nodes as Record<string, Json>)['model.proj.a']!.original_file_path, 'transform/a.sql');
    assert.equal((index.manifest.nodes as Record<string, Json>)['seed.proj.s']!.original_file_path, 'data/s.CSV');
  });

  void it('tests: singular tests, generic tests (tests/generic) as macros, fixtures left out; data_test blocks', async () => {
    const index = await indexProjectFiles(
      '/p',
      memoryTree({
        '/p/dbt_project.yml': project(),
        '/p/tests/assert_x.sql': 'select 1 where false',
        '/p/tests/generic/positive.sql': '{% test positive(model, column_name) %}select 1{% endtest %}',
        '/p/tests/fixtures/rows.sql': 'select 1 as id',
        '/p/macros/more_tests.sql': '{% data_test not_empty(model) %}select 1{% enddata_test %}\n{# {% macro commented() %}{% endmacro %} #}',
      }),
    );
    assert.deepEqual([...entriesOf(index.manifest).keys()].sort(), ['macro.proj.test_not_empty', 'macro.proj.test_positive', 'test.proj.assert_x']);
  });

  void it('versions: defined_in, the unsuffixed latest version, latest_version by default the highest', async () => {
    const index = await indexProjectFiles(
      '/p',
      memoryTree({
        '/p/dbt_project.yml': project(),
        '/p/models/dim.sql': 'select 3',
        '/p/models/dim_v1.sql': 'select 1',
        '/p/models/legacy_dim.sql': 'select 2',
        '/p/models/plain.sql': 'select 1',
        '/p/models/schema.yml': 'version: 2\nmodels:\n  - name: dim\n    versions:\n      - v: 1\n      - v: 2\n        defined_in: legacy_dim\n      - v: 3\n  - name: plain\n',
      }),
    );
    const m = new ManifestIndex(index.manifest);
    const byVersion = m.versionsOf(found(m.resolveRef('dim'))).map((e) => [e.version, e.originalFilePath, e.latestVersion]);
    assert.deepEqual(byVersion.sort(), [
      ['1', 'models/dim_v1.sql', '3'],
      ['2', 'models/legacy_dim.sql', '3'],
      ['3', 'models/dim.sql', '3'],
    ]);
    assert.equal(m.resolveRef('legacy_dim').kind, 'not-found', 'a version file is not a model of its own');
    assert.equal(m.get('model.proj.plain')?.patchPath, 'models/schema.yml');
  });

  void it('sources: disabled ones under disabled, Jinja names and overrides left out', async () => {
    const yml = [
      'version: 2',
      'sources:',
      '  - name: raw',
      '    tables:',
      '      - name: orders',
      '      - name: old',
      '        config: {enabled: false}',
      '      - name: "{{ var(\'t\') }}"',
      '  - name: gone',
      '    config: {enabled: false}',
      '    tables: [{name: t}]',
      '  - name: pkg_source',
      '    overrides: other_pkg',
      '    tables: [{name: t}]',
    ].join('\n');
    const index = await indexProjectFiles('/p', memoryTree({ '/p/dbt_project.yml': project(), '/p/models/src.yml': yml }));
    assert.deepEqual(Object.keys(index.manifest.sources as Json), ['source.proj.raw.orders']);
    assert.deepEqual(Object.keys(index.manifest.disabled as Json).sort(), ['source.proj.gone.t', 'source.proj.raw.old']);
    const r = new ManifestIndex(index.manifest).resolveSource('raw', 'old');
    assert.equal(r.kind, 'disabled');
  });

  void it('packages: a symlinked package is read through its link; linked subfolders of a path are not entered (as dbt)', async () => {
    const index = await indexProjectFiles(
      '/p',
      memoryTree({
        '/p/dbt_project.yml': project(),
        '/p/models/a.sql': 'select 1',
        '/p/models/linked': { link: '/elsewhere' },
        '/elsewhere/x.sql': 'select 1',
        '/p/dbt_packages/util': { link: '/util' },
        '/util/dbt_project.yml': 'name: util\nconfig-version: 2\n',
        '/util/models/u.sql': 'select 1',
        '/util/macros/m.sql': '{% macro helper() %}{% endmacro %}',
        '/p/dbt_packages/stray/README.md': 'not a package',
      }),
    );
    assert.deepEqual([...entriesOf(index.manifest).keys()].sort(), ['macro.util.helper', 'model.proj.a', 'model.util.u']);
    assert.equal((index.manifest.nodes as Record<string, Json>)['model.util.u']!.original_file_path, 'models/u.sql');
  });

  void it('bad input: no dbt_project.yml, YAML that does not parse, an unreadable package file', async () => {
    const none = await indexProjectFiles('/p', memoryTree({ '/p/models/a.sql': 'select 1' }));
    assert.deepEqual(Object.keys(none.manifest.nodes as Json), []);
    assert.match(none.warnings[0]!, /dbt_project\.yml/);
    const bad = await indexProjectFiles('/p', memoryTree({ '/p/dbt_project.yml': project(), '/p/models/a.sql': 'select 1', '/p/models/s.yml': 'models: [\n' }));
    assert.deepEqual(Object.keys(bad.manifest.nodes as Json), ['model.proj.a'], 'the models are still indexed');
    assert.match(bad.warnings.join('\n'), /models\/s\.yml is not valid YAML/);
  });
});
