// Find references: every `ref()` to a model (or `source()` to a source
// table). Which files to read comes from the manifest's child map; each
// file's current text is scanned, so the ranges are exact. Pure.
import { dbtReferences } from '../dbt/jinjaRefs';
import type { ManifestEntry, ManifestIndex } from '../dbt/manifest';
import type { FileContext } from './targets';

/** Offsets of the refs/sources in `text` that resolve to `target`. */
export function referencesInText(index: ManifestIndex, text: string, file: FileContext, target: ManifestEntry): [number, number][] {
  const out: [number, number][] = [];
  for (const r of dbtReferences(text, { yaml: file.isYaml })) {
    if (r.kind === 'ref' && target.resourceType !== 'source' && r.name === target.name) {
      const res = index.resolveRef(r.name, r.package, r.version, file.packageName);
      if (res.kind === 'found' && res.entry.uniqueId === target.uniqueId) out.push([r.nameStart, r.nameEnd]);
    } else if (r.kind === 'source' && target.resourceType === 'source' && r.tableName === target.name && r.sourceName === target.sourceName) {
      out.push([r.tableStart, r.tableEnd]);
    }
  }
  return out;
}

/** Files (package, path) that may reference `target`: its children in the manifest. */
export function referencingFiles(index: ManifestIndex, target: ManifestEntry): { packageName: string; path: string }[] {
  const seen = new Set<string>();
  const out: { packageName: string; path: string }[] = [];
  for (const id of index.children(target.uniqueId)) {
    const child = index.get(id);
    if (!child || !child.originalFilePath) continue;
    const key = `${child.packageName}\0${child.originalFilePath}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ packageName: child.packageName, path: child.originalFilePath });
  }
  return out;
}
