// The checks: on the text of an open file (unknown or disabled ref/source,
// with "did you mean") and on the models of the manifest (public without a
// description, without tests). Pure: findings carry offsets or anchors; the
// server turns them into LSP diagnostics and publishes them.
import { dbtReferences } from '../dbt/jinjaRefs';
import { DiagnosticCodes, type ChecksSettings } from '../dbt/lspProtocol';
import type { ManifestEntry, ManifestIndex } from '../dbt/manifest';
import type { Anchor } from './definition';
import type { FileContext } from './targets';

export type Severity = 'error' | 'warning' | 'information';

export interface TextFinding {
  start: number;
  end: number;
  severity: Severity;
  code: string;
  message: string;
}

export interface ModelFinding {
  entry: ManifestEntry;
  /** File to show it in (relative to the package root) and where in it. */
  path: string;
  anchor: Anchor;
  severity: Severity;
  code: string;
  message: string;
}

function didYouMean(suggestions: string[]): string {
  if (suggestions.length === 0) return '';
  return ` Did you mean ${suggestions.map((s) => `'${s}'`).join(' or ')}?`;
}

const STALE_NOTE = ' (checked against a manifest that may be stale; saving re-parses the project)';

/** Findings for the refs and sources in one file's text. */
export function checkText(index: ManifestIndex, text: string, file: FileContext, settings: ChecksSettings, stale = false): TextFinding[] {
  const out: TextFinding[] = [];
  const add = (start: number, end: number, severity: Severity, code: string, message: string) => {
    // A stale manifest may simply not know a model created since: warn, don't error.
    out.push({ start, end, severity: stale && severity === 'error' ? 'warning' : severity, code, message: stale ? message + STALE_NOTE : message });
  };
  for (const ref of dbtReferences(text, { yaml: file.isYaml })) {
    // A call still being typed is not wrong yet.
    if ((ref.kind === 'ref' || ref.kind === 'source') && !ref.complete) continue;
    if (ref.kind === 'ref') {
      const r = index.resolveRef(ref.name, ref.package, ref.version, file.packageName);
      if (r.kind === 'found') continue;
      if (r.kind === 'disabled') {
        if (!settings.disabledRef) continue;
        const e = r.entries[0];
        add(ref.nameStart, ref.nameEnd, 'error', DiagnosticCodes.disabledRef, `ref('${ref.name}') points at a disabled ${e.resourceType} (${e.originalFilePath} sets enabled=false); dbt will not build it and fails on refs to it.`);
        continue;
      }
      if (!settings.unknownRef) continue;
      if (r.kind === 'unknown-version') {
        const versions = r.entries.map((e) => e.version).filter((v) => v !== null);
        add(ref.nameStart, ref.nameEnd, 'error', DiagnosticCodes.unknownRef, `Model '${ref.name}' has no version ${ref.version}${versions.length > 0 ? ` (versions: ${versions.join(', ')})` : ' (it is not versioned)'}.`);
        continue;
      }
      if (ref.package !== null && !index.packages.has(ref.package)) {
        add(ref.nameStart, ref.nameEnd, 'error', DiagnosticCodes.unknownRef, `Unknown package '${ref.package}' in ref('${ref.package}', '${ref.name}'): it is not this project or an installed package (run dbt deps?).${didYouMean(r.suggestions)}`);
        continue;
      }
      const where = ref.package !== null ? ` in package '${ref.package}'` : '';
      add(ref.nameStart, ref.nameEnd, 'error', DiagnosticCodes.unknownRef, `Unknown ref '${ref.name}': no model, seed or snapshot of that name${where}.${didYouMean(r.suggestions)}`);
    } else if (ref.kind === 'source') {
      const r = index.resolveSource(ref.sourceName, ref.tableName);
      if (r.kind === 'found') continue;
      if (r.kind === 'disabled') {
        if (settings.disabledRef) {
          add(ref.tableStart, ref.tableEnd, 'error', DiagnosticCodes.disabledRef, `source('${ref.sourceName}', '${ref.tableName}') is disabled (enabled=false in ${r.entries[0].originalFilePath}).`);
        }
        continue;
      }
      if (!settings.unknownRef) continue;
      if (r.kind === 'unknown-source') {
        add(ref.sourceStart, ref.sourceEnd, 'error', DiagnosticCodes.unknownSource, `Unknown source '${ref.sourceName}'.${didYouMean(r.suggestions)}`);
      } else {
        add(ref.tableStart, ref.tableEnd, 'error', DiagnosticCodes.unknownSource, `Source '${ref.sourceName}' has no table '${ref.tableName}'.${didYouMean(r.suggestions)}`);
      }
    }
  }
  return out;
}

/** Findings on the root project's models (shown in their YAML entry, or at the top of their SQL file). */
export function checkModels(index: ManifestIndex, settings: ChecksSettings): ModelFinding[] {
  const out: ModelFinding[] = [];
  if (!settings.publicModelWithoutDescription && !settings.modelWithoutTests) return out;
  for (const e of index.projectModels()) {
    const where = (): Pick<ModelFinding, 'path' | 'anchor'> =>
      e.patchPath
        ? { path: e.patchPath, anchor: { kind: 'yaml', query: e.version !== null ? { kind: 'version', name: e.version, parentName: e.name } : { kind: 'model', name: e.name } } }
        : { path: e.originalFilePath, anchor: { kind: 'start' } };
    const label = e.version !== null ? `${e.name} v${e.version}` : e.name;
    if (settings.publicModelWithoutDescription && e.access === 'public' && e.description.trim() === '') {
      out.push({
        entry: e,
        ...where(),
        severity: 'warning',
        code: DiagnosticCodes.publicModelWithoutDescription,
        message: `Model '${label}' is public (other projects may ref it) but has no description. Add a description in its YAML.`,
      });
    }
    if (settings.modelWithoutTests && index.testsOf(e.uniqueId).length === 0) {
      out.push({ entry: e, ...where(), severity: 'information', code: DiagnosticCodes.modelWithoutTests, message: `Model '${label}' has no data tests or unit tests.` });
    }
  }
  return out;
}
