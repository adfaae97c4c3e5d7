// Pure parts of the language features: the outline scanner (CTEs, final
// select, macros, YAML trees), schema YAML edits, package roots of a real
// folder layout (a symlinked local package), the server's handler guards,
// and the restart budget of the language client.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { packageOfPath, readPackageRoots } from '../../src/dbt/packageRoots';
import { RestartBudget } from '../../src/dbt/restartBudget';
import { yamlEntities } from '../../src/dbt/yamlPositions';
import { guardNotification, guardRequest } from '../../src/server/guard';
import { appendModelEntry, descriptionStubs, newSchemaFile } from '../../src/server/schemaEdits';
import { foldingOffsets, jinjaOutline, maskSql, sqlOutline, yamlOutline } from '../../src/server/symbols';
import { fixtureText } from './server-fixture';

void describe('outline and folding', () => {
  void it('CTEs and the final select of a fixture model; Jinja, comments and strings do not confuse it', () => {
    const text = fixtureText('models/marts/customers.sql');
    assert.deepEqual(sqlOutline(text).map((s) => [s.name, s.kind]), [['customer_orders', 'cte'], ['customer_payments', 'cte'], ['final select', 'select']]);
    const tricky = "{{ config(materialized='table') }}\n-- with fake as (\nwith \"Quoted\" (a) as materialized (select ')' as x /* ) */),\nb as (select {{ ref('x') }})\nselect * from b";
    assert.deepEqual(sqlOutline(tricky).map((s) => s.name), ['Quoted', 'b', 'final select']);
    assert.equal(maskSql("a 'x' {{ y }} -- z").trimEnd(), 'a');
    assert.deepEqual(sqlOutline('select 1').map((s) => s.name), ['select']);
    assert.deepEqual(foldingOffsets(text).length, 2);
  });

  void it('macros of a macro file; YAML models > columns > tests', () => {
    assert.deepEqual(jinjaOutline(fixtureText('macros/cents_to_dollars.sql')).map((s) => [s.name, s.kind]), [['cents_to_dollars', 'macro']]);
    const yaml = yamlOutline(fixtureText('models/staging/schema.yml'));
    const payments = yaml.find((s) => s.name === 'stg_payments')!;
    assert.deepEqual(payments.children.find((c) => c.name === 'payment_id')!.children.map((t) => t.name), ['unique', 'not_null']);
    assert.ok(payments.start < payments.nameStart && payments.end > payments.children[payments.children.length - 1]!.end - 1);
  });
});

void describe('schema YAML edits', () => {
  const yaml = ['version: 2', '', 'models:', '  - name: a', '    columns:', '      - name: id', '', 'sources:', '  - name: raw', ''].join('\n');

  void it('appends a model entry at the end of models:, before the next key, with the columns', () => {
    const insert = appendModelEntry(yaml, 'b', ['id', 'amount'])!;
    const out = yaml.slice(0, insert.offset) + insert.text + yaml.slice(insert.offset);
    const doc = parse(out) as { models: { name: string; description: string; columns?: { name: string }[] }[]; sources: unknown[] };
    assert.deepEqual(doc.models.map((m) => m.name), ['a', 'b']);
    assert.deepEqual(doc.models[1]!.columns!.map((c) => c.name), ['id', 'amount']);
    assert.equal(doc.models[1]!.description, '');
    assert.equal(doc.sources.length, 1);
    assert.equal(appendModelEntry('sources: []\n', 'b', []), null);
    assert.deepEqual((parse(newSchemaFile('b', ['id'])) as { models: { name: string }[] }).models.map((m) => m.name), ['b']);
    const empty = 'version: 2\nmodels:\n';
    const e = appendModelEntry(empty, 'c', [])!;
    assert.deepEqual((parse(empty.slice(0, e.offset) + e.text) as { models: { name: string }[] }).models.map((m) => m.name), ['c']);
  });

  void it('description stubs for the entry and its columns that lack one', () => {
    const entry = yamlEntities(yaml).find((e) => e.kind === 'model' && e.name === 'a')!;
    let out = yaml;
    for (const i of [...descriptionStubs(yaml, entry)].sort((x, y) => y.offset - x.offset)) out = out.slice(0, i.offset) + i.text + out.slice(i.offset);
    const doc = parse(out) as { models: { description: string; columns: { description: string }[] }[] };
    assert.equal(doc.models[0]!.description, '');
    assert.equal(doc.models[0]!.columns[0]!.description, '');
    const again = yamlEntities(out).find((e) => e.kind === 'model' && e.name === 'a')!;
    assert.deepEqual(descriptionStubs(out, again), [], 'nothing left to add');
  });
});

void describe('package roots', () => {
  void it('a vendored folder and a symlinked local package; files attributed through either path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbtc-pkgroots-'));
    try {
      const write = (rel: string, text: string) => {
        mkdirSync(join(dir, rel, '..'), { recursive: true });
        writeFileSync(join(dir, rel), text);
      };
      write('local_pkg/dbt_project.yml', 'name: local_named\n');
      write('project/dbt_packages/vendored/dbt_project.yml', 'name: vendored_utils\n');
      write('project/dbt_packages/not_a_package.txt', 'x');
      symlinkSync(join(dir, 'local_pkg'), join(dir, 'project', 'dbt_packages', 'local_link'));
      const roots = await readPackageRoots(join(dir, 'project'), 'dbt_packages');
      assert.deepEqual(roots.map((r) => r.name), ['local_named', 'vendored_utils']);
      assert.deepEqual(packageOfPath(roots, join(dir, 'local_pkg', 'models', 'a.sql')), { packageName: 'local_named', relPath: 'models/a.sql' });
      assert.deepEqual(packageOfPath(roots, join(dir, 'project', 'dbt_packages', 'local_link', 'models', 'a.sql')), { packageName: 'local_named', relPath: 'models/a.sql' });
      assert.deepEqual(packageOfPath(roots, join(dir, 'project', 'dbt_packages', 'vendored', 'macros', 'm.sql')), { packageName: 'vendored_utils', relPath: 'macros/m.sql' });
      assert.equal(packageOfPath(roots, join(dir, 'project', 'models', 'x.sql')), null);
      assert.deepEqual(await readPackageRoots(join(dir, 'nowhere'), 'dbt_packages'), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

void describe('handler guards and the restart budget', () => {
  void it('a failing request answers null and is logged; a failing notification is logged and never rejects', async () => {
    const logs: string[] = [];
    const log = (level: string, message: string) => logs.push(`${level}: ${message}`);
    assert.equal(await guardRequest(log, 'hover', () => Promise.reject(new Error('boom')))(undefined), null);
    assert.equal(await guardRequest(log, 'hover', () => 3)(undefined), 3);
    await guardNotification(log, 'manifestChanged', () => {
      throw new TypeError('bad params');
    })(undefined);
    assert.match(logs[0]!, /^error: hover failed: Error: boom/);
    assert.match(logs[1]!, /^error: manifestChanged failed: TypeError: bad params/);
    class UserFacing extends Error {}
    await assert.rejects(guardRequest(log, 'rename', () => Promise.reject(new UserFacing('no')), { rethrow: UserFacing })(undefined), UserFacing);
    assert.equal(logs.length, 2, 'user-facing errors are answers, not log lines');
  });

  void it('restarts every time, tells once, gives up after max restarts within the window', () => {
    const budget = new RestartBudget(2, 1000);
    assert.deepEqual([budget.onStopped(0), budget.onStopped(10), budget.onStopped(20)], ['restart-and-tell', 'restart', 'give-up']);
    assert.equal(budget.onStopped(2000), 'restart', 'the window has passed; not told again');
  });
});
