// The query results page: a virtualized grid (only the rows in sight are
// in the DOM, so 10,000 rows scroll as smoothly as 10), sort by a header
// click, a search box and a filter per column, copy and export. The model
// (src/dbt/grid.ts) does the sorting, filtering and text; this file draws.
import { copyText, isNull, cellText, isNumeric, nextSort, viewRows, type CopyScope, type GridData, type GridView, type TextFormat } from '../dbt/grid';
import { largerLimit, type FromResultsPage, type ResultsContent, type ToResultsPage } from '../dbt/resultsPage';
import { connect, el } from './lib/host';

const ROW_HEIGHT = 22;
/** Rows drawn above and below the visible ones, so a fast scroll shows no gaps. */
const OVERSCAN = 10;

const host = connect<FromResultsPage, ToResultsPage, { format?: TextFormat }>();

let content: ResultsContent | undefined;
let data: GridData = { columns: [], rows: [] };
let view: GridView = {};
let shown: number[] = [];
let selected = { row: 0, column: 0 };
let format: TextFormat = host.getState()?.format ?? 'tsv';
let drawScheduled = false;

const root = el('div', { class: 'results' });
const header = el('header');
const title = el('h1');
const subtitle = el('div', { class: 'subtitle' });
const status = el('div', { class: 'status', role: 'status' });
const errorBox = el('div', { class: 'error', hidden: '' });
const toolbar = el('div', { class: 'toolbar' });
const grid = el('div', { class: 'grid', tabindex: '0', role: 'grid' });
const head = el('div', { class: 'head', role: 'row' });
const filters = el('div', { class: 'filters' });
const spacer = el('div', { class: 'spacer' });
const rowsBox = el('div', { class: 'rows' });

function button(label: string, action: string, onClick: () => void, titleText?: string): HTMLButtonElement {
  const b = el('button', { 'data-action': action, title: titleText ?? label }, label);
  b.addEventListener('click', onClick);
  return b;
}

function buildChrome(): void {
  header.append(title, subtitle, status);
  const search = el('input', { type: 'search', placeholder: 'Search all columns', 'aria-label': 'Search all columns', class: 'search' });
  search.addEventListener('input', debounce(() => setView({ ...view, search: search.value })));
  const formatPick = el('select', { 'aria-label': 'Copy format', class: 'format' });
  for (const f of ['tsv', 'csv'] as const) formatPick.append(el('option', { value: f }, f.toUpperCase()));
  formatPick.value = format;
  formatPick.addEventListener('change', () => {
    format = formatPick.value as TextFormat;
    host.setState({ format });
  });
  toolbar.append(
    search,
    el('span', { class: 'sep' }, 'Copy'),
    button('Cell', 'copy-cell', () => copy('cell'), 'Copy the selected cell (Ctrl+C)'),
    button('Row', 'copy-row', () => copy('row'), 'Copy the selected row'),
    button('Column', 'copy-column', () => copy('column'), 'Copy the selected column of the shown rows, with its name'),
    button('All', 'copy-all', () => copy('all'), 'Copy the shown rows with the header'),
    formatPick,
    el('span', { class: 'sep' }, 'Export'),
    button('CSV', 'export-csv', () => exportAs('csv'), 'Save the shown rows as CSV'),
    button('JSON', 'export-json', () => exportAs('json'), 'Save the shown rows as JSON'),
    button('History', 'history', () => host.post({ type: 'history' }), 'Query history: reopen or re-run a recent query'),
  );
  spacer.append(rowsBox);
  grid.append(head, filters, spacer);
  root.append(header, errorBox, toolbar, grid);
  document.body.append(root);
  grid.addEventListener('scroll', scheduleDraw, { passive: true });
  window.addEventListener('resize', scheduleDraw);
  grid.addEventListener('keydown', onKey);
  rowsBox.addEventListener('click', (e) => {
    const cell = (e.target as HTMLElement).closest<HTMLElement>('[data-col]');
    const row = cell?.parentElement?.dataset.row;
    if (!cell || row === undefined) return;
    select(Number(row), Number(cell.dataset.col));
  });
}

function debounce(f: () => void, ms = 120): () => void {
  let t: number | undefined;
  return () => {
    clearTimeout(t);
    t = window.setTimeout(f, ms);
  };
}

function show(next: ResultsContent): void {
  content = next;
  data = { columns: next.columns, rows: next.rows };
  view = {};
  selected = { row: 0, column: 0 };
  title.textContent = next.title;
  subtitle.textContent = next.subtitle;
  document.title = next.title;
  root.classList.remove('running');
  (toolbar.querySelector('.search') as HTMLInputElement).value = '';
  showError(next);
  buildHead();
  setView(view);
  grid.scrollTop = 0;
}

function showError(next: ResultsContent): void {
  errorBox.replaceChildren();
  errorBox.hidden = !next.error;
  if (!next.error) return;
  errorBox.append(el('pre', {}, next.error.message));
  if (next.error.line !== undefined) {
    errorBox.append(button(`Go to line ${next.error.line}`, 'reveal-error', () => host.post({ type: 'revealError', seq: next.seq })));
  }
}

function buildHead(): void {
  const widths = columnWidths();
  grid.style.setProperty('--columns', widths.map((w) => `${w}px`).join(' '));
  grid.style.setProperty('--row-width', `${widths.reduce((a, b) => a + b, 0)}px`);
  head.replaceChildren(el('div', { class: 'cell rownum' }, '#'));
  filters.replaceChildren(el('div', { class: 'cell rownum' }));
  data.columns.forEach((c, i) => {
    const h = el('div', { class: `cell ${isNumeric(c.type) ? 'num' : ''}`, role: 'columnheader', 'data-col': String(i), title: `${c.name} (${c.type}): click to sort` });
    h.append(el('span', { class: 'name' }, c.name), el('span', { class: 'type' }, c.type), el('span', { class: 'sort' }));
    h.addEventListener('click', () => setView({ ...view, sort: nextSort(view.sort, i) }));
    head.append(h);
    const f = el('input', { class: 'cell', type: 'text', placeholder: 'filter', 'aria-label': `Filter ${c.name}`, 'data-col': String(i), title: 'text, NULL, !NULL, \'\' (empty), or a comparison: > 10, <= 2024-01-01, != x' });
    f.addEventListener('input', debounce(() => setView({ ...view, filters: { ...view.filters, [i]: f.value } })));
    filters.append(f);
  });
}

/** Widths from the header and the first rows' text, in px, clamped: measuring all 10,000 rows would cost more than it helps. */
function columnWidths(): number[] {
  const sample = data.rows.slice(0, 200);
  const digits = String(data.rows.length).length;
  const chars = data.columns.map((c, i) => Math.max(c.name.length + c.type.length + 3, ...sample.map((r) => (isNull(r[i]) ? 4 : cellText(r[i]).length))));
  return [Math.max(36, digits * 8 + 16), ...chars.map((n) => Math.min(420, Math.max(64, n * 7.5 + 18)))];
}

function setView(next: GridView): void {
  view = next;
  shown = viewRows(data, view);
  for (const h of head.querySelectorAll<HTMLElement>('[role=columnheader]')) {
    const col = Number(h.dataset.col);
    const arrow = view.sort?.column === col ? (view.sort.descending ? '▼' : '▲') : '';
    h.querySelector('.sort')!.textContent = arrow;
    h.setAttribute('aria-sort', arrow ? (view.sort!.descending ? 'descending' : 'ascending') : 'none');
  }
  spacer.style.height = `${shown.length * ROW_HEIGHT}px`;
  updateStatus();
  draw();
}

function updateStatus(): void {
  status.replaceChildren();
  if (!content) return;
  const n = content.rows.length;
  const parts = [`${n.toLocaleString()} row${n === 1 ? '' : 's'}`];
  if (shown.length !== n) parts.push(`${shown.length.toLocaleString()} shown`);
  if (content.elapsedSeconds !== undefined) parts.push(`${content.elapsedSeconds.toFixed(2)} s`);
  status.append(el('span', { class: 'count' }, parts.join(' · ')));
  const limit = content.limit;
  if (limit !== undefined && n >= limit && !content.error) {
    status.append(el('span', { class: 'limit' }, ` · limit ${limit.toLocaleString()} reached`));
    if (content.canRerun) {
      const more = largerLimit(limit);
      const seq = content.seq;
      status.append(button(`Re-run with limit ${more.toLocaleString()}`, 'rerun-larger', () => host.post({ type: 'rerun', seq, limit: more })));
    }
  }
}

function scheduleDraw(): void {
  if (drawScheduled) return;
  drawScheduled = true;
  requestAnimationFrame(() => {
    drawScheduled = false;
    draw();
  });
}

/** Draws the rows in sight, reusing row elements. */
function draw(): void {
  const first = Math.max(0, Math.floor(grid.scrollTop / ROW_HEIGHT) - OVERSCAN);
  const count = Math.min(shown.length - first, Math.ceil(grid.clientHeight / ROW_HEIGHT) + 2 * OVERSCAN);
  rowsBox.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
  while (rowsBox.children.length > Math.max(0, count)) rowsBox.lastChild!.remove();
  for (let k = 0; k < count; k++) {
    const pos = first + k;
    const r = shown[pos]!;
    let row = rowsBox.children[k] as HTMLElement | undefined;
    if (!row || row.children.length !== data.columns.length + 1) {
      const fresh = makeRow();
      if (row) row.replaceWith(fresh);
      else rowsBox.append(fresh);
      row = fresh;
    }
    fillRow(row, pos, r);
  }
  document.body.dataset.drawnRows = String(Math.max(0, count));
}

function makeRow(): HTMLElement {
  const row = el('div', { class: 'row', role: 'row' });
  row.append(el('div', { class: 'cell rownum' }));
  data.columns.forEach((c, i) => row.append(el('div', { class: `cell${isNumeric(c.type) ? ' num' : ''}`, role: 'gridcell', 'data-col': String(i) })));
  return row;
}

function fillRow(row: HTMLElement, pos: number, r: number): void {
  row.dataset.row = String(r);
  row.classList.toggle('selected-row', r === selected.row);
  const cells = row.children;
  cells[0]!.textContent = String(pos + 1);
  const values = data.rows[r]!;
  for (let i = 0; i < data.columns.length; i++) {
    const cell = cells[i + 1] as HTMLElement;
    const v = values[i];
    const nul = isNull(v);
    cell.textContent = nul ? 'NULL' : cellText(v);
    cell.classList.toggle('null', nul);
    cell.classList.toggle('empty', v === '');
    cell.classList.toggle('selected', r === selected.row && i === selected.column);
  }
}

function select(row: number, column: number): void {
  selected = { row, column };
  draw();
}

function onKey(e: KeyboardEvent): void {
  if ((e.ctrlKey || e.metaKey) && e.key === 'c') {
    e.preventDefault();
    copy('cell');
    return;
  }
  const pos = shown.indexOf(selected.row);
  const moves: Record<string, [number, number]> = { ArrowDown: [1, 0], ArrowUp: [-1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  const move = moves[e.key];
  if (!move || shown.length === 0) return;
  e.preventDefault();
  const nextPos = Math.min(shown.length - 1, Math.max(0, pos + move[0]));
  const column = Math.min(data.columns.length - 1, Math.max(0, selected.column + move[1]));
  selected = { row: shown[nextPos]!, column };
  const top = nextPos * ROW_HEIGHT;
  if (top < grid.scrollTop + ROW_HEIGHT * 2) grid.scrollTop = Math.max(0, top - ROW_HEIGHT * 2);
  else if (top > grid.scrollTop + grid.clientHeight - ROW_HEIGHT) grid.scrollTop = top - grid.clientHeight + ROW_HEIGHT;
  draw();
}

function copy(scope: CopyScope): void {
  if (!content || data.columns.length === 0) return;
  host.post({ type: 'copy', text: copyText(data, shown, scope, format, selected) });
  flash(`Copied ${scope === 'all' ? `${shown.length} rows` : scope} as ${scope === 'cell' ? 'text' : format.toUpperCase()}`);
}

function exportAs(f: 'csv' | 'json'): void {
  if (content) host.post({ type: 'export', seq: content.seq, format: f, view });
}

function flash(text: string): void {
  const note = el('span', { class: 'flash' }, text);
  status.append(note);
  window.setTimeout(() => note.remove(), 2000);
}

buildChrome();
host.onMessage((m) => {
  if (m.type === 'show') show(m.content);
  else if (m.type === 'running') {
    title.textContent = m.title;
    subtitle.textContent = m.subtitle;
    status.replaceChildren(el('span', { class: 'count' }, 'Running…'));
    root.classList.add('running');
  }
});
host.post({ type: 'ready' });
