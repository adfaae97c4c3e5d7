// Which line of a model's source produced each line of its compiled SQL
// (and back). Used to put a database error, which names a line of the
// compiled SQL, on the source line a person can edit; and to jump from a
// compiled line to its source. Pure text work, no dbt needed.
//
// How: the source is cut into lines of literal SQL and Jinja tags. Literal
// text reaches the compiled SQL unchanged, so source and compiled lines are
// aligned like a diff (a line with {{ }} matches the compiled line that has
// its literal parts around any text; a macro that expands to several lines
// matches a run of lines from its literal prefix to its suffix). Compiled
// lines left over (a loop's repeats, a macro's inner lines) belong to the
// Jinja between the aligned lines around them. The CTEs dbt injects for
// ephemeral models (`with __dbt__cte__x as (...)`) belong to the ref() that
// pulled them in. Where no line can be named, the answer is undefined, and
// callers fall back to firstSqlLine().

export interface SourceOfLine {
  /** 0-based line of the source. */
  line: number;
  /**
   * `line`: the compiled line is that source line (Jinja on it filled in);
   * `jinja`: Jinja on that line produced it (a macro's lines, a loop's output);
   * `injected`: part of an ephemeral model's CTE; `line` is the ref() to it.
   */
  how: 'line' | 'jinja' | 'injected';
  /** For injected lines: the ephemeral model's name. */
  ephemeral?: string;
}

type Part = { kind: 'lit'; text: string } | { kind: 'tag'; expr: boolean };

interface SourceLine {
  parts: Part[];
  /** blank; literal (no Jinja); expr (has {{ }} or inline tags with literal text); control (only {% %}/{# #} tags or inside a multi-line tag). */
  kind: 'blank' | 'literal' | 'expr' | 'control';
  norm: string;
  pattern?: RegExp;
  prefix: string;
  suffix: string;
}

/** Above this many line pairs the alignment is not attempted (memory); every answer is then undefined. */
const MAX_CELLS = 4_000_000;
/** The longest run of compiled lines one source line's macro may produce. */
const MAX_SPAN = 200;

export class CompiledLineMap {
  private readonly toSource: (SourceOfLine | undefined)[];

  constructor(source: string, compiled: string) {
    const src = sourceLines(source);
    const out = compiled.split(/\r?\n/);
    const injected = injectedCtes(out);
    const text = out.map((l, i) => injected.remainder.get(i) ?? l);
    const usable = out.map((_, i) => !injected.lines.has(i));
    this.toSource = new Array<SourceOfLine | undefined>(out.length).fill(undefined);
    if (src.length * out.length <= MAX_CELLS) {
      align(src, text, usable, this.toSource);
      attributeLeftovers(src, text, usable, this.toSource);
    }
    const sourceLinesText = source.split(/\r?\n/);
    for (const [i, name] of injected.lines) {
      const ref = sourceLinesText.findIndex((l) => new RegExp(`ref\\(\\s*['"]${name}['"]`).test(l));
      this.toSource[i] = { line: ref >= 0 ? ref : firstSqlLine(source), how: 'injected', ephemeral: name };
    }
  }

  /** The source line that produced 0-based compiled line `compiledLine`; undefined when it cannot be told. */
  sourceLine(compiledLine: number): SourceOfLine | undefined {
    return this.toSource[compiledLine];
  }

  /** The compiled lines (0-based, ascending) that 0-based source line `sourceLine` produced. */
  compiledLines(sourceLine: number): number[] {
    const out: number[] = [];
    this.toSource.forEach((s, i) => {
      if (s && s.line === sourceLine && s.how !== 'injected') out.push(i);
    });
    return out;
  }
}

/** The first line of a model that is SQL (not blank, not a comment, not only Jinja such as config()), 0-based; 0 when there is none. */
export function firstSqlLine(source: string): number {
  const lines = sourceLines(source);
  const raw = source.split(/\r?\n/);
  let inBlockComment = false;
  for (let i = 0; i < lines.length; i++) {
    const text = raw[i].trim();
    if (inBlockComment) {
      if (text.includes('*/')) inBlockComment = false;
      continue;
    }
    if (text.startsWith('/*') && !text.includes('*/')) {
      inBlockComment = true;
      continue;
    }
    const line = lines[i];
    if (line.kind === 'blank' || line.kind === 'control') continue;
    const literal = line.parts.filter((p): p is Extract<Part, { kind: 'lit' }> => p.kind === 'lit').map((p) => p.text).join('').trim();
    if (literal === '' || literal.startsWith('--') || /^\/\*.*\*\/$/.test(literal)) continue;
    return i;
  }
  return 0;
}

// ---- the source, line by line ----

const OPENERS: Record<string, string> = { '{{': '}}', '{%': '%}', '{#': '#}' };

function sourceLines(source: string): SourceLine[] {
  const lines: Part[][] = [[]];
  const continuation = new Set<number>();
  let i = 0;
  const pushLit = (text: string) => {
    const pieces = text.split(/\r?\n/);
    pieces.forEach((piece, k) => {
      if (k > 0) lines.push([]);
      if (piece !== '') lines[lines.length - 1].push({ kind: 'lit', text: piece });
    });
  };
  while (i < source.length) {
    const open = /\{[{%#]/g;
    open.lastIndex = i;
    const m = open.exec(source);
    if (!m) {
      pushLit(source.slice(i));
      break;
    }
    pushLit(source.slice(i, m.index));
    const close = source.indexOf(OPENERS[m[0]], m.index + 2);
    const end = close < 0 ? source.length : close + 2;
    lines[lines.length - 1].push({ kind: 'tag', expr: m[0] === '{{' });
    // A tag over several lines: its later lines hold no literal text.
    const newlines = source.slice(m.index, end).split('\n').length - 1;
    for (let k = 0; k < newlines; k++) {
      lines.push([]);
      continuation.add(lines.length - 1);
    }
    i = end;
  }
  return lines.map((parts, n) => describe(parts, continuation.has(n)));
}

function describe(parts: Part[], inTag: boolean): SourceLine {
  const lits = parts.filter((p): p is Extract<Part, { kind: 'lit' }> => p.kind === 'lit');
  const literal = lits.map((p) => p.text).join('');
  const tags = parts.filter((p) => p.kind === 'tag');
  const norm = normalise(literal);
  const base = { parts, norm, prefix: '', suffix: '' };
  if (tags.length === 0 && !inTag) return { ...base, kind: norm === '' ? 'blank' : 'literal' };
  const hasExpr = tags.some((t) => t.kind === 'tag' && t.expr);
  if (inTag || (!hasExpr && norm === '')) return { ...base, kind: 'control' };
  const first = parts[0];
  const last = parts[parts.length - 1];
  // Literal text next to an inline {% if %} / {% else %} may be the branch not taken: optional.
  const isStmt = (p: Part | undefined) => p?.kind === 'tag' && !p.expr;
  const pattern = new RegExp(
    `^${parts
      .map((p, k) => {
        if (p.kind === 'tag') return '.*?';
        const lit = `\\s*${escape(normalise(p.text)).replace(/ /g, '\\s+')}\\s*`;
        return isStmt(parts[k - 1]) || isStmt(parts[k + 1]) ? `(?:${lit})?` : lit;
      })
      .join('')}$`,
  );
  return {
    ...base,
    kind: 'expr',
    pattern,
    prefix: first?.kind === 'lit' ? normalise(first.text) : '',
    suffix: last?.kind === 'lit' ? normalise(last.text) : '',
  };
}

function normalise(s: string): string {
  return s.trim().replace(/\s+/g, ' ');
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---- ephemeral CTEs dbt injected ----

/**
 * The lines of CTEs dbt injected at the top (`with __dbt__cte__a as (...),
 * __dbt__cte__b as (...) <the model's own SQL>`), by ephemeral model name;
 * and for the line where the injection ends, the model's own text after it.
 */
function injectedCtes(lines: string[]): { lines: Map<number, string>; remainder: Map<number, string> } {
  const result = { lines: new Map<number, string>(), remainder: new Map<number, string>() };
  const text = lines.join('\n');
  const start = /\bwith\s+(?=__dbt__cte__\w+\s+as\s*\()/i.exec(text);
  if (!start) return result;
  let pos = start.index + start[0].length;
  const spans: { name: string; from: number; to: number }[] = [];
  for (;;) {
    const cte = /^__dbt__cte__(\w+)\s+as\s*\(/i.exec(text.slice(pos));
    if (!cte) break;
    const close = matchingParen(text, pos + cte[0].length - 1);
    if (close < 0) return result;
    spans.push({ name: cte[1], from: pos, to: close + 1 });
    const sep = /^\s*,\s*/.exec(text.slice(close + 1));
    if (!sep || !/^__dbt__cte__/i.test(text.slice(close + 1 + sep[0].length))) {
      pos = close + 1 + (sep ? sep[0].length : (/^ ?/.exec(text.slice(close + 1))?.[0].length ?? 0));
      break;
    }
    pos = close + 1 + sep[0].length;
  }
  if (spans.length === 0) return result;
  const lineAt = (offset: number) => text.slice(0, offset).split('\n').length - 1;
  const endLine = lineAt(pos);
  for (const s of spans) for (let l = lineAt(s.from); l <= lineAt(s.to - 1); l++) result.lines.set(l, s.name);
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  const rest = text.slice(pos, text.indexOf('\n', pos) < 0 ? undefined : text.indexOf('\n', pos));
  if (rest.trim() !== '') {
    result.lines.delete(endLine);
    result.remainder.set(endLine, ' '.repeat(Math.max(0, pos - lineStart)) + rest);
  } else {
    result.lines.set(endLine, spans[spans.length - 1].name);
  }
  return result;
}

/** Offset of the `)` closing the `(` at `open`, skipping quoted strings and comments; -1 when unbalanced. */
function matchingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) return -1;
      i = end;
    } else if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      if (end < 0) return -1;
      i = end;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

// ---- alignment ----

/** Weights: a literal line is the strongest evidence, a blank line the weakest; a macro's run of lines gains a little per line. */
const W = { literal: 4, loose: 3, expr: 3, perSpanLine: 0.1, blank: 0.05 };
const spanWeight = (k: number) => W.expr + W.perSpanLine * (k - 1);

function align(src: SourceLine[], out: string[], usable: boolean[], toSource: (SourceOfLine | undefined)[]): void {
  const n = src.length;
  const m = out.length;
  const normOut = out.map(normalise);
  const width = m + 1;
  // best[i * width + j]: the best score aligning src[i..] with out[j..].
  const best = new Float64Array((n + 1) * width);
  const single = (i: number, j: number): number => {
    if (!usable[j]) return 0;
    const s = src[i];
    const c = normOut[j];
    switch (s.kind) {
      case 'blank':
        return c === '' ? W.blank : 0;
      case 'literal':
        return c === s.norm ? W.literal : looseMatch(s.norm, c) ? W.loose : 0;
      case 'expr':
        // A line of Jinja alone ({{ config() }}, {{ a_macro() }}) could match anything: only a blank line here;
        // what it produced is placed with the leftovers.
        if (s.norm === '') return c === '' ? W.blank : 0;
        return s.pattern!.test(out[j]) ? W.expr : 0;
      default:
        return 0;
    }
  };
  const spanEnd = (i: number, j: number, k: number): boolean => {
    const s = src[i];
    if (s.kind !== 'expr' || (s.prefix === '' && s.suffix === '') || j + k > m) return false;
    for (let x = j; x < j + k; x++) if (!usable[x]) return false;
    // A first line that is the whole line already (a loop's repeats) needs no run of lines.
    return normOut[j].startsWith(s.prefix) && normOut[j + k - 1].endsWith(s.suffix) && !s.pattern!.test(out[j]);
  };
  for (let i = n; i >= 0; i--) {
    for (let j = m; j >= 0; j--) {
      if (i === n || j === m) continue;
      let v = Math.max(best[(i + 1) * width + j], best[i * width + j + 1]);
      const w = single(i, j);
      if (w > 0) v = Math.max(v, w + best[(i + 1) * width + j + 1]);
      if (src[i].kind === 'expr') {
        for (let k = 2; k <= MAX_SPAN && j + k <= m; k++) if (spanEnd(i, j, k)) v = Math.max(v, spanWeight(k) + best[(i + 1) * width + j + k]);
      }
      best[i * width + j] = v;
    }
  }
  // Walk forward along one best path.
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    const here = best[i * width + j];
    const w = single(i, j);
    if (w > 0 && near(here, w + best[(i + 1) * width + j + 1])) {
      toSource[j] = { line: i, how: 'line' };
      i++;
      j++;
      continue;
    }
    let spanned = false;
    if (src[i].kind === 'expr') {
      for (let k = 2; k <= MAX_SPAN && j + k <= m; k++) {
        if (spanEnd(i, j, k) && near(here, spanWeight(k) + best[(i + 1) * width + j + k])) {
          for (let x = j; x < j + k; x++) toSource[x] = { line: i, how: 'jinja' };
          i++;
          j += k;
          spanned = true;
          break;
        }
      }
    }
    if (spanned) continue;
    if (near(here, best[(i + 1) * width + j])) i++;
    else j++;
  }
}

function near(a: number, b: number): boolean {
  return Math.abs(a - b) < 1e-9;
}

/** The model's own line after an injected CTE: "), orders as (" for "with orders as (". */
function looseMatch(source: string, compiled: string): boolean {
  const c = compiled.replace(/^[),\s]+/, '');
  const s = source.replace(/^with\s+/i, '');
  return c !== '' && c === s && (c !== compiled || s !== source);
}

/**
 * Compiled lines the alignment left over: a repeat of a source line (a
 * loop's body) maps to that line; anything else to the Jinja between the
 * aligned lines around it: the first {{ }} line there (a macro on a line of
 * its own), else the aligned line before or after if it has {{ }}, else the
 * first {% %} line.
 */
function attributeLeftovers(src: SourceLine[], out: string[], usable: boolean[], toSource: (SourceOfLine | undefined)[]): void {
  const aligned = (s: SourceOfLine | undefined) => s !== undefined && s.how !== 'injected';
  for (let j = 0; j < out.length; j++) {
    if (toSource[j] || !usable[j]) continue;
    let prev = -1;
    for (let p = j - 1; p >= 0; p--) if (aligned(toSource[p])) { prev = toSource[p]!.line; break; }
    let next = src.length;
    for (let q = j + 1; q < out.length; q++) if (aligned(toSource[q])) { next = toSource[q]!.line; break; }
    const c = normalise(out[j]);
    if (c !== '') {
      // A repeated line of a loop body: the same literal text earlier in the source.
      for (let s = Math.min(next, src.length) - 1; s >= 0 && !toSource[j]; s--) {
        const line = src[s];
        if ((line.kind === 'literal' && line.norm === c) || (line.kind === 'expr' && line.norm !== '' && line.pattern!.test(out[j]))) toSource[j] = { line: s, how: 'line' };
      }
      if (toSource[j]) continue;
    }
    const between = (kind: SourceLine['kind']) => {
      for (let s = prev + 1; s < next; s++) if (src[s].kind === kind) return s;
      return undefined;
    };
    const isExpr = (s: number) => s >= 0 && s < src.length && src[s].kind === 'expr';
    const pick = between('expr') ?? (isExpr(prev) ? prev : undefined) ?? (isExpr(next) ? next : undefined) ?? between('control');
    if (pick !== undefined) toSource[j] = { line: pick, how: 'jinja' };
  }
}
