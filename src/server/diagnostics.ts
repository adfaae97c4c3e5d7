// The checks: on the text of an open file (unknown or disabled ref/source,
// with "did you mean") and on the models of the manifest (public without a
// description, without tests). Pure: findings carry offsets or anchors; the
// server turns them into LSP diagnostics and publishes them.
//
// The text checks never contradict a successful `dbt parse`:
// - in a file whose node is disabled there is one information note and
//   nothing else (dbt resolves no refs of a disabled node);
// - a ref/source dbt recorded on the file's node (what it resolved when it
//   parsed) is not checked again;
// - one under Jinja control flow (if/for/macro/call, or `x if c else y`)
//   that dbt did not record sits in a branch dbt did not take: only a hint;
// - in a file the manifest does not know as a node (new file, macro file),
//   conditional refs are checked from the text alone, as warnings.
import { isConditionalAt, jinjaBlocks, type JinjaBlock } from '../dbt/jinjaBlocks';
import { dbtReferences, jinjaRegions, tokenize, type DbtReference } from '../dbt/jinjaRefs';
import { DiagnosticCodes, type ChecksSettings, type SuggestionData } from '../dbt/lspProtocol';
import type { ManifestEntry, ManifestIndex } from '../dbt/manifest';
import type { Anchor } from './definition';
import type { FileContext } from './targets';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface TextFinding {
  start: number;
  end: number;
  severity: Severity;
  code: string;
  message: string;
  /** Unknown refs and sources: the replacements a quick fix offers. */
  data?: SuggestionData;
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
const UNTAKEN_NOTE = ' (in a Jinja branch dbt did not take when it parsed, with the current vars: dbt did not check it)';
const CONDITIONAL_NOTE = ' (under a Jinja condition, in a file dbt has not parsed as a node: checked from the text only)';

const NODE_TYPES = new Set(['model', 'seed', 'snapshot', 'analysis', 'test']);

/** What the manifest says about the file's own node(s): enabled ones (with what dbt resolved), disabled ones, or nothing. */
export type FileNode = { kind: 'enabled'; entries: ManifestEntry[] } | { kind: 'disabled'; entries: ManifestEntry[] } | null;

export function fileNode(index: ManifestIndex, file: FileContext): FileNode {
  if (file.isYaml) return null;
  const own = (list: ManifestEntry[]) => list.filter((e) => e.originalFilePath === file.relPath && NODE_TYPES.has(e.resourceType));
  const enabled = own(index.entriesInFile(file.relPath, file.packageName));
  if (enabled.length > 0) return { kind: 'enabled', entries: enabled };
  const disabled = own(index.disabledInFile(file.relPath, file.packageName));
  return disabled.length > 0 ? { kind: 'disabled', entries: disabled } : null;
}

/** True when dbt recorded this ref/source on one of the nodes (it rendered and resolved it). */
function recorded(nodes: ManifestEntry[], ref: DbtReference): boolean {
  if (ref.kind === 'ref') {
    return nodes.some((n) => n.refs.some((r) => r.name === ref.name && (ref.package === null || r.package === ref.package) && (ref.version === null || r.version === ref.version)));
  }
  if (ref.kind === 'source') return nodes.some((n) => n.sources.some(([s, t]) => s === ref.sourceName && t === ref.tableName));
  return false;
}

/** Offsets of `{{ a if c else b }}` expressions: their calls run only under a condition too. */
function inlineConditionals(text: string): [number, number][] {
  const out: [number, number][] = [];
  for (const r of jinjaRegions(text)) {
    if (r.kind === 'expression' && tokenize(text, r.start, r.end).some((t) => t.type === 'ident' && t.value === 'if')) out.push([r.start, r.end]);
  }
  return out;
}

/** One note for a disabled node's file, with where it was disabled. */
function disabledNote(text: string, entries: ManifestEntry[]): TextFinding {
  const e = entries[0]!;
  const inFile = /config\s*\([^)]*\benabled\s*=/.test(text);
  const where = inFile ? 'by config(enabled=...) in this file' : 'by its configuration (dbt_project.yml or a properties YAML, often through a var)';
  const lineEnd = text.indexOf('\n');
  return {
    start: 0,
    end: lineEnd < 0 ? text.length : lineEnd,
    severity: 'information',
    code: DiagnosticCodes.disabledNode,
    message: `${e.resourceType} '${e.name}' is disabled ${where}: dbt does not build it or resolve its refs, so they are not checked.`,
  };
}

/** Findings for the refs and sources in one file's text. */
export function checkText(index: ManifestIndex, text: string, file: FileContext, settings: ChecksSettings, stale = false): TextFinding[] {
  const node = fileNode(index, file);
  if (node?.kind === 'disabled') return [disabledNote(text, node.entries)];
  const blocks: JinjaBlock[] = file.isYaml ? [] : jinjaBlocks(text);
  const inline = file.isYaml ? [] : inlineConditionals(text);
  const out: TextFinding[] = [];
  for (const ref of dbtReferences(text, { yaml: file.isYaml })) {
    // A call still being typed is not wrong yet.
    if (ref.kind !== 'ref' && ref.kind !== 'source') continue;
    if (!ref.complete) continue;
    if (node && recorded(node.entries, ref)) continue;
    const conditional = isConditionalAt(blocks, ref.start) || inline.some(([s, e]) => ref.start >= s && ref.start < e);
    for (const f of checkReference(index, ref, file, settings)) {
      if (conditional && node) out.push({ ...f, severity: 'hint', code: DiagnosticCodes.untakenBranch, message: f.message + UNTAKEN_NOTE });
      else if (stale || conditional) out.push({ ...f, severity: f.severity === 'error' ? 'warning' : f.severity, message: f.message + (stale ? STALE_NOTE : CONDITIONAL_NOTE) });
      else out.push(f);
    }
  }
  return out;
}

/** The finding (at most one) for one ref/source judged from the text against the index. */
function checkReference(index: ManifestIndex, ref: Extract<DbtReference, { kind: 'ref' | 'source' }>, file: FileContext, settings: ChecksSettings): TextFinding[] {
  const error = (start: number, end: number, code: string, message: string, suggestions?: string[]): TextFinding[] => [
    { start, end, severity: 'error', code, message, ...(suggestions && suggestions.length > 0 ? { data: { suggestions } } : {}) },
  ];
  if (ref.kind === 'ref') {
    const r = index.resolveRef(ref.name, ref.package, ref.version, file.packageName);
    if (r.kind === 'found') return [];
    if (r.kind === 'disabled') {
      if (!settings.disabledRef) return [];
      const e = r.entries[0]!;
      return error(ref.nameStart, ref.nameEnd, DiagnosticCodes.disabledRef, `ref('${ref.name}') points at a disabled ${e.resourceType} (${e.originalFilePath} sets enabled=false); dbt will not build it and fails on refs to it.`);
    }
    if (!settings.unknownRef) return [];
    if (r.kind === 'unknown-version') {
      const versions = r.entries.map((e) => e.version).filter((v) => v !== null);
      return error(ref.nameStart, ref.nameEnd, DiagnosticCodes.unknownRef, `Model '${ref.name}' has no version ${ref.version}${versions.length > 0 ? ` (versions: ${versions.join(', ')})` : ' (it is not versioned)'}.`);
    }
    if (ref.package !== null && !index.packages.has(ref.package)) {
      return error(ref.nameStart, ref.nameEnd, DiagnosticCodes.unknownRef, `Unknown package '${ref.package}' in ref('${ref.package}', '${ref.name}'): it is not this project or an installed package (run dbt deps?).${didYouMean(r.suggestions)}`, r.suggestions);
    }
    const where = ref.package !== null ? ` in package '${ref.package}'` : '';
    return error(ref.nameStart, ref.nameEnd, DiagnosticCodes.unknownRef, `Unknown ref '${ref.name}': no model, seed or snapshot of that name${where}.${didYouMean(r.suggestions)}`, r.suggestions);
  }
  const r = index.resolveSource(ref.sourceName, ref.tableName);
  if (r.kind === 'found') return [];
  if (r.kind === 'disabled') {
    if (!settings.disabledRef) return [];
    return error(ref.tableStart, ref.tableEnd, DiagnosticCodes.disabledRef, `source('${ref.sourceName}', '${ref.tableName}') is disabled (enabled=false in ${r.entries[0]!.originalFilePath}).`);
  }
  if (!settings.unknownRef) return [];
  if (r.kind === 'unknown-source') {
    return error(ref.sourceStart, ref.sourceEnd, DiagnosticCodes.unknownSource, `Unknown source '${ref.sourceName}'.${didYouMean(r.suggestions)}`, r.suggestions);
  }
  return error(ref.tableStart, ref.tableEnd, DiagnosticCodes.unknownSource, `Source '${ref.sourceName}' has no table '${ref.tableName}'.${didYouMean(r.suggestions)}`, r.suggestions);
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
