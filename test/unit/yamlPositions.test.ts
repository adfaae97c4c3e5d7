import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findYamlEntity, yamlEntities, yamlEntityAt } from '../../src/dbt/yamlPositions';
import { fixtureText } from './server-fixture';

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length - 1;
}

void describe('yamlPositions on the fixture schema files', () => {
  const marts = fixtureText('models/marts/schema.yml');
  const sources = fixtureText('models/staging/sources.yml');

  void it('lists models, their columns and exposures with the right parents', () => {
    const entities = yamlEntities(marts);
    const models = entities.filter((e) => e.kind === 'model').map((e) => e.name);
    assert.deepEqual(models, ['customers', 'orders', 'order_events']);
    const orderColumns = entities.filter((e) => e.kind === 'column' && e.parent?.name === 'orders').map((e) => e.name);
    assert.ok(orderColumns.includes('status') && orderColumns.includes('customer_id'));
    assert.deepEqual(
      entities.filter((e) => e.kind === 'exposure').map((e) => e.name),
      ['weekly_revenue_dashboard'],
    );
  });

  void it('says which model or column name is under the cursor', () => {
    const modelAt = marts.indexOf('- name: orders') + '- name: '.length + 2;
    assert.deepEqual(
      (({ kind, name }) => ({ kind, name }))(yamlEntityAt(marts, modelAt)!),
      { kind: 'model', name: 'orders' },
    );
    const columnAt = marts.indexOf('name: status') + 'name: '.length;
    const column = yamlEntityAt(marts, columnAt);
    assert.equal(column?.kind, 'column');
    assert.equal(column?.name, 'status');
    assert.equal(column?.parent?.name, 'orders');
    assert.equal(yamlEntityAt(marts, marts.indexOf('description')), null, 'a key is not a name');
  });

  void it('finds the line of a source table and of a column', () => {
    const table = findYamlEntity(sources, { kind: 'source-table', name: 'raw_orders', parentName: 'raw' });
    assert.ok(table);
    assert.equal(sources.split('\n')[lineOf(sources, table.nameStart)].trim(), '- name: raw_orders');
    assert.equal(sources.slice(table.nameStart, table.nameEnd), 'raw_orders');
    assert.equal(findYamlEntity(sources, { kind: 'source-table', name: 'raw_orders', parentName: 'other' }), null);
    const col = findYamlEntity(marts, { kind: 'column', name: 'customer_id', parentName: 'orders' });
    assert.ok(col);
    assert.ok(lineOf(marts, col.nameStart) > lineOf(marts, marts.indexOf('- name: orders')), 'the orders column, not the customers one');
  });
});

void describe('yamlPositions on other shapes', () => {
  void it('reads versions, quoted names and columns under a version', () => {
    const text = ['models:', '  - name: "tiers"', '    versions:', '      - v: 1', '      - v: 2', '        columns:', "          - name: 'rank'", ''].join('\n');
    const version = findYamlEntity(text, { kind: 'version', name: '2', parentName: 'tiers' });
    assert.ok(version);
    assert.equal(text.slice(version.nameStart, version.nameEnd), '2');
    const rank = findYamlEntity(text, { kind: 'column', name: 'rank', parentName: 'tiers' });
    assert.equal(rank?.parent?.kind, 'version');
    assert.equal(text.slice(rank!.nameStart, rank!.nameEnd), "'rank'");
  });

  void it('survives half-typed and invalid YAML', () => {
    const partial = 'models:\n  - name: orders\n    columns:\n      - name: id\n      - name: \n  - name: [unclosed\n';
    const names = yamlEntities(partial).map((e) => e.name);
    assert.ok(names.includes('orders'));
    assert.deepEqual(yamlEntities('::: not yaml {{'), []);
    assert.deepEqual(yamlEntities(''), []);
    assert.deepEqual(yamlEntities('- just\n- a list\n'), []);
  });
});
