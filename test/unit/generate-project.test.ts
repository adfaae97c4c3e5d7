// The synthetic project generator (bench/generate-project.ts): right size,
// a valid DAG, deterministic, and careful about where it writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { generateProject, MARKER_FILE } from '../../bench/generate-project';
import { filesUnder, withTemp } from './tempFiles';

const REF = /\{\{ ref\('([^']+)'\) \}\}/g;

void test('writes N models whose refs point only at earlier models or seeds', () => {
  withTemp('generate-project-', (dir) => {
    const p = generateProject(join(dir, 'proj'), { models: 250, seed: 7 });
    assert.equal(p.models, 250);
    const files = filesUnder(p.dir);
    const sql = [...files].filter(([f]) => f.startsWith('models') && f.endsWith('.sql'));
    assert.equal(sql.length, 250);
    const seeds = [...files.keys()].filter((f) => f.startsWith('seeds/')).map((f) => f.slice('seeds/'.length, -'.csv'.length));
    assert.deepEqual(seeds.sort(), ['raw_customers', 'raw_orders', 'raw_products']);

    const order = new Map(p.modelNames.map((n, i) => [n, i]));
    const seen = new Set<string>();
    for (const [file, text] of sql) {
      const name = file.split('/').pop()!.replace(/\.sql$/, '');
      assert.ok(order.has(name), `${name} is in modelNames`);
      const refs = [...text.matchAll(REF)].map((m) => m[1]);
      assert.ok(refs.length >= 1 && refs.length <= 3, `${name} has 1-3 refs`);
      for (const r of refs) {
        if (r.startsWith('raw_')) assert.ok(seeds.includes(r));
        else assert.ok(order.get(r)! < order.get(name)!, `${name} refs ${r}, which comes later`);
        seen.add(r);
      }
    }
    // Every model is described in schema YAML, exactly once.
    const described: string[] = [];
    for (const [file, text] of files) {
      if (!file.endsWith('.yml') || !file.startsWith('models')) continue;
      const doc = parse(text) as { models: { name: string; description: string }[] };
      for (const m of doc.models) {
        assert.ok(m.description.length > 0);
        described.push(m.name);
      }
    }
    assert.deepEqual(described.sort(), [...p.modelNames].sort());
    assert.match(files.get('profiles.yml')!, /env_var\('DBT_DUCKDB_PATH'/);
    assert.match(files.get('dbt_project.yml')!, /^profile: synthetic$/m);
  });
});

void test('the same seed gives the same project; another seed a different one', () => {
  withTemp('generate-project-', (dir) => {
    const a = filesUnder(generateProject(join(dir, 'a'), { models: 120, seed: 3 }).dir);
    const b = filesUnder(generateProject(join(dir, 'b'), { models: 120, seed: 3 }).dir);
    const c = filesUnder(generateProject(join(dir, 'c'), { models: 120, seed: 4 }).dir);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });
});

void test('small sizes work down to one model', () => {
  withTemp('generate-project-', (dir) => {
    for (const n of [1, 2, 3, 4, 5]) {
      const p = generateProject(join(dir, `p${n}`), { models: n });
      assert.equal(p.modelNames.length, n);
      assert.equal(new Set(p.modelNames).size, n);
    }
  });
});

void test('refuses bad sizes and folders it did not make; replaces its own', () => {
  withTemp('generate-project-', (dir) => {
    for (const models of [0, -1, 1.5, Number.NaN, 1e9]) {
      assert.throws(() => generateProject(join(dir, 'x'), { models }), /models must be a whole number/);
    }
    const foreign = join(dir, 'foreign');
    generateProject(foreign, { models: 3 });
    rmSync(join(foreign, MARKER_FILE));
    assert.throws(() => generateProject(foreign, { models: 3 }), /not empty and was not made by generateProject/);

    const own = join(dir, 'own');
    generateProject(own, { models: 50 });
    writeFileSync(join(own, 'models', 'stale.sql'), 'select 1');
    const again = generateProject(own, { models: 10 });
    assert.equal(filesUnder(own).has('models/stale.sql'), false);
    assert.equal([...filesUnder(own).keys()].filter((f) => f.endsWith('.sql') && f.startsWith('models')).length, again.models);
  });
});
