// The jinja-sql TextMate grammar (languages/jinja-sql.tmLanguage.json),
// tokenized by vscode-textmate with the Oniguruma regex engine VS Code uses,
// on top of VS Code's SQL grammar (source.sql, as packaged by tm-grammars):
// Jinja statements, expressions and comments are scoped as Jinja everywhere,
// SQL strings and comments included; the SQL around them stays SQL. Also
// checks the language configuration and snippet files the extension ships.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { IGrammar } from 'vscode-textmate';
import { fixtureText, repoRoot } from './server-fixture';
import { loadJinjaSqlGrammar, scopesOf, tokenizeLines, type Token } from './textmate';

let grammar: IGrammar;
const tokenize = (text: string): Token[][] => tokenizeLines(grammar, text);

void describe('jinja-sql grammar', () => {
  before(async () => {
    grammar = await loadJinjaSqlGrammar(repoRoot, join(repoRoot, 'node_modules', 'tm-grammars', 'grammars', 'sql.json'));
  });

  void it('a model with ref(), config() and {% if %}: Jinja scoped as Jinja, SQL as SQL', () => {
    const lines = tokenize(["{{ config(materialized='table') }}", '', "select o.id from {{ ref('stg_orders') }} as o", '{% if is_incremental() %}', 'where o.id > 0', '{% endif %}'].join('\n'));
    assert.ok(scopesOf(lines, '{{').includes('punctuation.section.embedded.begin.jinja'));
    assert.ok(scopesOf(lines, 'ref').includes('support.function.builtin.dbt'));
    assert.ok(scopesOf(lines, 'config').includes('support.function.builtin.dbt'));
    assert.ok(scopesOf(lines, 'stg_orders').includes('string.quoted.single.jinja'));
    assert.ok(scopesOf(lines, 'if').includes('keyword.control.jinja'));
    assert.ok(scopesOf(lines, 'endif').includes('keyword.control.jinja'));
    assert.ok(scopesOf(lines, 'is_incremental').includes('support.function.builtin.dbt'));
    assert.ok(scopesOf(lines, 'select').some((s) => s.startsWith('keyword.other.DML.sql')), 'SQL keywords come from the SQL grammar');
    assert.ok(scopesOf(lines, 'select').every((s) => s === 'source.sql.jinja' || !s.includes('jinja')), 'no Jinja scope on SQL');
  });

  void it('Jinja comments, Jinja inside SQL strings and comments, whitespace control, raw blocks', () => {
    const lines = tokenize(["{# a note with {{ ref('x') }} #}", "select '{{ var(\"day\") }}' as day -- {{ ref('y') }}", '{%- set n = 3 -%}', "{% raw %}{{ not_jinja }}{% endraw %}"].join('\n'));
    assert.ok(lines[0]!.every((t) => t.scopes.includes('comment.block.jinja')), 'everything in {# #} is comment');
    assert.ok(scopesOf(lines, 'var').includes('support.function.builtin.dbt'), 'Jinja inside a SQL string');
    assert.ok(scopesOf(lines, 'var').includes('meta.embedded.expression.jinja'));
    const y = lines[1]!.find((t) => t.text === 'ref')!;
    assert.ok(y.scopes.includes('support.function.builtin.dbt'), 'Jinja inside a SQL comment (dbt renders it)');
    assert.ok(scopesOf(lines, '{%-').includes('punctuation.section.embedded.begin.jinja'));
    assert.ok(scopesOf(lines, '-%}').includes('punctuation.section.embedded.end.jinja'));
    assert.ok(lines[3]!.some((t) => t.text.includes('not_jinja') && !t.scopes.includes('meta.embedded.expression.jinja')), 'raw content is not Jinja');
  });

  void it('the fixture models tokenize with every Jinja region scoped', () => {
    for (const rel of ['models/marts/customers.sql', 'models/staging/stg_payments.sql', 'snapshots/customers_snapshot.sql', 'macros/cents_to_dollars.sql']) {
      const lines = tokenize(fixtureText(rel));
      for (const line of lines) {
        for (const t of line) {
          if (t.text.startsWith('{{') || t.text.startsWith('{%')) assert.ok(t.scopes.includes('punctuation.section.embedded.begin.jinja'), `${rel}: ${t.text} ${t.scopes.join(' ')}`);
        }
      }
    }
  });

  void it('language configuration and snippets are valid and name what the extension promises', () => {
    const config = JSON.parse(readFileSync(join(repoRoot, 'languages', 'jinja-sql.language-configuration.json'), 'utf8')) as { comments: { blockComment: string[] }; folding: { markers: { start: string; end: string } }; autoClosingPairs: { open: string }[] };
    assert.deepEqual(config.comments.blockComment, ['{#', '#}']);
    assert.ok(config.autoClosingPairs.some((p) => p.open === '{%') && config.autoClosingPairs.some((p) => p.open === '{'));
    const start = new RegExp(config.folding.markers.start);
    const end = new RegExp(config.folding.markers.end);
    assert.ok(start.test("  {% if var('x') %}") && start.test('{%- macro m() -%}') && !start.test('{% set x = 1 %}'));
    assert.ok(end.test('{% endif %}') && end.test('  {%- endmacro %}'));
    const snippets = JSON.parse(readFileSync(join(repoRoot, 'snippets', 'jinja-sql.json'), 'utf8')) as Record<string, { prefix: string[]; body: string | string[] }>;
    assert.deepEqual(Object.keys(snippets).sort(), ['config', 'is_incremental', 'ref', 'source']);
    assert.match(String(snippets.ref!.body), /\{\{ ref\('\$\{1:model_name\}'\) \}\}/);
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { contributes: { languages: { id: string; extensions?: string[] }[]; grammars: { path: string }[] } };
    const lang = pkg.contributes.languages.find((l) => l.id === 'jinja-sql');
    assert.ok(lang, 'jinja-sql is contributed');
    assert.equal(lang.extensions, undefined, 'no file extension: .sql files outside dbt projects keep their language');
  });
});
