// Go to definition: which file (of which package) and where in it. Pure; the
// server reads the file and turns the offset into a Location.
import { findDocsBlock, findMacroDefinition } from '../dbt/jinjaRefs';
import type { ManifestEntry } from '../dbt/manifest';
import { findYamlEntity, type YamlEntityKind, type YamlQuery } from '../dbt/yamlPositions';
import type { Target } from './targets';

export type Anchor = { kind: 'start' } | { kind: 'yaml'; query: YamlQuery } | { kind: 'macro'; name: string } | { kind: 'docs'; name: string };

export interface DefinitionTarget {
  packageName: string;
  /** Relative to the package root. */
  path: string;
  anchor: Anchor;
}

/** Resource types declared by a YAML entry rather than a file of their own. */
const YAML_DECLARED: Record<string, YamlEntityKind> = {
  exposure: 'exposure',
  semantic_model: 'semantic_model',
  metric: 'metric',
  saved_query: 'saved_query',
  unit_test: 'unit_test',
};

function nodeDefinition(e: ManifestEntry): DefinitionTarget {
  const yamlKind = YAML_DECLARED[e.resourceType];
  if (yamlKind) return { packageName: e.packageName, path: e.originalFilePath, anchor: { kind: 'yaml', query: { kind: yamlKind, name: e.name } } };
  return { packageName: e.packageName, path: e.originalFilePath, anchor: { kind: 'start' } };
}

export function definitionTarget(target: Target): DefinitionTarget | null {
  switch (target.kind) {
    case 'node':
      return target.entry.originalFilePath ? nodeDefinition(target.entry) : null;
    case 'column': {
      const e = target.entry;
      const yamlPath = e.resourceType === 'source' ? e.originalFilePath : e.patchPath;
      if (!yamlPath) return e.originalFilePath ? nodeDefinition(e) : null;
      return { packageName: e.packageName, path: yamlPath, anchor: { kind: 'yaml', query: { kind: 'column', name: target.column.name, parentName: e.name } } };
    }
    case 'source': {
      const e = target.entry;
      return { packageName: e.packageName, path: e.originalFilePath, anchor: { kind: 'yaml', query: { kind: 'source-table', name: e.name, parentName: e.sourceName ?? undefined } } };
    }
    case 'source-group': {
      const first = target.tables[0];
      return first ? { packageName: first.packageName, path: first.originalFilePath, anchor: { kind: 'yaml', query: { kind: 'source', name: target.sourceName } } } : null;
    }
    case 'macro':
      return { packageName: target.entry.packageName, path: target.entry.originalFilePath, anchor: { kind: 'macro', name: target.entry.name } };
    case 'doc':
      return { packageName: target.entry.packageName, path: target.entry.originalFilePath, anchor: { kind: 'docs', name: target.entry.name } };
  }
}

/** Offsets [start, end] of the anchor in the file's text; [0, 0] when it cannot be found (the file start is still right). */
export function locateAnchor(text: string, anchor: Anchor): [number, number] {
  switch (anchor.kind) {
    case 'start':
      return [0, 0];
    case 'yaml': {
      const e = findYamlEntity(text, anchor.query);
      return e ? [e.nameStart, e.nameEnd] : [0, 0];
    }
    case 'macro': {
      const at = findMacroDefinition(text, anchor.name);
      return at === null ? [0, 0] : [at, at + (anchor.name.startsWith('test_') && text.startsWith(anchor.name.slice(5), at) ? anchor.name.length - 5 : anchor.name.length)];
    }
    case 'docs': {
      const at = findDocsBlock(text, anchor.name);
      return at === null ? [0, 0] : [at, at + anchor.name.length];
    }
  }
}
