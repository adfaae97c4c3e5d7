// What the cursor points at, resolved against the manifest: the shared first
// step of hover, definition and references. Pure (text + index in, entry out).
import { referenceAt, type DbtReference } from '../dbt/jinjaRefs';
import type { ColumnInfo, ManifestEntry, ManifestIndex } from '../dbt/manifest';
import { yamlEntityAt, type YamlEntity } from '../dbt/yamlPositions';

export type Target =
  /** A model, seed, snapshot, exposure, semantic model... */
  | { kind: 'node'; entry: ManifestEntry; start: number; end: number }
  | { kind: 'column'; entry: ManifestEntry; column: ColumnInfo; start: number; end: number }
  | { kind: 'source'; entry: ManifestEntry; start: number; end: number }
  /** A source's name in YAML or in `source('s', ...)`: all its tables. */
  | { kind: 'source-group'; sourceName: string; tables: ManifestEntry[]; start: number; end: number }
  | { kind: 'macro'; entry: ManifestEntry; start: number; end: number }
  | { kind: 'doc'; entry: ManifestEntry; start: number; end: number };

/** What the file under the cursor is, as far as the manifest goes. */
export interface FileContext {
  /** Package the file belongs to (ref resolution starts there). */
  packageName: string | null;
  /** Path relative to the package root. */
  relPath: string;
  isYaml: boolean;
}

/** The reference under the cursor resolved to a manifest entry, or null. */
export function referenceTarget(index: ManifestIndex, ref: DbtReference, offset: number, file: FileContext): Target | null {
  switch (ref.kind) {
    case 'ref': {
      const r = index.resolveRef(ref.name, ref.package, ref.version, file.packageName);
      if (r.kind === 'found') return { kind: 'node', entry: r.entry, start: ref.nameStart, end: ref.nameEnd };
      if (r.kind === 'disabled') return { kind: 'node', entry: r.entries[0], start: ref.nameStart, end: ref.nameEnd };
      return null;
    }
    case 'source': {
      if (offset >= ref.sourceStart && offset <= ref.sourceEnd) {
        const tables = sourceTables(index, ref.sourceName);
        if (tables.length > 0) return { kind: 'source-group', sourceName: ref.sourceName, tables, start: ref.sourceStart, end: ref.sourceEnd };
      }
      const r = index.resolveSource(ref.sourceName, ref.tableName);
      if (r.kind === 'found') return { kind: 'source', entry: r.entry, start: ref.tableStart, end: ref.tableEnd };
      if (r.kind === 'disabled') return { kind: 'source', entry: r.entries[0], start: ref.tableStart, end: ref.tableEnd };
      return null;
    }
    case 'doc': {
      const entry = index.resolveDoc(ref.name, ref.package);
      return entry ? { kind: 'doc', entry, start: ref.nameStart, end: ref.nameEnd } : null;
    }
    case 'macro': {
      // `x.y(` is a macro only when x is a package (else it is a method call).
      if (ref.namespace !== null && !index.packages.has(ref.namespace)) return null;
      const entry = index.resolveMacro(ref.name, ref.namespace);
      return entry ? { kind: 'macro', entry, start: ref.nameStart, end: ref.nameEnd } : null;
    }
  }
}

export function sourceTables(index: ManifestIndex, sourceName: string): ManifestEntry[] {
  const tables = index.sourcesByName.get(sourceName);
  if (!tables) return [];
  const out: ManifestEntry[] = [];
  for (const list of tables.values()) out.push(list[0]);
  return out;
}

/** A named YAML entry resolved against the manifest (entries of the file's own package first). */
export function yamlTarget(index: ManifestIndex, entity: YamlEntity, file: FileContext): Target | null {
  const span = { start: entity.nameStart, end: entity.nameEnd };
  const documentedHere = (e: ManifestEntry) => e.patchPath === file.relPath || e.originalFilePath === file.relPath;
  const pick = (list: ManifestEntry[] | undefined) => {
    if (!list || list.length === 0) return null;
    return list.find((e) => e.packageName === file.packageName && documentedHere(e)) ?? list.find((e) => e.packageName === file.packageName) ?? list[0];
  };
  const nodeFor = (e: YamlEntity): ManifestEntry | null => {
    switch (e.kind) {
      case 'model':
      case 'seed':
      case 'snapshot': {
        const list = (index.refableByName.get(e.name) ?? []).filter((x) => x.resourceType === e.kind);
        const enabled = pick(list.filter((x) => x.version === null || x.version === x.latestVersion).concat(list));
        return enabled ?? pick(index.disabledByName.get(e.name));
      }
      case 'version': {
        const model = e.parent ? nodeFor(e.parent) : null;
        if (!model) return null;
        return index.versionsOf(model).find((v) => v.version === e.name) ?? model;
      }
      case 'source-table':
        if (!e.parent) return null;
        return pick(index.sourcesByName.get(e.parent.name)?.get(e.name));
      case 'exposure':
        return pick(index.exposuresByName.get(e.name));
      case 'semantic_model':
        return pick(index.semanticModelsByName.get(e.name));
      case 'macro':
        return index.resolveMacro(e.name, file.packageName) ?? index.resolveMacro(e.name);
      case 'analysis':
      case 'unit_test':
      case 'metric':
      case 'saved_query': {
        for (const entry of index.entriesInFile(file.relPath, file.packageName)) if (entry.name === e.name) return entry;
        return null;
      }
      default:
        return null;
    }
  };

  if (entity.kind === 'source') {
    const tables = sourceTables(index, entity.name);
    return tables.length > 0 ? { kind: 'source-group', sourceName: entity.name, tables, ...span } : null;
  }
  if (entity.kind === 'column') {
    const owner = entity.parent ? nodeFor(entity.parent) : null;
    if (!owner) return null;
    const column = owner.columns.find((c) => c.name === entity.name) ?? owner.columns.find((c) => c.name.toLowerCase() === entity.name.toLowerCase());
    return { kind: 'column', entry: owner, column: column ?? { name: entity.name, description: '', dataType: null }, ...span };
  }
  const entry = nodeFor(entity);
  if (!entry) return null;
  if (entry.resourceType === 'source') return { kind: 'source', entry, ...span };
  if (entry.resourceType === 'macro') return { kind: 'macro', entry, ...span };
  return { kind: 'node', entry, ...span };
}

/** The target under `offset` in a project file: a Jinja reference first, then (YAML) a named entry. */
export function targetAt(index: ManifestIndex, text: string, offset: number, file: FileContext): Target | null {
  const ref = referenceAt(text, offset, { yaml: file.isYaml });
  if (ref) {
    const t = referenceTarget(index, ref, offset, file);
    if (t) return t;
  }
  if (file.isYaml) {
    const entity = yamlEntityAt(text, offset);
    if (entity) return yamlTarget(index, entity, file);
  }
  return null;
}

const OWN_FILE_TYPES = new Set(['model', 'seed', 'snapshot', 'analysis']);

/** The model (or seed, snapshot, analysis) defined by a SQL file, for references from anywhere in it. */
export function nodeOfFile(index: ManifestIndex, file: FileContext): ManifestEntry | null {
  for (const e of index.entriesInFile(file.relPath, file.packageName)) {
    if (e.originalFilePath === file.relPath && OWN_FILE_TYPES.has(e.resourceType)) return e;
  }
  return null;
}
