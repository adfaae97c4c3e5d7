// Line numbers inside dbt schema YAML files, on top of yamlPositions'
// entities: where an entry is declared (code lens) and where a generic test
// sits under its model or column (test tree "open definition", Problems).
// Pure; lines are 0-based.
import { yamlEntities, type YamlEntity, type YamlEntityKind } from './yamlPositions';

/** 0-based line of each offset, computed once per text. */
export function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
}

export interface EntryLine {
  kind: YamlEntityKind;
  name: string;
  line: number;
}

/** Top-level entries (models, seeds, snapshots, unit tests, ...) with their lines; no columns. */
export function entryLines(text: string): EntryLine[] {
  const lineOf = lineIndex(text);
  return yamlEntities(text)
    .filter((e) => e.parent === null)
    .map((e) => ({ kind: e.kind, name: e.name, line: lineOf(e.nameStart) }));
}

export interface GenericTestQuery {
  /** The model, seed, snapshot or source table the test is attached to. */
  attachedName: string;
  /** For source tests: the source's name. */
  sourceName?: string;
  columnName?: string | null;
  /** The generic test's name: unique, not_null, accepted_values, or a custom or package test. */
  testName: string;
}

const ATTACHABLE: YamlEntityKind[] = ['model', 'seed', 'snapshot'];

/**
 * A schema file's text, parsed once for many look-ups: a Testing view sync
 * locates every test of a file, and a schema file of a large project holds
 * thousands (parsing it per test made a sync at 3,000 models take minutes).
 */
export class SchemaFile {
  private parsed: { entries: Map<string, YamlEntity[]>; columns: Map<YamlEntity, YamlEntity[]>; lineOf: (offset: number) => number; lines: string[] } | undefined;

  constructor(readonly text: string) {}

  /** Entries by kind and name, columns by the entry (not the version) they belong to, in file order. */
  private index(): NonNullable<SchemaFile['parsed']> {
    if (this.parsed) return this.parsed;
    const entries = new Map<string, YamlEntity[]>();
    const columns = new Map<YamlEntity, YamlEntity[]>();
    const push = <K>(map: Map<K, YamlEntity[]>, key: K, e: YamlEntity) => (map.get(key) ?? map.set(key, []).get(key)!).push(e);
    for (const e of yamlEntities(this.text)) {
      if (e.kind !== 'column') push(entries, `${e.kind}:${e.name}`, e);
      else if (e.parent) push(columns, e.parent.kind === 'version' && e.parent.parent ? e.parent.parent : e.parent, e);
    }
    return (this.parsed = { entries, columns, lineOf: lineIndex(this.text), lines: this.text.split('\n') });
  }

  /** See locateGenericTest. */
  genericTestLine(q: GenericTestQuery): number | undefined {
    const { entries, columns, lineOf, lines } = this.index();
    const entry = q.sourceName
      ? entries.get(`source-table:${q.attachedName}`)?.find((e) => e.parent?.name === q.sourceName)
      : ATTACHABLE.flatMap((kind) => entries.get(`${kind}:${q.attachedName}`)?.[0] ?? []).sort((a, b) => a.nameStart - b.nameStart)[0];
    if (!entry) return undefined;
    const column = q.columnName ? columns.get(entry)?.find((c) => c.name === q.columnName) : undefined;
    const anchorLine = lineOf((column ?? entry).nameStart);
    return testItemLine(lines, anchorLine, q.testName) ?? anchorLine;
  }

  /** See locateEntry. */
  entryLine(kind: YamlEntityKind, name: string): number | undefined {
    const { entries, lineOf } = this.index();
    const e = entries.get(`${kind}:${name}`)?.[0];
    return e ? lineOf(e.nameStart) : undefined;
  }
}

/**
 * The line of a generic test's declaration: the `- <test>` item under the
 * column's (or the entry's own) `data_tests:`/`tests:`; else the column's
 * line; else the entry's line. Undefined when the entry is not in this text.
 */
export function locateGenericTest(text: string, q: GenericTestQuery): number | undefined {
  return new SchemaFile(text).genericTestLine(q);
}

/** The `- name: x` line of a unit test (or any top-level entry kind) in this text. */
export function locateEntry(text: string, kind: YamlEntityKind, name: string): number | undefined {
  return new SchemaFile(text).entryLine(kind, name);
}

/**
 * Scans the YAML item whose `name:` key is on `anchorLine` (its keys share
 * that indentation) for a `data_tests:`/`tests:` key, then for a list item
 * naming the test (`- unique`, `- accepted_values:`, `- dbt_utils.x:`).
 */
function testItemLine(lines: string[], anchorLine: number, testName: string): number | undefined {
  const keyIndent = indentOf(lines[anchorLine]!.replace(/^(\s*)-\s/, '$1  '));
  let inTests = false;
  for (let i = anchorLine + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*(#.*)?$/.test(line)) continue;
    const indent = indentOf(line);
    if (indent < keyIndent || (indent === keyIndent && /^\s*-\s/.test(line))) break;
    if (indent === keyIndent) {
      inTests = /^\s*(data_tests|tests)\s*:/.test(line);
      continue;
    }
    if (!inTests) continue;
    const m = /^\s*-\s*["']?([\w.]+)["']?\s*(?::|$)/.exec(line);
    if (m && sameTestName(m[1]!, testName)) return i;
  }
  return undefined;
}

function indentOf(line: string): number {
  return /^ */.exec(line)![0].length;
}

/** `dbt_utils.expression_is_true` matches `expression_is_true`. */
function sameTestName(declared: string, testName: string): boolean {
  return declared === testName || declared.endsWith(`.${testName}`) || testName.endsWith(`.${declared}`);
}
