// "Run Selected SQL": which query to run for a selection or a cursor
// position in a SQL/Jinja file. Pure, node-free. (Where an error points in
// the query: lineFromMessage in diagnosticsModel.ts.)

/** The query to run and where its first line sits in the document (0-based), to map error lines back. */
export interface AdhocQuery {
  sql: string;
  startLine: number;
  /** What it is, for the panel title: "selection", "CTE orders", "file". */
  what: string;
}

interface Cte {
  name: string;
  /** Offset where the CTE's name starts, and just past its closing parenthesis. */
  start: number;
  end: number;
}

interface WithClause {
  /** Offset of the `with` keyword. */
  withAt: number;
  ctes: Cte[];
}

/**
 * Skips what can hold parentheses or keywords that are not SQL structure:
 * strings, quoted identifiers, comments, and Jinja blocks. Returns the
 * offset after it, or `i` when nothing is to be skipped there.
 */
function skipOpaque(text: string, i: number): number {
  const two = text.slice(i, i + 2);
  const closeAt = (close: string, from: number) => {
    const j = text.indexOf(close, from);
    return j < 0 ? text.length : j + close.length;
  };
  if (two === '--') return closeAt('\n', i + 2);
  if (two === '/*') return closeAt('*/', i + 2);
  if (two === '{{') return closeAt('}}', i + 2);
  if (two === '{%') return closeAt('%}', i + 2);
  if (two === '{#') return closeAt('#}', i + 2);
  const c = text[i];
  if (c === "'" || c === '"' || c === '`') {
    let j = i + 1;
    while (j < text.length) {
      if (text[j] === c) {
        if (text[j + 1] === c) j += 2;
        else return j + 1;
      } else j++;
    }
    return text.length;
  }
  return i;
}

const WORD = /[A-Za-z_][A-Za-z0-9_$]*/y;

function wordAt(text: string, i: number): string | undefined {
  WORD.lastIndex = i;
  const m = WORD.exec(text);
  return m && (i === 0 || !/[A-Za-z0-9_$]/.test(text[i - 1]!)) ? m[0] : undefined;
}

/** The first top-level `WITH` clause and its CTEs. */
export function findWithClause(text: string): WithClause | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; ) {
    const j = skipOpaque(text, i);
    if (j !== i) {
      i = j;
      continue;
    }
    const c = text[i]!;
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0) {
      const w = wordAt(text, i);
      if (w) {
        if (w.toLowerCase() === 'with') return { withAt: i, ctes: readCtes(text, i + w.length) };
        i += w.length;
        continue;
      }
    }
    i++;
  }
  return undefined;
}

/** After `with [recursive]`: `name [(cols)] as [not] [materialized] ( body )`, separated by commas. */
function readCtes(text: string, from: number): Cte[] {
  const ctes: Cte[] = [];
  let i = skipSpace(text, from);
  if (wordAt(text, i)?.toLowerCase() === 'recursive') i = skipSpace(text, i + 'recursive'.length);
  for (;;) {
    const start = i;
    const name = wordAt(text, i) ?? quotedAt(text, i);
    if (!name) return ctes;
    i = skipSpace(text, i + name.length);
    if (text[i] === '(') i = skipSpace(text, matchParen(text, i));
    for (let w = wordAt(text, i); w && /^(as|not|materialized)$/i.test(w); w = wordAt(text, i)) i = skipSpace(text, i + w.length);
    if (text[i] !== '(') return ctes;
    const end = matchParen(text, i);
    ctes.push({ name: name.replace(/^"|"$/g, ''), start, end });
    i = skipSpace(text, end);
    if (text[i] !== ',') return ctes;
    i = skipSpace(text, i + 1);
  }
}

function quotedAt(text: string, i: number): string | undefined {
  if (text[i] !== '"') return undefined;
  const j = skipOpaque(text, i);
  return text.slice(i, j);
}

function skipSpace(text: string, i: number): number {
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    const j = skipOpaque(text, i);
    // Comments and Jinja comments count as space; strings and {{ }} do not.
    if (j !== i && /^(--|\/\*|\{#)/.test(text.slice(i, i + 2))) i = j;
    else return i;
  }
}

/** Offset just past the parenthesis that closes the one at `open`. */
function matchParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; ) {
    const j = skipOpaque(text, i);
    if (j !== i) {
      i = j;
      continue;
    }
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i + 1;
    i++;
  }
  return text.length;
}

function lineOf(text: string, offset: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * The query for a selection (`selection` non-empty) or a cursor: the CTE
 * under the cursor with the CTEs before it (`with a as (...), b as (...)
 * select * from b`), or else the whole text. Anything before `with` (Jinja
 * `set` blocks, config) is kept so that the query compiles as the model does.
 */
export function adhocQuery(text: string, selection: { start: number; end: number }): AdhocQuery | undefined {
  if (selection.end > selection.start) {
    // dbt gets the query trimmed (src/dbt/args.ts); error lines count from its first non-blank line.
    const sql = text.slice(selection.start, selection.end);
    const lead = sql.length - sql.trimStart().length;
    return sql.trim() ? { sql: stripSemicolon(sql.trim()), startLine: lineOf(text, selection.start + lead), what: 'selection' } : undefined;
  }
  if (!text.trim()) return undefined;
  const clause = findWithClause(text);
  const cte = clause?.ctes.find((c) => selection.start >= c.start && selection.start <= c.end);
  if (cte) {
    const lead = text.length - text.trimStart().length;
    return { sql: `${text.slice(lead, cte.end)}\nselect * from ${quoteIfNeeded(cte.name)}`, startLine: lineOf(text, lead), what: `CTE ${cte.name}` };
  }
  const lead = text.length - text.trimStart().length;
  return { sql: stripSemicolon(text.trim()), startLine: lineOf(text, lead), what: 'file' };
}

function quoteIfNeeded(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** dbt wraps the query in a subquery for --limit; a trailing semicolon would break it. */
function stripSemicolon(sql: string): string {
  return sql.replace(/;\s*$/, '');
}
