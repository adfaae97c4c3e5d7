// LSP request handlers: find the file's project and text, ask the pure
// feature modules, convert offsets to LSP ranges. No handler waits on dbt:
// they answer from the index in memory (or null when there is none yet).
import {
  CompletionItemKind,
  MarkupKind,
  type CompletionItem,
  type CompletionList,
  type CompletionParams,
  type Hover,
  type Location,
  type ReferenceParams,
  type TextDocumentPositionParams,
} from 'vscode-languageserver/node';
import { completionContextAt } from '../dbt/jinjaRefs';
import type { ManifestIndex } from '../dbt/manifest';
import { completionCandidates, type CandidateKind } from './completion';
import { definitionTarget, locateAnchor } from './definition';
import { pathOfUri, uriOfPath, type Files, type FileText } from './documents';
import { hoverMarkdown } from './hover';
import type { FileInfo, Log, ProjectRegistry } from './projects';
import { referencesInText, referencingFiles } from './references';
import { nodeOfFile, targetAt } from './targets';

interface Located {
  info: FileInfo;
  index: ManifestIndex;
  doc: FileText;
  offset: number;
}

const COMPLETION_KIND: Record<CandidateKind, CompletionItemKind> = {
  model: CompletionItemKind.Class,
  seed: CompletionItemKind.File,
  snapshot: CompletionItemKind.Class,
  source: CompletionItemKind.Module,
  table: CompletionItemKind.Struct,
  doc: CompletionItemKind.Text,
  macro: CompletionItemKind.Function,
  package: CompletionItemKind.Module,
};

export class Handlers {
  /** URIs already reported as outside any project (logged once each). */
  private readonly outside = new Set<string>();

  constructor(
    private readonly registry: ProjectRegistry,
    private readonly files: Files,
    private readonly log: Log,
  ) {}

  private async locate(params: TextDocumentPositionParams): Promise<Located | null> {
    const path = pathOfUri(params.textDocument.uri);
    const info = path ? this.registry.fileInfo(path) : undefined;
    if (!path || !info) {
      if (!this.outside.has(params.textDocument.uri)) {
        this.outside.add(params.textDocument.uri);
        this.log('info', `${params.textDocument.uri} is not inside a dbt project the server knows; no dbt features there`);
      }
      return null;
    }
    const index = info.project.index;
    const doc = await this.files.get(path);
    if (!index || !doc) return null;
    return { info, index, doc, offset: doc.offsetAt(params.position) };
  }

  async hover(params: TextDocumentPositionParams): Promise<Hover | null> {
    const at = await this.locate(params);
    if (!at) return null;
    const target = targetAt(at.index, at.doc.getText(), at.offset, at.info);
    if (!target) return null;
    let value = hoverMarkdown(at.index, target);
    if (at.index.provisional) value += '\n\n*From files, not yet parsed: dbt has not parsed this project yet.*';
    else if (at.info.project.stale) value += '\n\n*From a manifest that may be stale (read from target/, not from a live parse).*';
    return { contents: { kind: MarkupKind.Markdown, value }, range: { start: at.doc.positionAt(target.start), end: at.doc.positionAt(target.end) } };
  }

  async definition(params: TextDocumentPositionParams): Promise<Location | null> {
    const at = await this.locate(params);
    if (!at) return null;
    const target = targetAt(at.index, at.doc.getText(), at.offset, at.info);
    const def = target ? definitionTarget(target) : null;
    if (!def) return null;
    const path = this.registry.resolvePath(at.info.project, def.packageName, def.path);
    if (!path) {
      this.log('info', `definition of ${def.path} is in package '${def.packageName}', whose folder is not under ${at.info.project.packagesDir}/ (dbt's own or the adapter's macros)`);
      return null;
    }
    const file = await this.files.get(path);
    if (!file) {
      this.log('warn', `definition file ${path} cannot be read (deleted since the last parse?)`);
      return null;
    }
    const [start, end] = locateAnchor(file.getText(), def.anchor);
    return { uri: uriOfPath(path), range: { start: file.positionAt(start), end: file.positionAt(end) } };
  }

  async completion(params: CompletionParams): Promise<CompletionList | null> {
    const at = await this.locate(params);
    if (!at) return null;
    const ctx = completionContextAt(at.doc.getText(), at.offset, { yaml: at.info.isYaml });
    if (!ctx) return null;
    const { items, incomplete } = completionCandidates(at.index, ctx);
    const range = { start: at.doc.positionAt(ctx.replaceStart), end: at.doc.positionAt(ctx.replaceEnd) };
    return {
      isIncomplete: incomplete,
      items: items.map(
        (c): CompletionItem => ({
          label: c.label,
          kind: COMPLETION_KIND[c.kind],
          detail: c.detail,
          documentation: c.documentation ? { kind: MarkupKind.Markdown, value: c.documentation } : undefined,
          sortText: c.sortText,
          textEdit: { range, newText: c.label },
        }),
      ),
    };
  }

  async references(params: ReferenceParams): Promise<Location[] | null> {
    const at = await this.locate(params);
    if (!at) return null;
    const target = targetAt(at.index, at.doc.getText(), at.offset, at.info);
    let entry = target && (target.kind === 'node' || target.kind === 'source') ? target.entry : null;
    if (!entry && !target && !at.info.isYaml) entry = nodeOfFile(at.index, at.info); // anywhere in a model's own file
    if (!entry) return null;
    const project = at.info.project;
    const paths = new Set<string>();
    for (const f of referencingFiles(at.index, entry)) {
      const p = this.registry.resolvePath(project, f.packageName, f.path);
      if (p) paths.add(p);
    }
    // Open files may hold refs not parsed yet.
    for (const p of this.files.openPaths()) if (this.registry.projectOf(p) === project) paths.add(p);
    const out: Location[] = [];
    for (const path of [...paths].sort()) {
      const info = this.registry.fileInfo(path);
      const doc = await this.files.get(path);
      if (!info || !doc) continue;
      for (const [s, e] of referencesInText(at.index, doc.getText(), info, entry)) {
        out.push({ uri: uriOfPath(path), range: { start: doc.positionAt(s), end: doc.positionAt(e) } });
      }
    }
    if (params.context.includeDeclaration && entry.originalFilePath && entry.resourceType !== 'source') {
      const p = this.registry.resolvePath(project, entry.packageName, entry.originalFilePath);
      if (p) out.unshift({ uri: uriOfPath(p), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } });
    }
    return out;
  }
}
