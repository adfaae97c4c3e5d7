// Jinja block structure: which offsets run only under a condition or when a
// macro is called, on real fixture files and on hand-written edge cases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConditionalAt, jinjaBlocks } from '../../src/dbt/jinjaBlocks';
import { fixtureText } from './server-fixture';

void describe('jinjaBlocks', () => {
  void it('pairs if/elif/else/endif, for, macro, call and block set; statements are not blocks', () => {
    const text = [
      '{% set x = 1 %}',
      "{% if var('a') %}",
      "  {{ ref('in_if') }}",
      '{% elif b %}',
      '  {% for c in cs %}{{ c }}{% endfor %}',
      '{% else %}',
      "  {{ source('s', 'in_else') }}",
      '{% endif %}',
      '{% set block %}select 1{% endset %}',
      '{%- macro m(a) -%}{{ a }}{%- endmacro %}',
      "{{ ref('top') }}",
    ].join('\n');
    const blocks = jinjaBlocks(text);
    assert.deepEqual(blocks.map((b) => [b.keyword, b.name, b.closed]), [
      ['if', null, true],
      ['for', null, true],
      ['set', 'block', true],
      ['macro', 'm', true],
    ]);
    const ifBlock = blocks[0]!;
    assert.equal(text.slice(ifBlock.start, ifBlock.openEnd), "{% if var('a') %}");
    assert.equal(text.slice(ifBlock.closeStart, ifBlock.end), '{% endif %}');
    const at = (needle: string) => isConditionalAt(blocks, text.indexOf(needle));
    assert.equal(at("ref('in_if')"), true);
    assert.equal(at("source('s', 'in_else')"), true);
    assert.equal(at("var('a')"), false, 'the condition itself is always rendered');
    assert.equal(at("ref('top')"), false);
    assert.equal(at('select 1'), false, 'a block set is rendered');
  });

  void it('an unclosed block runs to the end of the text; a stray end tag is ignored', () => {
    const text = "{% endfor %}{% if x %}{{ ref('a') }}";
    const blocks = jinjaBlocks(text);
    assert.deepEqual(blocks.map((b) => [b.keyword, b.closed, b.end]), [['if', false, text.length]]);
    assert.equal(isConditionalAt(blocks, text.indexOf('ref')), true);
  });

  void it('the fixture: a model with {% if execute %}, a snapshot block, a macro file', () => {
    const broken = fixtureText('models/broken/broken_compile.sql');
    const blocks = jinjaBlocks(broken);
    assert.deepEqual(blocks.map((b) => b.keyword), ['if']);
    assert.equal(isConditionalAt(blocks, broken.indexOf('cents_to_dollar(')), true);
    assert.equal(isConditionalAt(blocks, broken.indexOf("ref('orders')")), false);
    assert.deepEqual(jinjaBlocks(fixtureText('snapshots/customers_snapshot.sql')).map((b) => [b.keyword, b.name, b.closed]), [['snapshot', 'customers_snapshot', true]]);
    assert.deepEqual(jinjaBlocks(fixtureText('macros/cents_to_dollars.sql')).map((b) => [b.keyword, b.name]), [['macro', 'cents_to_dollars']]);
  });
});
