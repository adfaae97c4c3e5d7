// Positions in dbt schema YAML files: which model, column, source or table
// name is under the cursor, and where `- name: x` is for a given entry.
// Pure; uses the `yaml` package's node ranges, and tolerates half-typed YAML
// (the parser recovers and still gives ranges for what it could read).
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode, type YAMLMap } from 'yaml';
import { TextMemo } from './textMemo';

export type YamlEntityKind =
  | 'model'
  | 'seed'
  | 'snapshot'
  | 'analysis'
  | 'macro'
  | 'exposure'
  | 'semantic_model'
  | 'metric'
  | 'saved_query'
  | 'unit_test'
  | 'source'
  | 'source-table'
  | 'column'
  | 'version'
  | 'data_test';

export interface YamlEntity {
  kind: YamlEntityKind;
  /** The name (for versions: the version, e.g. "2"). */
  name: string;
  /** Offsets of the name's scalar. */
  nameStart: number;
  nameEnd: number;
  /** Offsets of the whole item (its mapping; the scalar for a test given as `- unique`). */
  start: number;
  end: number;
  /** Columns: the model/table/version they belong to; tables: their source; versions: their model. */
  parent: YamlEntity | null;
}

/** Top-level keys of a schema file whose items are named entries. */
const TOP_LEVEL: Record<string, YamlEntityKind> = {
  models: 'model',
  seeds: 'seed',
  snapshots: 'snapshot',
  analyses: 'analysis',
  macros: 'macro',
  exposures: 'exposure',
  semantic_models: 'semantic_model',
  metrics: 'metric',
  saved_queries: 'saved_query',
  unit_tests: 'unit_test',
  sources: 'source',
};

function scalarValue(node: unknown): { value: string; start: number; end: number } | null {
  if (!isScalar(node) || !node.range) return null;
  const v = node.value;
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  return { value: String(v), start: node.range[0], end: node.range[1] };
}

function get(map: YAMLMap, key: string): unknown {
  for (const pair of map.items) {
    if (isScalar(pair.key) && pair.key.value === key) return pair.value;
  }
  return undefined;
}

function items(node: unknown): YamlNode[] {
  return isSeq(node) ? (node.items as YamlNode[]) : [];
}

const parsed = new TextMemo<YamlEntity[]>();

/** Every named entry of a schema YAML text, parents before children. The result is shared (memoized): do not change it. */
export function yamlEntities(text: string): YamlEntity[] {
  return parsed.get(text, parseEntities);
}

function parseEntities(text: string): YamlEntity[] {
  const out: YamlEntity[] = [];
  let doc;
  try {
    doc = parseDocument(text, { keepSourceTokens: false, strict: false, uniqueKeys: false });
  } catch {
    return out;
  }
  const root = doc.contents;
  if (!isMap(root)) return out;

  const named = (item: unknown, kind: YamlEntityKind, parent: YamlEntity | null, key = 'name'): YamlEntity | null => {
    if (!isMap(item)) return null;
    const s = scalarValue(get(item, key));
    if (!s) return null;
    const [start, , end] = item.range ?? [s.start, s.end, s.end];
    const e: YamlEntity = { kind, name: s.value, nameStart: s.start, nameEnd: s.end, start, end, parent };
    out.push(e);
    return e;
  };
  // `- unique`, `- accepted_values: {...}`, `- dbt_utils.x: {...}`, or `- name: ...` with `test_name:`.
  const tests = (map: YAMLMap, parent: YamlEntity) => {
    for (const t of [...items(get(map, 'data_tests')), ...items(get(map, 'tests'))]) {
      const plain = scalarValue(t);
      const key = isMap(t) && t.items.length > 0 ? scalarValue(t.items[0]!.key) : null;
      const s = plain ?? key;
      if (!s) continue;
      const [start, , end] = (t as YamlNode).range ?? [s.start, s.end, s.end];
      out.push({ kind: 'data_test', name: s.value, nameStart: s.start, nameEnd: s.end, start, end, parent });
    }
  };
  const columns = (map: YAMLMap, parent: YamlEntity) => {
    for (const c of items(get(map, 'columns'))) {
      const column = named(c, 'column', parent);
      if (column && isMap(c)) tests(c, column);
    }
  };

  for (const pair of root.items) {
    const kind = isScalar(pair.key) ? TOP_LEVEL[String(pair.key.value)] : undefined;
    if (!kind) continue;
    for (const item of items(pair.value)) {
      const e = named(item, kind, null);
      if (!e || !isMap(item)) continue;
      if (kind === 'source') {
        for (const t of items(get(item, 'tables'))) {
          const table = named(t, 'source-table', e);
          if (table && isMap(t)) {
            columns(t, table);
            tests(t, table);
          }
        }
        continue;
      }
      columns(item, e);
      tests(item, e);
      if (kind === 'model') {
        for (const v of items(get(item, 'versions'))) {
          const version = named(v, 'version', e, 'v');
          if (version && isMap(v)) columns(v, version);
        }
      }
    }
  }
  return out;
}

/** The entry whose name is under `offset` (the name scalar, ends included), or null. */
export function yamlEntityAt(text: string, offset: number): YamlEntity | null {
  for (const e of yamlEntities(text)) {
    if (offset >= e.nameStart && offset <= e.nameEnd) return e;
  }
  return null;
}

export interface YamlQuery {
  kind: YamlEntityKind;
  name: string;
  /** For a column or version: the name of its model/table; for a table: its source. */
  parentName?: string;
}

/** The entry matching the query, or null. Columns of a versioned model are found under the model or any version. */
export function findYamlEntity(text: string, query: YamlQuery): YamlEntity | null {
  for (const e of yamlEntities(text)) {
    if (e.kind !== query.kind || e.name !== query.name) continue;
    if (query.parentName === undefined) return e;
    const parent = e.parent?.kind === 'version' ? e.parent.parent : e.parent;
    if (e.parent?.name === query.parentName || parent?.name === query.parentName) return e;
  }
  return null;
}
