// Run Selected SQL: which query runs for a selection or a cursor, where an
// error's line is in the user's text, and the bounded query history.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { adhocQuery, findWithClause } from '../../src/dbt/adhocSql';
import { lineFromMessage } from '../../src/dbt/diagnosticsModel';
import { addToHistory, historyLabel, readHistory, type QueryHistoryEntry } from '../../src/dbt/queryHistory';
import { jaffleDir } from './eventStreams';

const CUSTOMERS = readFileSync(join(jaffleDir, 'models/marts/customers.sql'), 'utf8');

function cursorAt(text: string, needle: string): { start: number; end: number } {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, needle);
  return { start: i, end: i };
}

void describe('adhocQuery', () => {
  void it('runs a selection as it is, trimmed, from its first non-blank line', () => {
    const text = 'select 1;\n\n  select a\n  from b;\n';
    const start = text.indexOf('\n\n  select a');
    const q = adhocQuery(text, { start, end: text.length });
    assert.deepEqual(q, { sql: 'select a\n  from b', startLine: 2, what: 'selection' });
  });

  void it('runs the CTE under the cursor with the CTEs before it (the fixture model customers.sql)', () => {
    const clause = findWithClause(CUSTOMERS);
    assert.deepEqual(clause?.ctes.map((c) => c.name), ['customer_orders', 'customer_payments']);
    const q = adhocQuery(CUSTOMERS, cursorAt(CUSTOMERS, 'sum(p.amount)'))!;
    assert.equal(q.what, 'CTE customer_payments');
    assert.ok(q.sql.startsWith('with customer_orders as ('));
    assert.ok(q.sql.endsWith(')\nselect * from customer_payments'));
    assert.ok(!q.sql.includes('coalesce(co.number_of_orders'), 'the final select is left out');
    const first = adhocQuery(CUSTOMERS, cursorAt(CUSTOMERS, 'customer_orders as'))!;
    assert.equal(first.what, 'CTE customer_orders');
    assert.ok(!first.sql.includes('customer_payments as'));
  });

  void it('runs the whole file when the cursor is in the final select', () => {
    const q = adhocQuery(CUSTOMERS, cursorAt(CUSTOMERS, 'coalesce(co.number_of_orders'))!;
    assert.equal(q.what, 'file');
    assert.equal(q.sql, CUSTOMERS.trim());
  });

  void it('is not misled by parentheses and keywords in strings, comments and Jinja', () => {
    const text = "{% set x = '(with' %}\n-- with a as (\nwith \"my cte\" (c) as materialized (select ')' as c /* ( */),\nb as (select {{ ref('x') }} from \"my cte\")\nselect * from b";
    const clause = findWithClause(text);
    assert.deepEqual(clause?.ctes.map((c) => c.name), ['my cte', 'b']);
    const q = adhocQuery(text, cursorAt(text, "')' as c"))!;
    assert.ok(q.sql.startsWith("{% set x = '(with' %}"), 'what comes before `with` is kept');
    assert.ok(q.sql.endsWith('select * from "my cte"'), q.sql);
  });

  void it('has nothing to run in an empty text', () => {
    assert.equal(adhocQuery('  \n', { start: 0, end: 0 }), undefined);
    assert.equal(adhocQuery('select 1', { start: 3, end: 3 })?.sql, 'select 1');
  });
});

void describe('the line of a query error (lineFromMessage, as Problems use it)', () => {
  // The text dbt-duckdb reported for a bad column in `dbt show --inline` (the query wrapped for --limit: LINE 5).
  const duck = 'Runtime Error in sql_operation inline_query (from remote system.sql)\n    Binder Error: Referenced column "nope_col" not found in FROM clause!\n    \n    LINE 5:   nope_col\n              ^';

  void it('finds a database error line by its text in the query the user wrote', () => {
    assert.equal(lineFromMessage(duck, 'select 1 as a,\n  nope_col\nfrom x'), 1);
  });

  void it('reads the line of a Jinja error in the inline query directly', () => {
    const jinja = "unexpected '}', expected ')'\n  line 2\n    {{ ref(\"raw_orders\" }}";
    assert.equal(lineFromMessage(jinja, 'select 1 as a,\n {{ ref("raw_orders" }}'), 1);
  });
});

void describe('query history', () => {
  const entry = (sql: string, ranAt: number): QueryHistoryEntry => ({ sql, projectRoot: '/p', ranAt });

  void it('keeps the last 50, newest first, a query run again moving to the top', () => {
    let h: QueryHistoryEntry[] = [];
    for (let i = 0; i < 60; i++) h = addToHistory(h, entry(`select ${i}`, i));
    assert.equal(h.length, 50);
    assert.equal(h[0]!.sql, 'select 59');
    h = addToHistory(h, entry('select 30 ', 100));
    assert.equal(h.length, 50);
    assert.equal(h[0]!.ranAt, 100);
    assert.equal(h.filter((x) => x.sql.trim() === 'select 30').length, 1);
  });

  void it('drops malformed stored entries and squeezes labels onto one line', () => {
    assert.deepEqual(readHistory([{ sql: 1 }, null, entry('select 1', 1)]), [entry('select 1', 1)]);
    assert.deepEqual(readHistory('nope'), []);
    assert.equal(historyLabel(entry('select\n  a,\n  b\nfrom t', 0)), 'select a, b from t');
    assert.equal(historyLabel(entry('x'.repeat(100), 0), 10), `${'x'.repeat(9)}…`);
  });
});
