// Outline (document symbols), Go to Symbol in Workspace (every node of every
// project, by name) and folding ranges, over the pure logic of symbols.ts.
import {
  SymbolKind,
  type DocumentSymbol,
  type DocumentSymbolParams,
  type FoldingRange,
  type FoldingRangeParams,
  type WorkspaceSymbol,
  type WorkspaceSymbolParams,
} from 'vscode-languageserver/node';
import type { ManifestEntry } from '../dbt/manifest';
import { matchRank } from './completion';
import { locateAnchor } from './definition';
import { definitionTarget } from './definition';
import { pathOfUri, uriOfPath, type Files, type FileText } from './documents';
import type { ProjectRegistry } from './projects';
import { foldingOffsets, jinjaOutline, sqlOutline, yamlOutline, type OutlineKind, type OutlineSymbol } from './symbols';

const KIND: Record<OutlineKind, SymbolKind> = {
  cte: SymbolKind.Struct,
  select: SymbolKind.Function,
  macro: SymbolKind.Function,
  block: SymbolKind.Namespace,
  model: SymbolKind.Class,
  source: SymbolKind.Module,
  table: SymbolKind.Class,
  column: SymbolKind.Field,
  test: SymbolKind.Event,
  entry: SymbolKind.Object,
};

const NODE_KIND: Record<string, SymbolKind> = {
  model: SymbolKind.Class,
  seed: SymbolKind.File,
  snapshot: SymbolKind.Class,
  source: SymbolKind.Module,
  macro: SymbolKind.Function,
  exposure: SymbolKind.Interface,
  analysis: SymbolKind.Class,
  semantic_model: SymbolKind.Struct,
  metric: SymbolKind.Constant,
};

/** At most this many workspace symbols per query, best matches first. */
const MAX_WORKSPACE_SYMBOLS = 300;

export class SymbolHandlers {
  constructor(
    private readonly registry: ProjectRegistry,
    private readonly files: Files,
  ) {}

  async documentSymbols(params: DocumentSymbolParams): Promise<DocumentSymbol[] | null> {
    const path = pathOfUri(params.textDocument.uri);
    const doc = path ? await this.files.get(path) : null;
    if (!path || !doc || !this.registry.projectOf(path)) return null;
    const text = doc.getText();
    let outline: OutlineSymbol[];
    if (/\.ya?ml$/i.test(path)) outline = yamlOutline(text);
    else {
      // A file defining macros (or snapshots, docs blocks) is outlined by them; a model by its CTEs.
      const blocks = jinjaOutline(text);
      outline = blocks.length > 0 ? blocks : sqlOutline(text);
    }
    return outline.map((s) => toDocumentSymbol(doc, s));
  }

  async foldingRanges(params: FoldingRangeParams): Promise<FoldingRange[] | null> {
    const path = pathOfUri(params.textDocument.uri);
    const doc = path && !/\.ya?ml$/i.test(path) ? await this.files.get(path) : null;
    if (!path || !doc || !this.registry.projectOf(path)) return null;
    const out: FoldingRange[] = [];
    for (const [start, end] of foldingOffsets(doc.getText())) {
      const startLine = doc.positionAt(start).line;
      const endLine = doc.positionAt(end).line - 1;
      if (endLine > startLine) out.push({ startLine, endLine });
    }
    return out;
  }

  /** Every model, seed, snapshot, source, macro of the root projects, exposure... whose name matches the query. */
  async workspaceSymbols(params: WorkspaceSymbolParams): Promise<WorkspaceSymbol[]> {
    const found: { rank: number; name: string; entry: ManifestEntry; root: string }[] = [];
    for (const project of this.registry.all()) {
      const index = project.index;
      if (!index) continue;
      for (const e of index.byId.values()) {
        const kind = NODE_KIND[e.resourceType];
        // Macros of dbt itself and adapters would drown the models: only the project's and its packages' own.
        if (kind === undefined || (e.resourceType === 'macro' && (e.packageName === 'dbt' || e.packageName.startsWith('dbt_')))) continue;
        const name = e.resourceType === 'source' ? `${e.sourceName}.${e.name}` : e.name;
        const rank = matchRank(name, params.query);
        if (rank !== null) found.push({ rank, name, entry: e, root: project.root });
      }
    }
    found.sort((a, b) => a.rank - b.rank || a.name.localeCompare(b.name));
    const out: WorkspaceSymbol[] = [];
    for (const f of found.slice(0, MAX_WORKSPACE_SYMBOLS)) {
      const project = this.registry.get(f.root)!;
      const def = definitionTarget(f.entry.resourceType === 'source' ? { kind: 'source', entry: f.entry, start: 0, end: 0 } : f.entry.resourceType === 'macro' ? { kind: 'macro', entry: f.entry, start: 0, end: 0 } : { kind: 'node', entry: f.entry, start: 0, end: 0 });
      const path = def && this.registry.resolvePath(project, def.packageName, def.path);
      if (!def || !path) continue;
      let range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
      if (def.anchor.kind !== 'start') {
        const doc = await this.files.get(path);
        if (doc) {
          const [s, e] = locateAnchor(doc.getText(), def.anchor);
          range = { start: doc.positionAt(s), end: doc.positionAt(e) };
        }
      }
      const pkg = f.entry.packageName !== project.index?.projectName ? ` · ${f.entry.packageName}` : '';
      out.push({ name: f.name, kind: NODE_KIND[f.entry.resourceType]!, containerName: `${f.entry.resourceType}${pkg} · ${project.name ?? project.root}`, location: { uri: uriOfPath(path), range } });
    }
    return out;
  }
}

function toDocumentSymbol(doc: FileText, s: OutlineSymbol): DocumentSymbol {
  const range = { start: doc.positionAt(s.start), end: doc.positionAt(Math.max(s.end, s.nameEnd)) };
  const selectionRange = { start: doc.positionAt(s.nameStart), end: doc.positionAt(s.nameEnd) };
  return { name: s.name, detail: s.detail, kind: KIND[s.kind], range, selectionRange, children: s.children.map((c) => toDocumentSymbol(doc, c)) };
}
