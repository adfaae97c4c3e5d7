// The results grid's model: types (from agate and inferred), NULL apart
// from the empty string, sort, filters, and the text of copy and export.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { copyText, gridColumns, matchesFilter, nextSort, toDelimited, toJson, viewRows, type GridData } from '../../src/dbt/grid';

// Shaped like the worker's show output of a DuckDB query (cells as dbt_worker.cell() makes them).
const names = ['id', 'name', 'amount', 'ordered_at', 'note', 'paid'];
const rows: unknown[][] = [
  [3, 'carol', 12.5, '2024-03-01', '', true],
  [1, 'alice', null, '2024-01-15', 'first, "vip"', false],
  [2, null, 7, '2024-02-10', 'multi\nline', null],
  [10, 'bob', 100, '2023-12-31', null, true],
];
const agate = ['Integer', 'Text', 'Number', 'Date', 'Text', 'Boolean'];

function data(): GridData {
  return { columns: gridColumns(names, rows, agate), rows };
}

void describe('column types', () => {
  void it('come from agate type names, with Number narrowed to integer when every value is one', () => {
    assert.deepEqual(
      data().columns.map((c) => c.type),
      ['integer', 'text', 'number', 'date', 'text', 'boolean'],
    );
    const whole = gridColumns(['n'], [[1], [2], [null]], ['Number']);
    assert.equal(whole[0]!.type, 'integer');
  });

  void it('are inferred from the values without agate types (the CLI backend), NULLs ignored', () => {
    const cols = gridColumns(names, rows);
    assert.deepEqual(
      cols.map((c) => c.type),
      ['integer', 'text', 'number', 'date', 'text', 'boolean'],
    );
    assert.equal(gridColumns(['t'], [['2024-01-01T10:00:00'], ['2024-01-02']])[0]!.type, 'datetime');
    assert.equal(gridColumns(['mixed'], [[1], ['x']])[0]!.type, 'text');
    assert.equal(gridColumns(['none'], [[null]])[0]!.type, 'text');
  });
});

void describe('sort', () => {
  void it('orders numbers by value, not as text, and keeps NULLs last both ways', () => {
    const d = data();
    assert.deepEqual(viewRows(d, { sort: { column: 0, descending: false } }).map((r) => rows[r]![0]), [1, 2, 3, 10]);
    assert.deepEqual(viewRows(d, { sort: { column: 2, descending: false } }).map((r) => rows[r]![2]), [7, 12.5, 100, null]);
    assert.deepEqual(viewRows(d, { sort: { column: 2, descending: true } }).map((r) => rows[r]![2]), [100, 12.5, 7, null]);
    assert.deepEqual(viewRows(d, { sort: { column: 1, descending: true } }).map((r) => rows[r]![1]), ['carol', 'bob', 'alice', null]);
  });

  void it('cycles ascending, descending, none on header clicks', () => {
    const a = nextSort(undefined, 2);
    assert.deepEqual(a, { column: 2, descending: false });
    const b = nextSort(a, 2);
    assert.deepEqual(b, { column: 2, descending: true });
    assert.equal(nextSort(b, 2), undefined);
    assert.deepEqual(nextSort(b, 0), { column: 0, descending: false });
  });
});

void describe('filters', () => {
  void it('tell NULL from the empty string', () => {
    assert.equal(matchesFilter(null, 'text', 'NULL'), true);
    assert.equal(matchesFilter('', 'text', 'NULL'), false);
    assert.equal(matchesFilter('', 'text', "''"), true);
    assert.equal(matchesFilter(null, 'text', "''"), false);
    assert.equal(matchesFilter('', 'text', '!null'), true);
    // The text "NULL" is not a NULL.
    assert.equal(matchesFilter('NULL', 'text', 'NULL'), false);
  });

  void it('compare numbers as numbers and dates as ISO text', () => {
    assert.equal(matchesFilter(10, 'integer', '> 9'), true);
    assert.equal(matchesFilter(10, 'integer', '< 9'), false);
    assert.equal(matchesFilter(null, 'integer', '< 9'), false);
    assert.equal(matchesFilter('2024-02-10', 'date', '>= 2024-02-01'), true);
    assert.equal(matchesFilter('2023-12-31', 'date', '>= 2024-02-01'), false);
    assert.equal(matchesFilter('bob', 'text', '!= bob'), false);
  });

  void it('combine per-column filters and the search box', () => {
    const d = data();
    assert.deepEqual(viewRows(d, { filters: { 2: '>= 10' } }), [0, 3]);
    assert.deepEqual(viewRows(d, { filters: { 2: '>= 10' }, search: 'BOB' }), [3]);
    assert.deepEqual(viewRows(d, { filters: { 1: 'NULL' } }), [2]);
    assert.deepEqual(viewRows(d, { search: 'vip', sort: { column: 0, descending: true } }), [1]);
    assert.deepEqual(viewRows(d, { filters: { 4: '' } }), [0, 1, 2, 3]);
  });
});

void describe('copy and export', () => {
  void it('CSV quotes commas, quotes and newlines; NULL and empty are both empty fields', () => {
    const d = data();
    const csv = toDelimited(d, [1, 2], 'csv');
    assert.equal(csv, 'id,name,amount,ordered_at,note,paid\r\n1,alice,,2024-01-15,"first, ""vip""",false\r\n2,,7,2024-02-10,"multi\nline",\r\n');
  });

  void it('TSV keeps one line per row', () => {
    const d = data();
    assert.equal(toDelimited(d, [2], 'tsv', undefined, false), '2\t\t7\t2024-02-10\tmulti line\t');
  });

  void it('JSON keeps NULL as null, the empty string as "", and types as they were', () => {
    const parsed = JSON.parse(toJson(data(), [0, 2])) as Record<string, unknown>[];
    assert.deepEqual(parsed, [
      { id: 3, name: 'carol', amount: 12.5, ordered_at: '2024-03-01', note: '', paid: true },
      { id: 2, name: null, amount: 7, ordered_at: '2024-02-10', note: 'multi\nline', paid: null },
    ]);
  });

  void it('copies a cell, a row, a column and all shown rows in view order', () => {
    const d = data();
    const shown = viewRows(d, { sort: { column: 0, descending: false } });
    const at = { row: 3, column: 1 };
    assert.equal(copyText(d, shown, 'cell', 'tsv', at), 'bob');
    assert.equal(copyText(d, shown, 'row', 'csv', at), '10,bob,100,2023-12-31,,true');
    assert.equal(copyText(d, shown, 'column', 'tsv', at), 'name\nalice\n\ncarol\nbob');
    assert.equal(copyText(d, shown, 'all', 'tsv', at).split('\n').map((l) => l.split('\t')[0]).join(' '), 'id 1 2 3 10');
  });
});
