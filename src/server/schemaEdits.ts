// Text edits on schema YAML, pure: append a model entry to a file's
// `models:` list (or write a new schema file), and add `description: ""`
// stubs to an entry and its columns. Edits are {offset, text} inserts on the
// file's current text; indentation follows the file's own.
import { isMap, isScalar, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { yamlEntities, type YamlEntity } from '../dbt/yamlPositions';

export interface Insert {
  offset: number;
  text: string;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function indentAt(text: string, offset: number): number {
  return offset - lineStart(text, offset);
}

/** The YAML lines of a model entry with its columns, every line indented by `indent` spaces (the `- ` included). */
export function modelEntryLines(name: string, columns: string[], indent: number): string[] {
  const pad = ' '.repeat(indent);
  const lines = [`${pad}- name: ${name}`, `${pad}  description: ""`];
  if (columns.length > 0) {
    lines.push(`${pad}  columns:`);
    for (const c of columns) lines.push(`${pad}    - name: ${c}`, `${pad}      description: ""`);
  }
  return lines;
}

/** A new schema file holding one model entry. */
export function newSchemaFile(name: string, columns: string[]): string {
  return ['version: 2', '', 'models:', ...modelEntryLines(name, columns, 2), ''].join('\n');
}

/** True when the YAML text has a top-level `models:` key (a list, possibly empty). */
export function hasModelsList(text: string): boolean {
  try {
    const doc = parseDocument(text);
    return isMap(doc.contents) && doc.contents.items.some((p) => isScalar(p.key) && p.key.value === 'models');
  } catch {
    return false;
  }
}

/** Appends a model entry at the end of the top-level `models:` list; null when the file has none. */
export function appendModelEntry(text: string, name: string, columns: string[]): Insert | null {
  const doc = parseDocument(text);
  const root = doc.contents;
  if (!isMap(root)) return null;
  const pair = root.items.find((p) => isScalar(p.key) && p.key.value === 'models');
  if (!pair || !isScalar(pair.key) || !pair.key.range) return null;
  const seq = pair.value;
  if (isSeq(seq) && seq.items.length > 0 && seq.range) {
    const first = seq.items[0] as { range?: [number, number, number] };
    const indent = first.range ? Math.max(0, indentAt(text, first.range[0]) - 2) : 2;
    // After the list's last content line (a list's range may run into the next key's line).
    const lastItem = seq.items[seq.items.length - 1] as { range?: [number, number, number] };
    const end = lastItem.range ? lastItem.range[1] : seq.range[1];
    const nl = text.indexOf('\n', end);
    const offset = nl < 0 ? text.length : nl + 1;
    const prefix = nl < 0 ? '\n' : '';
    return { offset, text: prefix + modelEntryLines(name, columns, indent).join('\n') + '\n' };
  }
  // `models:` with no items (or `models: []`): replace nothing, add the list under the key's line.
  const keyLineEnd = text.indexOf('\n', pair.key.range[0]);
  const offset = keyLineEnd < 0 ? text.length : keyLineEnd + 1;
  const indent = indentAt(text, pair.key.range[0]) + 2;
  return { offset, text: (keyLineEnd < 0 ? '\n' : '') + modelEntryLines(name, columns, indent).join('\n') + '\n' };
}

function hasKey(item: unknown, key: string): boolean {
  return isMap(item) && (item as YAMLMap).items.some((p) => isScalar(p.key) && p.key.value === key);
}

/** Inserts `description: ""` under the entry's name (and under each of its columns) where it has none. */
export function descriptionStubs(text: string, entry: YamlEntity): Insert[] {
  const doc = parseDocument(text);
  const mapAt = (e: YamlEntity): unknown => {
    let found: unknown;
    const visit = (node: unknown) => {
      if (found) return;
      if (isMap(node)) {
        const name = (node as YAMLMap).items.find((p) => isScalar(p.key) && (p.key.value === 'name' || p.key.value === 'v'));
        if (name && isScalar(name.value) && name.value.range?.[0] === e.nameStart) found = node;
        for (const p of (node as YAMLMap).items) visit(p.value);
      } else if (isSeq(node)) for (const i of node.items) visit(i);
    };
    visit(doc.contents);
    return found;
  };
  const out: Insert[] = [];
  const targets = [entry, ...yamlEntities(text).filter((e) => e.kind === 'column' && (e.parent?.nameStart === entry.nameStart || e.parent?.parent?.nameStart === entry.nameStart))];
  for (const e of targets) {
    if (hasKey(mapAt(e), 'description')) continue;
    const keyStart = text.lastIndexOf('name', e.nameStart);
    const nl = text.indexOf('\n', e.nameEnd);
    const offset = nl < 0 ? text.length : nl + 1;
    out.push({ offset, text: `${nl < 0 ? '\n' : ''}${' '.repeat(indentAt(text, keyStart))}description: ""\n` });
  }
  return out;
}
