// Code actions and rename: replace an unknown ref/source with a suggestion,
// add a model missing from schema YAML (with its columns from the manifest,
// else from the last `dbt show`), add `description: ""` stubs, and rename a
// model (its file, every ref, its YAML entries) as one workspace edit, which
// VS Code's rename box can preview (Shift+Enter) before applying.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  CodeActionKind,
  ResponseError,
  type CodeAction,
  type CodeActionParams,
  type Diagnostic,
  type PrepareRenameParams,
  type Range,
  type RenameParams,
  type TextDocumentEdit,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import { DiagnosticCodes, diagnosticSource, type SuggestionData } from '../dbt/lspProtocol';
import type { ManifestEntry } from '../dbt/manifest';
import { findYamlEntity, yamlEntities } from '../dbt/yamlPositions';
import { pathOfUri, uriOfPath, type Files, type FileText } from './documents';
import type { FileInfo, Project, ProjectRegistry } from './projects';
import { referencesInText, referencingFiles } from './references';
import { appendModelEntry, descriptionStubs, hasModelsList, newSchemaFile, type Insert } from './schemaEdits';
import { fileNode } from './diagnostics';
import { targetAt } from './targets';

const FIXABLE = new Set<string>([DiagnosticCodes.unknownRef, DiagnosticCodes.unknownSource, DiagnosticCodes.untakenBranch]);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isSuggestionData(v: unknown): v is SuggestionData {
  return typeof v === 'object' && v !== null && Array.isArray((v as SuggestionData).suggestions);
}

export class EditHandlers {
  constructor(
    private readonly registry: ProjectRegistry,
    private readonly files: Files,
  ) {}

  async codeActions(params: CodeActionParams): Promise<CodeAction[]> {
    const path = pathOfUri(params.textDocument.uri);
    const info = path ? this.registry.fileInfo(path) : undefined;
    const doc = path ? await this.files.get(path) : null;
    if (!path || !info || !doc) return [];
    const out: CodeAction[] = [];
    for (const d of params.context.diagnostics) if (d.source === diagnosticSource) out.push(...this.suggestionFixes(doc, d));
    const index = info.project.index;
    if (!index) return out;
    if (info.isYaml) out.push(...this.yamlActions(doc, params));
    else {
      const node = fileNode(index, info);
      const model = node?.kind === 'enabled' ? node.entries.find((e) => e.resourceType === 'model' && !e.patchPath) : undefined;
      if (model && info.packageName === index.projectName) {
        const action = this.addToSchema(info.project, path, model);
        if (action) out.push(action);
      }
    }
    return out;
  }

  /** "Replace with 'x'" for each suggestion of an unknown ref/source; the first is preferred. */
  private suggestionFixes(doc: FileText, d: Diagnostic): CodeAction[] {
    if (typeof d.code !== 'string' || !FIXABLE.has(d.code) || !isSuggestionData(d.data)) return [];
    const range = innerRange(doc, doc.offsetAt(d.range.start), doc.offsetAt(d.range.end));
    return d.data.suggestions.map((s, i) => ({
      title: `Replace with '${s}'`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      isPreferred: i === 0,
      edit: { changes: { [doc.uri]: [{ range, newText: s }] } },
    }));
  }

  /** Description stubs for the model (or source table) entry around the cursor. */
  private yamlActions(doc: FileText, params: CodeActionParams): CodeAction[] {
    const text = doc.getText();
    const offset = doc.offsetAt(params.range.start);
    // Entities come parents first: the last one around the cursor is the innermost.
    const entity = yamlEntities(text).filter((e) => (e.kind === 'model' || e.kind === 'source-table') && offset >= e.start && offset <= e.end).pop();
    if (!entity) return [];
    const inserts = descriptionStubs(text, entity);
    if (inserts.length === 0) return [];
    return [{ title: `Add description stubs to '${entity.name}'`, kind: CodeActionKind.RefactorRewrite, edit: { changes: { [doc.uri]: inserts.map((i) => insertEdit(doc, i)) } } }];
  }

  /** "Add 'x' to <schema file>": the nearest YAML with a models: list (same folder first), else a new schema.yml beside the model. */
  private addToSchema(project: Project, modelPath: string, model: ManifestEntry): CodeAction | null {
    const columns = model.columns.length > 0 ? model.columns.map((c) => c.name) : (project.columnsSeen.get(model.uniqueId) ?? []);
    const note = columns.length > 0 ? ` with ${columns.length} column${columns.length === 1 ? '' : 's'}` : ' (no columns known yet: Preview the model to list them)';
    const yaml = this.nearestSchemaFile(project.root, dirname(modelPath));
    if (yaml) {
      const text = this.files.open(yaml)?.getText() ?? readText(yaml);
      const insert = text === null ? null : appendModelEntry(text, model.name, columns);
      if (insert && text !== null) {
        const lines = text.slice(0, insert.offset).split('\n');
        const position = { line: lines.length - 1, character: lines[lines.length - 1]!.length };
        return {
          title: `Add '${model.name}' to ${basename(yaml)}${note}`,
          kind: CodeActionKind.RefactorRewrite,
          edit: { changes: { [uriOfPath(yaml)]: [{ range: { start: position, end: position }, newText: insert.text }] } },
        };
      }
    }
    const created = join(dirname(modelPath), 'schema.yml');
    if (existsSync(created)) return null;
    const uri = uriOfPath(created);
    return {
      title: `Add '${model.name}' to a new schema.yml${note}`,
      kind: CodeActionKind.RefactorRewrite,
      edit: {
        documentChanges: [
          { kind: 'create', uri, options: { ignoreIfExists: true } },
          { textDocument: { uri, version: null }, edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: newSchemaFile(model.name, columns) }] },
        ],
      },
    };
  }

  private nearestSchemaFile(projectRoot: string, dir: string): string | null {
    for (let d = dir; d.startsWith(projectRoot); d = dirname(d)) {
      let names: string[] = [];
      try {
        names = readdirSync(d).filter((n) => /\.ya?ml$/i.test(n) && n !== 'dbt_project.yml' && n !== 'packages.yml' && n !== 'profiles.yml').sort();
      } catch {
        // unreadable folder: look further up
      }
      for (const n of names) {
        const p = join(d, n);
        const text = this.files.open(p)?.getText() ?? readText(p);
        if (text !== null && hasModelsList(text)) return p;
      }
      if (d === projectRoot) break;
    }
    return null;
  }

  /** The model name under the cursor (a ref, or its YAML entry) that can be renamed, or an error saying why not. */
  private async renameTarget(params: { textDocument: { uri: string }; position: { line: number; character: number } }): Promise<{ entry: ManifestEntry; range: Range; info: FileInfo } | null> {
    const path = pathOfUri(params.textDocument.uri);
    const info = path ? this.registry.fileInfo(path) : undefined;
    const doc = path ? await this.files.get(path) : null;
    const index = info?.project.index;
    if (!info || !doc || !index) return null;
    const target = targetAt(index, doc.getText(), doc.offsetAt(params.position), info);
    if (!target || target.kind !== 'node') return null;
    const e = target.entry;
    const why =
      e.resourceType !== 'model' ? `only models can be renamed here, not a ${e.resourceType}` :
      !e.enabled ? 'the model is disabled' :
      e.packageName !== index.projectName ? `the model belongs to package '${e.packageName}'` :
      e.version !== null ? 'versioned models are renamed per version file' :
      !e.originalFilePath.endsWith(`/${e.name}.sql`) && e.originalFilePath !== `${e.name}.sql` ? 'its file name is not its name' : null;
    if (why) throw new ResponseError(0, `Cannot rename '${e.name}': ${why}.`);
    return { entry: e, range: innerRange(doc, target.start, target.end), info };
  }

  async prepareRename(params: PrepareRenameParams): Promise<{ range: Range; placeholder: string } | null> {
    const t = await this.renameTarget(params);
    return t && { range: t.range, placeholder: t.entry.name };
  }

  /** Every ref to the model, its YAML entry, then the file rename, as one workspace edit (Shift+Enter in the rename box previews it). */
  async rename(params: RenameParams): Promise<WorkspaceEdit | null> {
    const t = await this.renameTarget(params);
    if (!t) return null;
    const { entry, info } = t;
    const newName = params.newName.trim();
    const index = info.project.index!;
    if (!NAME.test(newName)) throw new ResponseError(0, `'${newName}' is not a valid model name (letters, digits and _, not starting with a digit).`);
    if (newName === entry.name) return null;
    if (index.refableByName.has(newName) || index.disabledByName.has(newName)) throw new ResponseError(0, `A model, seed or snapshot named '${newName}' already exists.`);
    const project = info.project;
    const paths = new Set<string>();
    for (const f of referencingFiles(index, entry)) {
      const p = this.registry.resolvePath(project, f.packageName, f.path);
      if (p) paths.add(p);
    }
    // Disabled models are no one's children, but their refs must follow too (they may be enabled later).
    for (const list of index.disabled.values()) {
      for (const d of list) {
        const p = d.refs.some((r) => r.name === entry.name) ? this.registry.resolvePath(project, d.packageName, d.originalFilePath) : null;
        if (p) paths.add(p);
      }
    }
    for (const p of this.files.openPaths()) if (this.registry.fileInfo(p)?.project === project) paths.add(p);
    const yamlPath = entry.patchPath ? this.registry.resolvePath(project, entry.packageName, entry.patchPath) : null;
    if (yamlPath) paths.add(yamlPath);
    const documentChanges: WorkspaceEdit['documentChanges'] = [];
    for (const path of [...paths].sort()) {
      const fileInfo = this.registry.fileInfo(path);
      const doc = await this.files.get(path);
      if (!fileInfo || !doc) continue;
      const text = doc.getText();
      const edits: TextEdit[] = referencesInText(index, text, fileInfo, entry).map(([s, e]) => ({ range: innerRange(doc, s, e), newText: newName }));
      if (path === yamlPath) {
        const y = findYamlEntity(text, { kind: 'model', name: entry.name });
        if (y) edits.push({ range: innerRange(doc, y.nameStart, y.nameEnd), newText: newName });
      }
      if (edits.length > 0) documentChanges.push({ textDocument: { uri: uriOfPath(path), version: this.files.open(path)?.version ?? null }, edits } satisfies TextDocumentEdit);
    }
    const from = this.registry.resolvePath(project, entry.packageName, entry.originalFilePath);
    if (from) {
      const to = join(dirname(from), `${newName}.sql`);
      documentChanges.push({ kind: 'rename', oldUri: uriOfPath(from), newUri: uriOfPath(to), annotationId: 'renameModel' });
    }
    return {
      documentChanges,
      // Not needsConfirmation: VS Code's preview starts such edits unchecked. Shift+Enter in the rename box previews it all.
      changeAnnotations: { renameModel: { label: `Rename model ${entry.name} to ${newName}`, description: 'the file, every ref and the YAML entries', needsConfirmation: false } },
    };
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function insertEdit(doc: FileText, i: Insert): TextEdit {
  const at = doc.positionAt(i.offset);
  return { range: { start: at, end: at }, newText: i.text };
}

/** The range of a name token without its quotes (`'orders'` -> `orders`). */
function innerRange(doc: FileText, start: number, end: number): Range {
  const text = doc.getText();
  const quoted = /['"]/.test(text[start] ?? '') && end - start >= 2 && text[end - 1] === text[start];
  return { start: doc.positionAt(quoted ? start + 1 : start), end: doc.positionAt(quoted ? end - 1 : end) };
}
