// Publishes diagnostics: per open document (checks on its current text) and
// per project (model checks and the last parse error, on any file). Every
// URI published before and not now is sent an empty list, so nothing stale
// stays in the Problems view (deleted model, fixed error, check turned off).
import { isAbsolute, join } from 'node:path';
import { DiagnosticSeverity, type Connection, type Diagnostic } from 'vscode-languageserver/node';
import { diagnosticSource, DiagnosticCodes } from '../dbt/lspProtocol';
import { locateAnchor } from './definition';
import { checkModels, checkText, type Severity } from './diagnostics';
import { pathOfUri, uriOfPath, type Files, type FileText } from './documents';
import type { Project, ProjectRegistry } from './projects';
import type { ChecksConfig } from './settings';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

function diagnostic(doc: FileText, start: number, end: number, severity: Severity, code: string, message: string, data?: unknown): Diagnostic {
  const d: Diagnostic = { range: { start: doc.positionAt(start), end: doc.positionAt(end) }, severity: SEVERITY[severity], code, source: diagnosticSource, message };
  if (data !== undefined) d.data = data;
  return d;
}

export class DiagnosticsPublisher {
  /** uri -> diagnostics from the open document's text. */
  private readonly textDiagnostics = new Map<string, Diagnostic[]>();
  /** project root -> uri -> model checks and parse error. */
  private readonly projectDiagnostics = new Map<string, Map<string, Diagnostic[]>>();
  private readonly published = new Set<string>();
  private readonly sequence = new Map<string, number>();

  constructor(
    private readonly connection: Connection,
    private readonly registry: ProjectRegistry,
    private readonly files: Files,
    private readonly config: ChecksConfig,
  ) {}

  /**
   * Recomputes the text checks of one open document and publishes its
   * diagnostics; `announce` (a newly opened document) publishes even an
   * empty list, so the client knows the file was checked.
   */
  async refreshDocument(uri: string, announce = false): Promise<void> {
    const path = pathOfUri(uri);
    const info = path ? this.registry.fileInfo(path) : undefined;
    const doc = path ? this.files.open(path) : undefined;
    let diags: Diagnostic[] = [];
    // Files of the project and of its installed packages; each ref resolves from the file's own package, as dbt does.
    if (path && info && doc && info.project.index && !info.project.index.provisional && info.packageName !== null && info.project.index.packages.has(info.packageName)) {
      const version = doc.version;
      const settings = await this.config.get(info.project.root);
      const current = this.files.open(path);
      if (!current || current.version !== version || !info.project.index) return; // a newer edit will refresh again
      diags = checkText(info.project.index, current.getText(), info, settings, info.project.stale).map((f) =>
        diagnostic(current, f.start, f.end, f.severity, f.code, f.message, f.data),
      );
    }
    if (diags.length > 0) this.textDiagnostics.set(uri, diags);
    else this.textDiagnostics.delete(uri);
    this.publish(uri, announce);
  }

  /** The document was closed: its text checks go, project checks on it stay. */
  forgetDocument(uri: string): void {
    this.textDiagnostics.delete(uri);
    this.publish(uri);
  }

  /** Recomputes a project's model checks and parse error, then the text checks of its open documents. */
  async refreshProject(project: Project, openUris: string[]): Promise<void> {
    const seq = (this.sequence.get(project.root) ?? 0) + 1;
    this.sequence.set(project.root, seq);
    const next = new Map<string, Diagnostic[]>();
    const add = (uri: string, d: Diagnostic) => {
      const list = next.get(uri);
      if (list) list.push(d);
      else next.set(uri, [d]);
    };
    const index = project.index;
    // Checks on an index of the files would contradict dbt (it knows no configs, tests or Jinja): they wait for the parse.
    if (index && !index.provisional) {
      const settings = await this.config.get(project.root);
      for (const f of checkModels(index, settings)) {
        const path = this.registry.resolvePath(project, f.entry.packageName, f.path);
        const doc = path ? await this.files.get(path) : null;
        if (!path || !doc) continue;
        const [start, end] = locateAnchor(doc.getText(), f.anchor);
        add(uriOfPath(path), diagnostic(doc, start, end, f.severity, f.code, f.message));
      }
    }
    if (project.parseError) {
      const e = project.parseError;
      const path = e.file ? (isAbsolute(e.file) ? e.file : join(project.root, e.file)) : join(project.root, 'dbt_project.yml');
      const doc = await this.files.get(path);
      const line = Math.max(0, (e.line ?? 1) - 1);
      const lineText = doc ? (doc.getText().split('\n')[line] ?? '') : '';
      add(uriOfPath(path), {
        range: { start: { line, character: 0 }, end: { line, character: lineText.replace(/\r$/, '').length } },
        severity: DiagnosticSeverity.Error,
        code: DiagnosticCodes.parseError,
        source: diagnosticSource,
        message: `dbt parse failed: ${e.message}`,
      });
    }
    if (this.sequence.get(project.root) !== seq) return; // a newer refresh is under way
    const previous = this.projectDiagnostics.get(project.root);
    this.projectDiagnostics.set(project.root, next);
    const touched = new Set([...(previous?.keys() ?? []), ...next.keys()]);
    for (const uri of touched) this.publish(uri);
    for (const uri of openUris) await this.refreshDocument(uri);
  }

  /** The project is gone: clear everything published for it. */
  clearProject(root: string, openUris: string[]): void {
    const previous = this.projectDiagnostics.get(root);
    this.projectDiagnostics.delete(root);
    this.sequence.set(root, (this.sequence.get(root) ?? 0) + 1);
    for (const uri of previous?.keys() ?? []) this.publish(uri);
    for (const uri of openUris) this.forgetDocument(uri);
  }

  /** A file was deleted: drop whatever was shown on it until the next refresh decides again. */
  clearFile(uri: string): void {
    this.textDiagnostics.delete(uri);
    for (const perProject of this.projectDiagnostics.values()) perProject.delete(uri);
    this.publish(uri);
  }

  private publish(uri: string, always = false): void {
    const diags = [...(this.textDiagnostics.get(uri) ?? [])];
    for (const perProject of this.projectDiagnostics.values()) diags.push(...(perProject.get(uri) ?? []));
    if (diags.length === 0 && !this.published.has(uri) && !always) return;
    if (diags.length === 0) this.published.delete(uri);
    else this.published.add(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: diags });
  }
}
