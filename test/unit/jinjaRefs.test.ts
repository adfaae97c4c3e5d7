import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  completionContextAt,
  dbtReferences,
  findDocsBlock,
  findMacroDefinition,
  jinjaRegions,
  referenceAt,
  type DbtReference,
} from '../../src/dbt/jinjaRefs';
import { fixtureText, jaffleManifest } from './server-fixture';

/** Offset of the n-th occurrence of `needle` plus `delta`. */
function at(text: string, needle: string, delta = 1, nth = 0): number {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = text.indexOf(needle, i + 1);
  assert.ok(i >= 0, `${needle} in text`);
  return i + delta;
}

function summary(r: DbtReference | null): string | null {
  if (!r) return null;
  switch (r.kind) {
    case 'ref':
      return `ref ${r.package ?? ''}/${r.name}@${r.version ?? ''}`;
    case 'source':
      return `source ${r.sourceName}.${r.tableName}`;
    case 'doc':
      return `doc ${r.package ?? ''}/${r.name}`;
    case 'macro':
      return `macro ${r.namespace ?? ''}.${r.name}${r.definition ? ' (definition)' : ''}`;
  }
}

void describe('jinjaRegions', () => {
  void it('finds expressions and statements, skips comments and raw blocks, handles whitespace control', () => {
    const text = "a {{ x }} {#- {{ hidden }} -#} {%- if y -%} {% raw %}{{ not_jinja }}{% endraw %} {{ '}}' ~ z }}";
    const regions = jinjaRegions(text).map((r) => [r.kind, text.slice(r.start, r.end).trim(), r.closed]);
    assert.deepEqual(regions, [
      ['expression', 'x', true],
      ['statement', 'if y', true],
      ['statement', 'raw', true],
      ['expression', "'}}' ~ z", true],
    ]);
  });

  void it('ends an unclosed region at the next opener (text being typed)', () => {
    const text = "{{ ref('a' \nselect {{ b }}";
    const regions = jinjaRegions(text);
    assert.equal(regions.length, 2);
    assert.equal(regions[0].closed, false);
    assert.equal(text.slice(regions[1].start, regions[1].end).trim(), 'b');
  });
});

void describe('dbtReferences and referenceAt', () => {
  void it('reads ref in its one- and two-argument forms, with versions, either quotes', () => {
    const text = `{{ ref('a') }} {{ ref("pkg", "b") }} {{ ref('c', v=2) }} {{ ref('pkg','d', version='3') }} {{ref( 'e' )}}`;
    assert.deepEqual(dbtReferences(text).map(summary), ['ref /a@', 'ref pkg/b@', 'ref /c@2', 'ref pkg/d@3', 'ref /e@']);
  });

  void it('reads source, doc and macro calls; skips dynamic arguments, filters and methods', () => {
    const text = [
      "{{ source('raw', 'orders') }}",
      '{{ doc("status") }}',
      "{{ cents_to_dollars('amount', 4) }}",
      "{{ dbt_utils.star(from=ref('x')) }}",
      '{{ ref(model_name) }}',
      "{{ x | replace('a', 'b') }}",
      "{{ adapter.dispatch('m')() }}",
      "{% call statement('main', fetch_result=True) %}{% endcall %}",
      '{{ config(materialized="table") }} {{ var("v") }}',
    ].join('\n');
    assert.deepEqual(dbtReferences(text).map(summary), [
      'source raw.orders',
      'doc /status',
      'macro .cents_to_dollars',
      'macro dbt_utils.star',
      'ref /x@',
      'macro .statement',
    ]);
  });

  void it('marks macro and test definitions', () => {
    const text = "{% macro cents(col) %}{% endmacro %}{% test positive(model, column_name) %}{% endtest %}";
    assert.deepEqual(dbtReferences(text).map(summary), ['macro .cents (definition)', 'macro .test_positive (definition)']);
  });

  void it('picks the innermost call under the cursor and the right part of a source', () => {
    const text = "select * from {{ source('raw', 'orders') }} join {{ dbt_utils.star(ref('stg_orders')) }}";
    assert.equal(summary(referenceAt(text, at(text, "'stg_orders'", 3))), 'ref /stg_orders@');
    assert.equal(summary(referenceAt(text, at(text, 'star'))), 'macro dbt_utils.star');
    const s = referenceAt(text, at(text, "'raw'"));
    assert.ok(s && s.kind === 'source' && at(text, "'raw'") >= s.sourceStart && at(text, "'raw'") <= s.sourceEnd);
    assert.equal(referenceAt(text, at(text, 'select')), null);
    assert.equal(referenceAt(text, at(text, 'join')), null);
  });

  void it('reads bare refs in YAML (tests, exposures) only in YAML mode', () => {
    const yaml = "tests:\n  - relationships:\n      to: ref('customers')\ndepends_on:\n  - ref('orders')\ndescription: '{{ doc(\"d\") }}'\n";
    assert.deepEqual(dbtReferences(yaml, { yaml: true }).map(summary), ['ref /customers@', 'ref /orders@', 'doc /d']);
    assert.deepEqual(dbtReferences(yaml).map(summary), ['doc /d']);
  });

  void it('finds in every fixture model exactly the refs and sources dbt recorded', () => {
    const raw = jaffleManifest() as { nodes: Record<string, { resource_type: string; original_file_path: string; refs: { name: string }[]; sources: string[][] }> };
    let checked = 0;
    for (const node of Object.values(raw.nodes)) {
      if (node.resource_type !== 'model' || node.original_file_path.includes('broken')) continue;
      const refs = dbtReferences(fixtureText(node.original_file_path));
      const names = refs.flatMap((r) => (r.kind === 'ref' ? [r.name] : [])).sort();
      const sources = refs.flatMap((r) => (r.kind === 'source' ? [`${r.sourceName}.${r.tableName}`] : [])).sort();
      assert.deepEqual(names, node.refs.map((r) => r.name).sort(), node.original_file_path);
      assert.deepEqual(sources, node.sources.map((s) => s.join('.')).sort(), node.original_file_path);
      checked++;
    }
    assert.ok(checked >= 5);
  });
});

void describe('completionContextAt', () => {
  const ctx = (text: string, offset = text.length) => completionContextAt(text, offset);

  void it('inside ref(, with one or two arguments, partially typed', () => {
    assert.deepEqual(ctx("select * from {{ ref('stg_"), { kind: 'ref', package: null, prefix: 'stg_', replaceStart: 22, replaceEnd: 26 });
    assert.deepEqual(ctx('{{ ref("'), { kind: 'ref', package: null, prefix: '', replaceStart: 8, replaceEnd: 8 });
    assert.deepEqual(ctx("{{ ref('jaffle', 'or"), { kind: 'ref', package: 'jaffle', prefix: 'or', replaceStart: 18, replaceEnd: 20 });
  });

  void it('replaces the whole name when the cursor is inside an existing one', () => {
    const text = "{{ ref('stg_orders') }}";
    assert.deepEqual(ctx(text, at(text, 'orders', 0)), { kind: 'ref', package: null, prefix: 'stg_', replaceStart: 8, replaceEnd: 18 });
  });

  void it("inside source(' and source('s', '", () => {
    assert.deepEqual(ctx("{{ source('r"), { kind: 'source-name', prefix: 'r', replaceStart: 11, replaceEnd: 12 });
    assert.deepEqual(ctx("{{ source('raw', '"), { kind: 'source-table', sourceName: 'raw', prefix: '', replaceStart: 18, replaceEnd: 18 });
    assert.deepEqual(ctx("{{ source(src, '"), null, 'a dynamic source name gives no table list');
  });

  void it("inside doc(' in YAML and bare ref(' in YAML", () => {
    assert.deepEqual(completionContextAt("description: '{{ doc(\"ord", 25, { yaml: true }), { kind: 'doc', package: null, prefix: 'ord', replaceStart: 22, replaceEnd: 25 });
    const yaml = "      to: ref('cust";
    assert.deepEqual(completionContextAt(yaml, yaml.length, { yaml: true }), { kind: 'ref', package: null, prefix: 'cust', replaceStart: 15, replaceEnd: 19 });
  });

  void it('macro names where an expression starts, and after a package namespace', () => {
    assert.deepEqual(ctx('{{ cents_'), { kind: 'macro', namespace: null, prefix: 'cents_', replaceStart: 3, replaceEnd: 9 });
    assert.deepEqual(ctx('{{ dbt_utils.st'), { kind: 'macro', namespace: 'dbt_utils', prefix: 'st', replaceStart: 13, replaceEnd: 15 });
    assert.deepEqual(ctx('{% if '), { kind: 'macro', namespace: null, prefix: '', replaceStart: 6, replaceEnd: 6 });
    assert.deepEqual(ctx("{% call "), { kind: 'macro', namespace: null, prefix: '', replaceStart: 8, replaceEnd: 8 });
  });

  void it('nothing outside Jinja, in plain strings, after filters or in comments', () => {
    assert.equal(ctx("select 'ref('"), null);
    assert.equal(ctx("{{ 'abc"), null);
    assert.equal(ctx('{{ x | up'), null);
    assert.equal(ctx('{# {{ ref(\''), null);
    assert.equal(ctx("{{ ref('a') }} and"), null);
    assert.equal(ctx("{{ ref('a', v='"), null, 'no names for a version');
  });
});

void describe('definitions in files', () => {
  void it('finds {% macro name( and {% test name(', () => {
    const text = fixtureText('macros/cents_to_dollars.sql');
    const i = findMacroDefinition(text, 'cents_to_dollars');
    assert.ok(i !== null && text.startsWith('cents_to_dollars', i));
    const t = '{%- test positive(model) -%}\n{% endtest %}';
    assert.equal(findMacroDefinition(t, 'test_positive'), t.indexOf('positive'));
    assert.equal(findMacroDefinition(text, 'missing'), null);
  });

  void it('finds {% docs name %}', () => {
    const text = fixtureText('models/docs.md');
    const i = findDocsBlock(text, 'order_status');
    assert.ok(i !== null && text.startsWith('order_status', i));
    assert.equal(findDocsBlock(text, 'order'), null);
  });
});
