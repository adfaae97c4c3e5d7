// The query results grid's model: column types, sort, filter, and the text
// of copy and export (TSV, CSV, JSON). Pure and node-free: the webview page
// (src/webview/results.ts) uses it to draw and copy, the host uses it to
// export, so both see the same rows in the same order.

export type ColumnType = 'integer' | 'number' | 'boolean' | 'date' | 'datetime' | 'time' | 'text';

export interface GridColumn {
  name: string;
  type: ColumnType;
}

export interface GridData {
  columns: GridColumn[];
  rows: unknown[][];
}

export interface SortKey {
  column: number;
  descending: boolean;
}

export interface GridView {
  sort?: SortKey;
  /** Matched against every cell's text, case-insensitively. */
  search?: string;
  /** Per column: see `matchesFilter`. */
  filters?: Record<number, string>;
}

/** agate (dbt's table library, and dbt's subclasses of it) type name -> ColumnType. */
const AGATE_TYPES: Record<string, ColumnType> = {
  Integer: 'integer',
  Number: 'number',
  Boolean: 'boolean',
  Date: 'date',
  DateTime: 'datetime',
  ISODateTime: 'datetime',
  TimeDelta: 'number',
  Text: 'text',
};

/**
 * Column types: the adapter's agate types when the worker gave them,
 * otherwise inferred from the values (the CLI's JSON output has no types).
 */
export function gridColumns(names: readonly string[], rows: readonly unknown[][], agateTypes?: readonly string[]): GridColumn[] {
  return names.map((name, i) => {
    const given = agateTypes?.[i];
    let type = given ? AGATE_TYPES[given] : undefined;
    // agate's Number holds integers too; say integer when every value is one.
    if (type === 'number' || type === undefined) type = inferType(rows, i, type);
    return { name, type };
  });
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$/;
const TIME = /^\d{2}:\d{2}:\d{2}(\.\d+)?$/;

function inferType(rows: readonly unknown[][], i: number, given: ColumnType | undefined): ColumnType {
  let seen: ColumnType | undefined;
  for (const row of rows) {
    const v = row[i];
    if (v === null || v === undefined) continue;
    const t = valueType(v);
    if (seen === undefined) seen = t;
    else if (seen !== t) {
      if ((seen === 'integer' && t === 'number') || (seen === 'number' && t === 'integer')) seen = 'number';
      else if ((seen === 'date' && t === 'datetime') || (seen === 'datetime' && t === 'date')) seen = 'datetime';
      else return given ?? 'text';
    }
  }
  return seen ?? given ?? 'text';
}

function valueType(v: unknown): ColumnType {
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') {
    if (DATE.test(v)) return 'date';
    if (DATETIME.test(v)) return 'datetime';
    if (TIME.test(v)) return 'time';
  }
  return 'text';
}

export function isNumeric(type: ColumnType): boolean {
  return type === 'integer' || type === 'number';
}

/** The text of a cell as the grid shows and copies it; NULL is kept apart by `isNull`. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function isNull(v: unknown): boolean {
  return v === null || v === undefined;
}

/** Compares two cells of one column: NULLs last, numbers and booleans by value, text by code points (fast on 10,000s of rows). */
function compareCells(a: unknown, b: unknown): number {
  const an = isNull(a);
  const bn = isNull(b);
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const as = cellText(a);
  const bs = cellText(b);
  return as < bs ? -1 : as > bs ? 1 : 0;
}

/**
 * A column filter: `NULL` / `!NULL`, `''` (empty string), a comparison
 * (`> 10`, `<= 2024-01-01`, `= x`, `!= x`) compared as numbers on numeric
 * columns and as text otherwise (ISO dates sort as text), or else a
 * case-insensitive substring.
 */
export function matchesFilter(v: unknown, type: ColumnType, filter: string): boolean {
  const f = filter.trim();
  if (f === '') return true;
  if (f.toUpperCase() === 'NULL') return isNull(v);
  if (f.toUpperCase() === '!NULL') return !isNull(v);
  if (f === "''") return v === '';
  const cmp = /^(<=|>=|!=|<|>|=)\s*(.*)$/.exec(f);
  if (cmp) {
    if (isNull(v)) return false;
    const [, op, operand] = cmp;
    const d = isNumeric(type) && operand !== '' && !Number.isNaN(Number(operand)) ? Number(v) - Number(operand) : textOrder(cellText(v), operand!);
    return op === '<' ? d < 0 : op === '<=' ? d <= 0 : op === '>' ? d > 0 : op === '>=' ? d >= 0 : op === '=' ? d === 0 : d !== 0;
  }
  return !isNull(v) && cellText(v).toLowerCase().includes(f.toLowerCase());
}

function textOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Indexes of the rows the view shows, in order. The data is never copied or reordered. */
export function viewRows(data: GridData, view: GridView): number[] {
  const filters = Object.entries(view.filters ?? {}).filter(([, f]) => f.trim() !== '').map(([c, f]) => [Number(c), f] as const);
  const search = view.search?.trim().toLowerCase() ?? '';
  const out: number[] = [];
  for (let r = 0; r < data.rows.length; r++) {
    const row = data.rows[r]!;
    if (!filters.every(([c, f]) => matchesFilter(row[c], data.columns[c]?.type ?? 'text', f))) continue;
    if (search && !row.some((v) => !isNull(v) && cellText(v).toLowerCase().includes(search))) continue;
    out.push(r);
  }
  const sort = view.sort;
  if (sort && sort.column < data.columns.length) {
    const sign = sort.descending ? -1 : 1;
    // Stable; NULLs stay last in both directions.
    out.sort((a, b) => {
      const x = data.rows[a]![sort.column];
      const y = data.rows[b]![sort.column];
      if (isNull(x) || isNull(y)) return compareCells(x, y) || a - b;
      return sign * compareCells(x, y) || a - b;
    });
  }
  return out;
}

/** Next sort after a click on a column header: ascending, descending, none. */
export function nextSort(current: SortKey | undefined, column: number): SortKey | undefined {
  if (!current || current.column !== column) return { column, descending: false };
  return current.descending ? undefined : { column, descending: true };
}

export type TextFormat = 'tsv' | 'csv';

/** One field: TSV keeps text on one line (tabs and newlines become spaces); CSV quotes per RFC 4180. NULL is an empty field. */
function field(v: unknown, format: TextFormat): string {
  const s = cellText(v);
  if (format === 'tsv') return s.replace(/[\t\r\n]+/g, ' ');
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function line(values: readonly unknown[], format: TextFormat): string {
  return values.map((v) => field(v, format)).join(format === 'tsv' ? '\t' : ',');
}

/** Rows (by index) as TSV or CSV, with a header line unless `header` is false. */
export function toDelimited(data: GridData, rows: readonly number[], format: TextFormat, columns?: readonly number[], header = true): string {
  const cols = columns ?? data.columns.map((_, i) => i);
  const lines = header ? [line(cols.map((c) => data.columns[c]!.name), format)] : [];
  for (const r of rows) lines.push(line(cols.map((c) => data.rows[r]![c]), format));
  return lines.join(format === 'csv' ? '\r\n' : '\n') + (format === 'csv' ? '\r\n' : '');
}

/** Rows (by index) as a JSON array of objects; NULL stays null. */
export function toJson(data: GridData, rows: readonly number[]): string {
  const objects = rows.map((r) => Object.fromEntries(data.columns.map((c, i) => [c.name, data.rows[r]![i] ?? null])));
  return JSON.stringify(objects, null, 2) + '\n';
}

export type CopyScope = 'cell' | 'row' | 'column' | 'all';

/** What "copy" puts on the clipboard: a cell as its bare text; a row without header; a column or all rows with it. */
export function copyText(data: GridData, shown: readonly number[], scope: CopyScope, format: TextFormat, at: { row: number; column: number }): string {
  switch (scope) {
    case 'cell':
      return cellText(data.rows[at.row]?.[at.column]);
    case 'row':
      return toDelimited(data, [at.row], format, undefined, false).replace(/\r?\n$/, '');
    case 'column':
      return toDelimited(data, shown, format, [at.column]);
    case 'all':
      return toDelimited(data, shown, format);
  }
}
