// Lines in schema YAML: entries for the code lens, generic tests for the
// test tree and Problems. On the fixture's real files, plus small texts for
// forms the fixture lacks (sources, model-level and package tests).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { entryLines, lineIndex, locateEntry, locateGenericTest, SchemaFile } from '../../src/dbt/schemaYaml';
import { jaffleDir } from './eventStreams';

const marts = readFileSync(join(jaffleDir, 'models/marts/schema.yml'), 'utf8');
const staging = readFileSync(join(jaffleDir, 'models/staging/schema.yml'), 'utf8');
const lines = (text: string) => text.split('\n');
const find = (text: string, needle: string, after = '') => {
  const l = lines(text);
  const start = l.findIndex((x) => x.includes(after));
  return l.findIndex((x, i) => i > start && x.includes(needle));
};

void describe('entryLines', () => {
  void it('lists the top-level entries with their lines, not columns', () => {
    const entries = entryLines(marts);
    assert.deepEqual(
      entries.map((e) => `${e.kind}:${e.name}`),
      ['model:customers', 'model:orders', 'model:order_events', 'exposure:weekly_revenue_dashboard'],
    );
    assert.equal(entries[1]!.line, find(marts, '- name: orders'));
  });
});

void describe('locateGenericTest', () => {
  void it('finds a test under its column, among same-named tests of other columns and models', () => {
    const expected = find(marts, '- not_null', 'Who placed the order.');
    assert.equal(locateGenericTest(marts, { attachedName: 'orders', columnName: 'customer_id', testName: 'not_null' }), expected);
    assert.equal(locateGenericTest(marts, { attachedName: 'customers', columnName: 'customer_id', testName: 'not_null' }), find(marts, '- not_null'));
  });
  void it('finds a test written as a map (accepted_values:, relationships:)', () => {
    assert.equal(locateGenericTest(marts, { attachedName: 'orders', columnName: 'status', testName: 'accepted_values' }), find(marts, '- accepted_values:', 'name: status'));
    assert.equal(locateGenericTest(marts, { attachedName: 'orders', columnName: 'customer_id', testName: 'relationships' }), find(marts, '- relationships:'));
    assert.equal(locateGenericTest(staging, { attachedName: 'stg_payments', columnName: 'payment_method', testName: 'accepted_values' }), find(staging, '- accepted_values:'));
  });
  void it('falls back to the column, then the entry, when the test item is not found', () => {
    assert.equal(locateGenericTest(marts, { attachedName: 'orders', columnName: 'amount', testName: 'unique' }), find(marts, '- name: amount'));
    assert.equal(locateGenericTest(marts, { attachedName: 'orders', columnName: 'nope', testName: 'unique' }), find(marts, '- name: orders'));
    assert.equal(locateGenericTest(marts, { attachedName: 'nope', testName: 'unique' }), undefined);
  });
  void it('handles model-level tests, package tests, and source tables', () => {
    const text = [
      'version: 2',
      'models:',
      '  - name: m',
      '    data_tests:',
      '      - dbt_utils.expression_is_true:',
      '          expression: "a > 0"',
      '    columns:',
      '      - name: a',
      '        tests: [unique]',
      'sources:',
      '  - name: raw',
      '    tables:',
      '      - name: t',
      '        columns:',
      '          - name: id',
      '            tests:',
      '              - not_null',
      '',
    ].join('\n');
    assert.equal(locateGenericTest(text, { attachedName: 'm', testName: 'expression_is_true' }), 4);
    // A flow sequence has no item line of its own: the column line.
    assert.equal(locateGenericTest(text, { attachedName: 'm', columnName: 'a', testName: 'unique' }), 7);
    assert.equal(locateGenericTest(text, { attachedName: 't', sourceName: 'raw', columnName: 'id', testName: 'not_null' }), 16);
  });
});

void describe('SchemaFile', () => {
  void it('answers many look-ups from one parse: columns of versions, the same column name under many models', () => {
    const text = [
      'models:',
      ...Array.from({ length: 50 }, (_, i) => [`  - name: m${i}`, '    columns:', '      - name: id', '        data_tests:', '          - unique', '          - not_null']).flat(),
      '  - name: v',
      '    versions:',
      '      - v: 2',
      '        columns:',
      '          - name: id',
      '            data_tests: [not_null]',
      '',
    ].join('\n');
    const file = new SchemaFile(text);
    for (const i of [0, 17, 49]) {
      assert.equal(file.genericTestLine({ attachedName: `m${i}`, columnName: 'id', testName: 'not_null' }), 1 + i * 6 + 5);
      assert.equal(file.genericTestLine({ attachedName: `m${i}`, columnName: 'id', testName: 'not_null' }), locateGenericTest(text, { attachedName: `m${i}`, columnName: 'id', testName: 'not_null' }));
    }
    assert.equal(file.genericTestLine({ attachedName: 'v', columnName: 'id', testName: 'not_null' }), find(text, '- name: id', '- v: 2'));
    assert.equal(file.entryLine('model', 'v'), find(text, '- name: v'));
    assert.equal(file.entryLine('unit_test', 'v'), undefined);
  });
});

void describe('locateEntry and lineIndex', () => {
  void it('finds a unit test entry', () => {
    assert.equal(locateEntry(staging, 'unit_test', 'test_stg_payments_converts_cents_to_dollars'), find(staging, '- name: test_stg_payments_converts_cents_to_dollars'));
  });
  void it('maps offsets to lines', () => {
    const at = lineIndex('a\nbc\n\nd');
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map(at), [0, 0, 1, 1, 1, 2, 3]);
  });
});
