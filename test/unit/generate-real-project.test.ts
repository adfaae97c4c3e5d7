// The real-shape project generator (bench/generate-real-project.ts): the
// shape the issue asks for (schemas, tests, packages, macros, docs,
// exposures), a valid DAG, deterministic, and careful about where it writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { MARKER_FILE } from '../../bench/generate-project';
import { generateRealProject, LOCAL_PACKAGE, VENDORED_PACKAGE } from '../../bench/generate-real-project';
import { filesUnder, withTemp } from './tempFiles';

interface YamlTest {
  [kind: string]: unknown;
}
interface YamlModel {
  name: string;
  description: string;
  columns: { name: string; description: string; data_tests?: (string | YamlTest)[] }[];
}

const REF = /ref\('([^']+)'(?:, '([^']+)')?\)/g;
const MACRO_CALL = /\{\{ (?:\w+\.)?(clean_category|safe_sum|greatest_of)\(/;

void test('writes N models over 10+ schemas with sources, packages, docs and exposures; refs point backwards', () => {
  withTemp('generate-real-project-', (dir) => {
    const p = generateRealProject(join(dir, 'proj'), { models: 300, seed: 5 });
    const files = filesUnder(p.dir);
    const sql = [...files].filter(([f]) => f.startsWith('models/') && f.endsWith('.sql'));
    assert.equal(sql.length, 300);
    assert.equal(p.models, 300);

    // Folders map to schemas in dbt_project.yml: staging, int_<domain>, <domain>.
    const project = parse(files.get('dbt_project.yml')!) as { models: { real_shape: Record<string, Record<string, unknown>> } };
    const cfg = project.models.real_shape;
    const schemaOf = (folder: string): string => {
      const [top, sub] = folder.split('/');
      return String((cfg[top!]![sub!] as Record<string, unknown> | undefined)?.['+schema'] ?? cfg[top!]!['+schema']);
    };
    const schemas = new Set(p.modelSpecs.map((m) => schemaOf(m.folder)));
    assert.ok(schemas.size >= 10, `models span ${schemas.size} schemas`);
    assert.deepEqual([...schemas].sort(), p.schemas);

    // Materializations of real projects.
    const kinds = new Set(p.modelSpecs.map((m) => m.materialized));
    assert.deepEqual([...kinds].sort(), ['ephemeral', 'incremental', 'table', 'view']);

    // Refs only to earlier models or the local package's models; sources only to declared tables.
    const order = new Map(p.modelSpecs.map((m, i) => [m.name, i]));
    const sources = parse(files.get('models/staging/_sources.yml')!) as { sources: { name: string; schema: string; tables: { name: string; identifier: string }[] }[] };
    assert.ok(new Set(sources.sources.map((s) => s.schema)).size >= 3, 'sources live in several schemas');
    const declared = new Set(sources.sources.flatMap((s) => s.tables.map((t) => `${s.name}.${t.name}`)));
    const seeds = new Set([...files.keys()].filter((f) => f.startsWith('seeds/')).map((f) => f.split('/').pop()!.replace(/\.csv$/, '')));
    for (const s of sources.sources) for (const t of s.tables) assert.ok(seeds.has(t.identifier), `a seed loads ${t.identifier}`);
    let withMacro = 0;
    for (const [file, text] of sql) {
      const name = file.split('/').pop()!.replace(/\.sql$/, '');
      for (const [, a, b] of text.matchAll(REF)) {
        if (b !== undefined) assert.ok(a === LOCAL_PACKAGE && p.packageModels.includes(b), `${name} refs ${a}.${b}`);
        else assert.ok(order.get(a!)! < order.get(name)!, `${name} refs ${a}, which comes later`);
      }
      for (const [, sys, table] of text.matchAll(/source\('([^']+)', '([^']+)'\)/g)) assert.ok(declared.has(`${sys}.${table}`));
      if (MACRO_CALL.test(text)) withMacro++;
    }
    assert.equal(withMacro, 300, 'every model calls a macro');
    assert.ok(sql.some(([, t]) => t.includes(`${VENDORED_PACKAGE}.greatest_of(`)), 'some models call the vendored package');

    // Every model described once, 2-4 generic tests each, descriptions from docs blocks that exist.
    const docs = new Set([...files].filter(([f]) => f.endsWith('.md')).flatMap(([, t]) => [...t.matchAll(/\{% docs (\w+) %\}/g)].map((m) => m[1]!)));
    const described: string[] = [];
    for (const [file, text] of files) {
      if (!file.startsWith('models/') || !file.endsWith('.yml') || !text.includes('models:')) continue;
      for (const m of (parse(text) as { models: YamlModel[] }).models) {
        described.push(m.name);
        const tests = m.columns.flatMap((c) => c.data_tests ?? []);
        assert.ok(tests.length >= 2 && tests.length <= 4, `${m.name} has ${tests.length} tests`);
        for (const d of [m.description, ...m.columns.map((c) => c.description)]) {
          for (const [, block] of d.matchAll(/doc\('(\w+)'\)/g)) assert.ok(docs.has(block!), `docs block ${block} exists`);
        }
      }
    }
    assert.deepEqual(described.sort(), p.modelSpecs.map((m) => m.name).sort());
    const allTests = [...files].filter(([f]) => f.startsWith('models/') && f.endsWith('.yml')).map(([, t]) => t).join('\n');
    assert.match(allTests, /- relationships:/);
    assert.match(allTests, new RegExp(`- ${VENDORED_PACKAGE}\\.not_negative`));

    // Exposures depend on existing models.
    const exposures = (parse(files.get('models/exposures.yml')!) as { exposures: { depends_on: string[] }[] }).exposures;
    assert.equal(exposures.length, p.exposures);
    for (const e of exposures) for (const d of e.depends_on) assert.ok(order.has(/ref\('([^']+)'\)/.exec(d)![1]!), d);

    // Packages: the local one is a symlink under dbt_packages/ (as `dbt deps` installs it), the vendored one real files.
    assert.equal(files.get(`dbt_packages/${LOCAL_PACKAGE}`), `-> ../packages/${LOCAL_PACKAGE}`);
    assert.ok(statSync(join(p.dir, 'dbt_packages', LOCAL_PACKAGE, 'dbt_project.yml')).isFile());
    assert.ok(files.has(`dbt_packages/${VENDORED_PACKAGE}/dbt_project.yml`));
    const lock = parse(files.get('package-lock.yml')!) as { packages: { name: string }[] };
    assert.deepEqual(lock.packages.map((x) => x.name).sort(), [VENDORED_PACKAGE, LOCAL_PACKAGE].sort());
    assert.match(files.get('profiles.yml')!, /env_var\('DBT_DUCKDB_PATH'/);
  });
});

void test('the same seed gives the same project; another seed a different one', () => {
  withTemp('generate-real-project-', (dir) => {
    const a = filesUnder(generateRealProject(join(dir, 'a'), { models: 150, seed: 3 }).dir);
    const b = filesUnder(generateRealProject(join(dir, 'b'), { models: 150, seed: 3 }).dir);
    const c = filesUnder(generateRealProject(join(dir, 'c'), { models: 150, seed: 4 }).dir);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });
});

void test('small sizes work down to one model', () => {
  withTemp('generate-real-project-', (dir) => {
    for (const n of [1, 2, 3, 7, 12]) {
      const p = generateRealProject(join(dir, `p${n}`), { models: n });
      assert.equal(p.modelSpecs.length, n);
      assert.equal(new Set(p.modelSpecs.map((m) => m.name)).size, n);
    }
  });
});

void test('refuses bad sizes and folders no generator made; replaces its own', () => {
  withTemp('generate-real-project-', (dir) => {
    for (const models of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => generateRealProject(join(dir, 'x'), { models }), /models must be a whole number/);
    }
    const foreign = join(dir, 'foreign');
    generateRealProject(foreign, { models: 20 });
    rmSync(join(foreign, MARKER_FILE));
    assert.throws(() => generateRealProject(foreign, { models: 20 }), /not empty and was not made by generateRealProject/);
    const own = join(dir, 'own');
    generateRealProject(own, { models: 60 });
    const again = generateRealProject(own, { models: 20 });
    assert.equal([...filesUnder(own).keys()].filter((f) => f.startsWith('models/') && f.endsWith('.sql')).length, again.models);
  });
});
