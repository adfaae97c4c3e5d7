// What is under the cursor in dbt SQL/Jinja (and Jinja inside YAML): the
// `ref`, `source`, `doc` and macro calls of a text, with offsets. Pure text
// logic, no dbt and no editor. A small tokenizer instead of regexes so that
// quotes, nested calls, keyword arguments and half-typed code are handled.
import { TextMemo } from './textMemo';

/** A `{{ ... }}`, `{% ... %}` or (YAML) bare `ref(...)` stretch of text; offsets of its content. */
export interface JinjaRegion {
  start: number;
  end: number;
  kind: 'expression' | 'statement' | 'bare';
  /** False while the user is still typing it (no `}}` / `%}` yet). */
  closed: boolean;
}

export interface Token {
  type: 'ident' | 'string' | 'number' | 'punct';
  /** Identifier or punctuation text; for strings, the content without quotes. */
  value: string;
  start: number;
  end: number;
  /** Strings only: the closing quote is there. */
  terminated: boolean;
}

export interface CallArg {
  /** The literal value (string or number as text), null when the argument is an expression. */
  value: string | null;
  /** Keyword name for `v=2`, null for positional arguments. */
  keyword: string | null;
  /** Offsets of the literal token (quotes included); of the whole argument when it is not a literal. */
  start: number;
  end: number;
}

export interface JinjaCall {
  name: string;
  /** `dbt_utils` in `dbt_utils.star(`; null for a plain call. */
  namespace: string | null;
  /** Start of the namespace (or name) and end of the name. */
  nameStart: number;
  nameEnd: number;
  args: CallArg[];
  /** Offset after the closing parenthesis, or the end of the region when it is missing. */
  end: number;
  /** The closing parenthesis is there (false while the call is being typed). */
  closed: boolean;
  /** `{% macro name(` / `{% test name(`: a definition, not a call. */
  definition: 'macro' | 'test' | null;
  /** A method or filter call (`x.items()`, `| replace(`): never a macro. */
  method: boolean;
}

export type DbtReference =
  | { kind: 'ref'; name: string; package: string | null; version: string | null; nameStart: number; nameEnd: number; start: number; end: number; complete: boolean }
  | {
      kind: 'source';
      sourceName: string;
      tableName: string;
      sourceStart: number;
      sourceEnd: number;
      tableStart: number;
      tableEnd: number;
      start: number;
      end: number;
      /** The call is closed and its names are terminated strings (not still being typed). */
      complete: boolean;
    }
  | { kind: 'doc'; name: string; package: string | null; nameStart: number; nameEnd: number; start: number; end: number }
  | { kind: 'macro'; name: string; namespace: string | null; nameStart: number; nameEnd: number; start: number; end: number; definition: boolean };

export interface ScanOptions {
  /** YAML files: also read bare `ref('x')` / `source('a','b')` outside `{{ }}` (tests' `to:`, exposures' `depends_on`). */
  yaml?: boolean;
}

/** Calls that are Jinja or dbt context functions, never macros. */
const NOT_MACROS = new Set([
  'ref', 'source', 'doc', 'config', 'var', 'env_var', 'return', 'log', 'print', 'range', 'dict', 'list', 'zip',
  'namespace', 'caller', 'super', 'load_result', 'fromjson', 'tojson', 'fromyaml', 'toyaml', 'set', 'lipsum',
  'cycler', 'joiner', 'local_md5', 'metric', 'store_result', 'store_raw_result', 'write', 'render', 'exceptions',
  'if', 'for', 'in', 'not', 'and', 'or', 'is', 'macro', 'call', 'filter', 'test',
]);

/** Context objects whose methods look like `pkg.macro(` but are not macros. */
const NOT_NAMESPACES = new Set(['adapter', 'modules', 'exceptions', 'api', 'target', 'this', 'model', 'graph', 'config', 'context', 'builtins', 'flags', 'loop', 'caller', 'self']);

/** Skips a quoted string starting at `i`; returns the offset after it (or of the end of line when unterminated). */
function skipString(text: string, i: number, limit: number): { end: number; terminated: boolean } {
  const quote = text[i];
  let j = i + 1;
  while (j < limit) {
    const c = text[j];
    if (c === '\\') {
      j += 2;
      continue;
    }
    if (c === quote) return { end: j + 1, terminated: true };
    if (c === '\n') return { end: j, terminated: false };
    j++;
  }
  return { end: limit, terminated: false };
}

/** The Jinja regions of a text, in order. Comments and `{% raw %}` blocks are skipped. */
export function jinjaRegions(text: string, options: ScanOptions = {}): JinjaRegion[] {
  const regions: JinjaRegion[] = [];
  let i = 0;
  for (;;) {
    const open = text.indexOf('{', i);
    if (open < 0 || open + 1 >= text.length) break;
    const c = text[open + 1];
    if (c === '#') {
      const close = text.indexOf('#}', open + 2);
      i = close < 0 ? text.length : close + 2;
      continue;
    }
    if (c !== '{' && c !== '%') {
      i = open + 1;
      continue;
    }
    let start = open + 2;
    if (text[start] === '-' || text[start] === '+') start++;
    let j = start;
    let end = -1;
    let closed = false;
    while (j < text.length) {
      const ch = text[j];
      if (ch === '"' || ch === "'") {
        j = skipString(text, j, text.length).end;
        continue;
      }
      if ((ch === '}' || ch === '%') && ch === (c === '{' ? '}' : '%') && text[j + 1] === '}') {
        end = j;
        closed = true;
        break;
      }
      // Another opener before our closer: this one is unterminated (being typed).
      if (ch === '{' && (text[j + 1] === '{' || text[j + 1] === '%')) {
        end = j;
        break;
      }
      j++;
    }
    if (end < 0) end = text.length;
    const contentEnd = closed && (text[end - 1] === '-' || text[end - 1] === '+') && end - 1 >= start ? end - 1 : end;
    const kind = c === '{' ? 'expression' : 'statement';
    regions.push({ start, end: contentEnd, kind, closed });
    i = closed ? end + 2 : end;
    if (kind === 'statement' && /^\s*raw\s*$/.test(text.slice(start, contentEnd))) {
      const endraw = /\{%-?\s*endraw\s*-?%\}/g;
      endraw.lastIndex = i;
      const m = endraw.exec(text);
      i = m ? m.index + m[0].length : text.length;
    }
  }
  if (options.yaml) addBareRegions(text, regions);
  return regions;
}

/** YAML: `to: ref('customers')` and `- ref('orders')` are Jinja without braces. */
function addBareRegions(text: string, regions: JinjaRegion[]): void {
  const braced = regions.slice();
  const re = /\b(?:ref|source)\s*\(/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const at = m.index;
    if (braced.some((r) => at >= r.start && at <= r.end)) continue;
    let lineEnd = text.indexOf('\n', at);
    if (lineEnd < 0) lineEnd = text.length;
    regions.push({ start: at, end: lineEnd, kind: 'bare', closed: true });
    re.lastIndex = lineEnd;
  }
  regions.sort((a, b) => a.start - b.start);
}

/** Tokens of text[start, end). */
export function tokenize(text: string, start: number, end: number): Token[] {
  const tokens: Token[] = [];
  let i = start;
  while (i < end) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '"' || c === "'") {
      const s = skipString(text, i, end);
      const inner = text.slice(i + 1, s.terminated ? s.end - 1 : s.end);
      tokens.push({ type: 'string', value: inner.includes('\\') ? inner.replace(/\\(.)/g, '$1') : inner, start: i, end: s.end, terminated: s.terminated });
      i = s.end;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < end && /[A-Za-z0-9_]/.test(text[j])) j++;
      tokens.push({ type: 'ident', value: text.slice(i, j), start: i, end: j, terminated: true });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < end && /[0-9.]/.test(text[j])) j++;
      tokens.push({ type: 'number', value: text.slice(i, j), start: i, end: j, terminated: true });
      i = j;
    } else {
      tokens.push({ type: 'punct', value: c, start: i, end: i + 1, terminated: true });
      i++;
    }
  }
  return tokens;
}

function isPunct(t: Token | undefined, value: string): boolean {
  return t !== undefined && t.type === 'punct' && t.value === value;
}

/** Reads the argument list starting after the `(` at tokens[open]; returns the args and the index of `)` (or -1). */
function readArgs(tokens: Token[], open: number): { args: CallArg[]; close: number } {
  const args: CallArg[] = [];
  let depth = 0;
  let current: Token[] = [];
  const flush = () => {
    if (current.length === 0) return;
    const first = current[0];
    const last = current[current.length - 1];
    if (current.length === 1 && (first.type === 'string' || first.type === 'number')) {
      args.push({ value: first.value, keyword: null, start: first.start, end: first.end });
    } else if (current.length === 3 && first.type === 'ident' && isPunct(current[1], '=') && (last.type === 'string' || last.type === 'number')) {
      args.push({ value: last.value, keyword: first.value, start: last.start, end: last.end });
    } else {
      const keyword = current.length > 2 && first.type === 'ident' && isPunct(current[1], '=') ? first.value : null;
      args.push({ value: null, keyword, start: first.start, end: last.end });
    }
    current = [];
  };
  for (let k = open + 1; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.type === 'punct' && (t.value === '(' || t.value === '[' || t.value === '{')) depth++;
    if (t.type === 'punct' && (t.value === ')' || t.value === ']' || t.value === '}')) {
      if (depth === 0) {
        flush();
        return { args, close: k };
      }
      depth--;
    }
    if (depth === 0 && isPunct(t, ',')) flush();
    else current.push(t);
  }
  flush();
  return { args, close: -1 };
}

/** Every call (`name(`) in one region. */
function callsInRegion(text: string, region: JinjaRegion): JinjaCall[] {
  const tokens = tokenize(text, region.start, region.end);
  const calls: JinjaCall[] = [];
  for (let k = 0; k < tokens.length - 1; k++) {
    const t = tokens[k];
    if (t.type !== 'ident' || !isPunct(tokens[k + 1], '(')) continue;
    const prev = tokens[k - 1];
    let namespace: string | null = null;
    let method = isPunct(prev, '|');
    if (isPunct(prev, '.')) {
      const owner = tokens[k - 2];
      if (owner?.type === 'ident' && !isPunct(tokens[k - 3], '.') && !NOT_NAMESPACES.has(owner.value)) namespace = owner.value;
      else method = true;
    }
    const definition = region.kind === 'statement' && prev?.type === 'ident' && (prev.value === 'macro' || prev.value === 'test') ? prev.value : null;
    const { args, close } = readArgs(tokens, k + 1);
    calls.push({
      name: t.value,
      namespace,
      nameStart: namespace !== null ? tokens[k - 2].start : t.start,
      nameEnd: t.end,
      args,
      end: close >= 0 ? tokens[close].end : region.end,
      closed: close >= 0,
      definition,
      method,
    });
  }
  return calls;
}

/** Every call in the text, in order. */
export function jinjaCalls(text: string, options: ScanOptions = {}): JinjaCall[] {
  const out: JinjaCall[] = [];
  for (const region of jinjaRegions(text, options)) out.push(...callsInRegion(text, region));
  return out;
}

/** A call's positional string arguments, or null when one of them is not a literal (dynamic: cannot be checked). */
function positionalLiterals(call: JinjaCall): CallArg[] | null {
  const positional = call.args.filter((a) => a.keyword === null);
  if (positional.some((a) => a.value === null)) return null;
  return positional;
}

/** Interprets a call as a dbt reference, or null (dynamic arguments, method calls, Jinja builtins). */
export function toReference(call: JinjaCall): DbtReference | null {
  const start = call.nameStart;
  const end = call.end;
  if (call.namespace === null && !call.method) {
    if (call.name === 'ref') {
      const pos = positionalLiterals(call);
      if (!pos || pos.length < 1 || pos.length > 2) return null;
      const nameArg = pos[pos.length - 1];
      const versionArg = call.args.find((a) => a.keyword === 'v' || a.keyword === 'version');
      return {
        kind: 'ref',
        name: nameArg.value ?? '',
        package: pos.length === 2 ? pos[0].value : null,
        version: versionArg?.value ?? null,
        nameStart: nameArg.start,
        nameEnd: nameArg.end,
        start,
        end,
        complete: call.closed,
      };
    }
    if (call.name === 'source') {
      const pos = positionalLiterals(call);
      if (!pos || pos.length !== 2) return null;
      return {
        kind: 'source',
        sourceName: pos[0].value ?? '',
        tableName: pos[1].value ?? '',
        sourceStart: pos[0].start,
        sourceEnd: pos[0].end,
        tableStart: pos[1].start,
        tableEnd: pos[1].end,
        start,
        end,
        complete: call.closed,
      };
    }
    if (call.name === 'doc') {
      const pos = positionalLiterals(call);
      if (!pos || pos.length < 1 || pos.length > 2) return null;
      const nameArg = pos[pos.length - 1];
      return { kind: 'doc', name: nameArg.value ?? '', package: pos.length === 2 ? pos[0].value : null, nameStart: nameArg.start, nameEnd: nameArg.end, start, end };
    }
  }
  if (call.method || (call.namespace === null && NOT_MACROS.has(call.name))) return null;
  // `{% test not_null(model) %}` defines the macro test_not_null.
  const name = call.definition === 'test' ? `test_${call.name}` : call.name;
  return { kind: 'macro', name, namespace: call.namespace, nameStart: call.nameStart, nameEnd: call.nameEnd, start, end, definition: call.definition !== null };
}

const scannedSql = new TextMemo<DbtReference[]>();
const scannedYaml = new TextMemo<DbtReference[]>();

/** All dbt references in a text, in order. The result is shared (memoized): do not change it. */
export function dbtReferences(text: string, options: ScanOptions = {}): DbtReference[] {
  return options.yaml ? scannedYaml.get(text, (t) => scanReferences(t, options)) : scannedSql.get(text, (t) => scanReferences(t, options));
}

function scanReferences(text: string, options: ScanOptions): DbtReference[] {
  const out: DbtReference[] = [];
  for (const region of jinjaRegions(text, options)) {
    for (const call of callsInRegion(text, region)) {
      const ref = toReference(call);
      if (ref) out.push(ref);
    }
  }
  return out;
}

/** The reference under the cursor (the innermost call around `offset`), or null. */
export function referenceAt(text: string, offset: number, options: ScanOptions = {}): DbtReference | null {
  let best: DbtReference | null = null;
  for (const r of dbtReferences(text, options)) {
    if (offset < r.start || offset > r.end) continue;
    if (!best || r.end - r.start < best.end - best.start) best = r;
  }
  return best;
}

export type CompletionContext =
  | { kind: 'ref'; package: string | null; prefix: string; replaceStart: number; replaceEnd: number }
  | { kind: 'source-name'; prefix: string; replaceStart: number; replaceEnd: number }
  | { kind: 'source-table'; sourceName: string; prefix: string; replaceStart: number; replaceEnd: number }
  | { kind: 'doc'; package: string | null; prefix: string; replaceStart: number; replaceEnd: number }
  | { kind: 'macro'; namespace: string | null; prefix: string; replaceStart: number; replaceEnd: number };

/** Tokens that may come right before the start of an expression (where a macro call can begin). */
const EXPRESSION_STARTS = new Set(['(', ',', '=', '~', '+', '-', '*', '/', '[', '{', ':']);
const KEYWORDS_BEFORE_EXPRESSION = new Set(['if', 'elif', 'and', 'or', 'not', 'in', 'return', 'else', 'call', 'do']);

/** What completion should offer at `offset`, or null when nothing dbt-specific fits there. */
export function completionContextAt(text: string, offset: number, options: ScanOptions = {}): CompletionContext | null {
  const region = jinjaRegions(text.slice(0, offset), options).find((r) => r.start <= offset && offset <= r.end && (r.end === offset || !r.closed));
  if (!region) return null;
  const tokens = tokenize(text, region.start, offset);
  const last = tokens[tokens.length - 1];
  let identAfter = offset;
  while (identAfter < text.length && /[A-Za-z0-9_.-]/.test(text[identAfter])) identAfter++;

  if (last && last.type === 'string' && !last.terminated && last.end === offset) {
    const call = enclosingCall(tokens);
    if (!call) return null;
    const replaceStart = last.start + 1;
    const range = { prefix: last.value, replaceStart, replaceEnd: identAfter };
    const positional = call.args;
    if (call.keyword) return null;
    const first = positional[0] ?? null;
    if (call.name === 'ref' && call.namespace === null) {
      if (call.index === 0) return { kind: 'ref', package: null, ...range };
      if (call.index === 1 && first !== null) return { kind: 'ref', package: first, ...range };
    } else if (call.name === 'source' && call.namespace === null) {
      if (call.index === 0) return { kind: 'source-name', ...range };
      if (call.index === 1 && first !== null) return { kind: 'source-table', sourceName: first, ...range };
    } else if (call.name === 'doc' && call.namespace === null) {
      if (call.index === 0) return { kind: 'doc', package: null, ...range };
      if (call.index === 1 && first !== null) return { kind: 'doc', package: first, ...range };
    }
    return null;
  }
  if (region.kind === 'bare') return null;

  // A macro name being typed: an identifier ending at the cursor, or the start of an expression.
  let k = tokens.length - 1;
  let prefix = '';
  let replaceStart = offset;
  if (last && last.type === 'ident' && last.end === offset) {
    prefix = last.value;
    replaceStart = last.start;
    k--;
  } else if (last && (last.type === 'string' || last.type === 'number')) {
    return null;
  }
  const before = tokens[k];
  if (isPunct(before, '.')) {
    const owner = tokens[k - 1];
    if (owner?.type !== 'ident' || isPunct(tokens[k - 2], '.') || NOT_NAMESPACES.has(owner.value)) return null;
    return { kind: 'macro', namespace: owner.value, prefix, replaceStart, replaceEnd: identAfter };
  }
  const canStart =
    before === undefined ||
    (before.type === 'punct' && EXPRESSION_STARTS.has(before.value)) ||
    (before.type === 'ident' && KEYWORDS_BEFORE_EXPRESSION.has(before.value));
  if (!canStart) return null;
  return { kind: 'macro', namespace: null, prefix, replaceStart, replaceEnd: identAfter };
}

/** The innermost open call at the end of `tokens`, the index of the argument being typed and the literal positional values before it. */
function enclosingCall(tokens: Token[]): { name: string; namespace: string | null; index: number; args: (string | null)[]; keyword: boolean } | null {
  interface Frame {
    name: string;
    namespace: string | null;
    index: number;
    args: (string | null)[];
    argTokens: Token[];
    isCall: boolean;
  }
  const stack: Frame[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    const top = stack[stack.length - 1];
    if (t.type === 'punct' && (t.value === '(' || t.value === '[' || t.value === '{')) {
      const callee = tokens[k - 1];
      const isCall = t.value === '(' && callee?.type === 'ident';
      const namespace = isCall && isPunct(tokens[k - 2], '.') && tokens[k - 3]?.type === 'ident' ? tokens[k - 3].value : null;
      if (top) top.argTokens.push(t);
      stack.push({ name: isCall ? callee.value : '', namespace, index: 0, args: [], argTokens: [], isCall });
      continue;
    }
    if (t.type === 'punct' && (t.value === ')' || t.value === ']' || t.value === '}')) {
      stack.pop();
      continue;
    }
    if (!top) continue;
    if (isPunct(t, ',')) {
      const a = top.argTokens;
      top.args.push(a.length === 1 && a[0].type === 'string' ? a[0].value : null);
      top.argTokens = [];
      top.index++;
      continue;
    }
    top.argTokens.push(t);
  }
  const top = stack[stack.length - 1];
  if (!top || !top.isCall) return null;
  // The argument being typed is `top.argTokens`, ending with the open string.
  const keyword = top.argTokens.length >= 3 && isPunct(top.argTokens[top.argTokens.length - 2], '=');
  if (top.argTokens.length !== 1 && !keyword) return null;
  return { name: top.name, namespace: top.namespace, index: top.index, args: top.args, keyword };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Offset of `{% macro name(` (or `{% test x(` for `test_x`) in a macro file, or null. */
export function findMacroDefinition(text: string, macroName: string): number | null {
  const names = [macroName];
  if (macroName.startsWith('test_')) names.push(macroName.slice(5));
  for (const [i, name] of names.entries()) {
    const keyword = i === 0 ? 'macro' : 'test';
    const re = new RegExp(`\\{%[-+]?\\s*${keyword}\\s+(${escapeRegExp(name)})\\s*\\(`);
    const m = re.exec(text);
    if (m) return m.index + m[0].indexOf(m[1], m[0].indexOf(keyword) + keyword.length);
  }
  return null;
}

/** Offset of the name in `{% docs name %}`, or null. */
export function findDocsBlock(text: string, docName: string): number | null {
  const re = new RegExp(`\\{%[-+]?\\s*docs\\s+(${escapeRegExp(docName)})\\s*[-+]?%\\}`);
  const m = re.exec(text);
  return m ? m.index + m[0].indexOf(m[1], m[0].indexOf('docs') + 4) : null;
}
