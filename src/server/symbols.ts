// Outline and folding, pure: the CTEs and the final select of a model, the
// macros (tests, materializations, snapshots, docs blocks) of a Jinja file,
// the models / columns / tests of a schema YAML file; folding ranges for
// Jinja blocks and CTE bodies. Offsets only; the server turns them into
// LSP ranges.
import { jinjaBlocks } from '../dbt/jinjaBlocks';
import { yamlEntities, type YamlEntity } from '../dbt/yamlPositions';

export type OutlineKind = 'cte' | 'select' | 'macro' | 'block' | 'model' | 'source' | 'table' | 'column' | 'test' | 'entry';

export interface OutlineSymbol {
  name: string;
  kind: OutlineKind;
  detail?: string;
  /** The whole construct. */
  start: number;
  end: number;
  /** Its name. */
  nameStart: number;
  nameEnd: number;
  children: OutlineSymbol[];
}

/** The text with Jinja, SQL comments and string literals blanked out (same length, newlines kept). */
export function maskSql(text: string): string {
  const out = text.split('');
  const blank = (from: number, to: number) => {
    for (let i = from; i < to && i < out.length; i++) if (out[i] !== '\n') out[i] = ' ';
  };
  let i = 0;
  while (i < text.length) {
    const two = text.slice(i, i + 2);
    let end = -1;
    if (two === '{{' || two === '{%' || two === '{#') {
      const close = text.indexOf(two === '{{' ? '}}' : two === '{%' ? '%}' : '#}', i + 2);
      end = close < 0 ? text.length : close + 2;
    } else if (two === '--') {
      const nl = text.indexOf('\n', i);
      end = nl < 0 ? text.length : nl;
    } else if (two === '/*') {
      const close = text.indexOf('*/', i + 2);
      end = close < 0 ? text.length : close + 2;
    } else if (text[i] === "'") {
      let j = i + 1;
      while (j < text.length && !(text[j] === "'" && text[j + 1] !== "'")) j += text[j] === "'" ? 2 : 1;
      end = j + 1;
    }
    if (end < 0) {
      i++;
      continue;
    }
    blank(i, end);
    i = end;
  }
  return out.join('');
}

interface SqlToken {
  value: string;
  lower: string;
  start: number;
  end: number;
}

function sqlTokens(masked: string): SqlToken[] {
  const out: SqlToken[] = [];
  const re = /[A-Za-z_][A-Za-z0-9_$]*|"[^"]*"|[(),;]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(masked)) !== null) out.push({ value: m[0], lower: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length });
  return out;
}

/** Index of the `)` matching the `(` at tokens[open], or -1. */
function matching(tokens: SqlToken[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    if (tokens[k]!.value === '(') depth++;
    else if (tokens[k]!.value === ')' && --depth === 0) return k;
  }
  return -1;
}

function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1) : name;
}

/** CTEs (`name as (...)`) of the first top-level WITH, and the final select; or the one top-level select. */
export function sqlOutline(text: string): OutlineSymbol[] {
  const masked = maskSql(text);
  const tokens = sqlTokens(masked);
  const out: OutlineSymbol[] = [];
  let k = tokens.findIndex((t) => t.lower === 'with' || t.lower === 'select');
  if (k < 0) return out;
  if (tokens[k]!.lower === 'with') {
    k++;
    if (tokens[k]?.lower === 'recursive') k++;
    for (;;) {
      const name = tokens[k];
      if (!name || name.value === '(' || name.value === ')') break;
      let j = k + 1;
      if (tokens[j]?.value === '(') j = matching(tokens, j) + 1; // column list
      if (j <= 0 || tokens[j]?.lower !== 'as') break;
      j++;
      if (tokens[j]?.lower === 'not') j++;
      if (tokens[j]?.lower === 'materialized') j++;
      if (tokens[j]?.value !== '(') break;
      const close = matching(tokens, j);
      const end = close < 0 ? text.length : tokens[close]!.end;
      out.push({ name: unquote(name.value), kind: 'cte', start: name.start, end, nameStart: name.start, nameEnd: name.end, children: [] });
      if (close < 0 || tokens[close + 1]?.value !== ',') {
        k = close < 0 ? tokens.length : close + 1;
        break;
      }
      k = close + 2;
    }
  }
  const final = tokens.slice(k).find((t) => t.lower === 'select');
  if (final) {
    const end = text.trimEnd().length;
    out.push({ name: out.length > 0 ? 'final select' : 'select', kind: 'select', start: final.start, end: Math.max(end, final.end), nameStart: final.start, nameEnd: final.end, children: [] });
  }
  return out;
}

const DEFINING_BLOCKS = new Set(['macro', 'test', 'materialization', 'snapshot', 'docs']);

/** Macros, generic tests, materializations, snapshots and docs blocks defined in a Jinja file. */
export function jinjaOutline(text: string): OutlineSymbol[] {
  const out: OutlineSymbol[] = [];
  for (const b of jinjaBlocks(text)) {
    if (!DEFINING_BLOCKS.has(b.keyword) || b.name === null) continue;
    const nameStart = text.indexOf(b.name, b.start);
    out.push({ name: b.name, kind: b.keyword === 'macro' ? 'macro' : 'block', detail: b.keyword, start: b.start, end: b.end, nameStart, nameEnd: nameStart + b.name.length, children: [] });
  }
  return out;
}

const YAML_KIND: Partial<Record<YamlEntity['kind'], OutlineKind>> = {
  model: 'model',
  seed: 'entry',
  snapshot: 'entry',
  source: 'source',
  'source-table': 'table',
  column: 'column',
  version: 'entry',
  data_test: 'test',
};

/** The named entries of a schema YAML file as a tree: models > columns > tests, sources > tables > columns. */
export function yamlOutline(text: string): OutlineSymbol[] {
  const roots: OutlineSymbol[] = [];
  const byEntity = new Map<YamlEntity, OutlineSymbol>();
  for (const e of yamlEntities(text)) {
    const kind = YAML_KIND[e.kind] ?? 'entry';
    const detail = e.kind === 'version' ? `version of ${e.parent?.name ?? ''}` : kind === 'entry' ? e.kind.replace('_', ' ') : undefined;
    const symbol: OutlineSymbol = { name: e.kind === 'version' ? `v${e.name}` : e.name, kind, detail, start: e.start, end: e.end, nameStart: e.nameStart, nameEnd: e.nameEnd, children: [] };
    byEntity.set(e, symbol);
    const parent = e.parent ? byEntity.get(e.parent) : undefined;
    if (parent) parent.children.push(symbol);
    else roots.push(symbol);
  }
  return roots;
}

/** Multi-line Jinja blocks and CTE bodies, as [startOffset, endOffset] pairs (the server folds by lines). */
export function foldingOffsets(text: string): [number, number][] {
  const out: [number, number][] = [];
  for (const b of jinjaBlocks(text)) if (b.closed) out.push([b.start, b.closeStart]);
  for (const s of sqlOutline(text)) if (s.kind === 'cte') out.push([s.nameStart, s.end - 1]);
  return out;
}
