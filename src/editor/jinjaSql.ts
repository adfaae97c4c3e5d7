// The Jinja SQL language for dbt files: a `.sql` file under a dbt project's
// model, macro, test, snapshot or analysis paths (its installed packages'
// too) is switched from VS Code's `sql` to `jinja-sql` when it opens, so its
// Jinja is highlighted. No `files.associations` are touched: `.sql` files
// elsewhere keep their language, a file the user set to another language is
// left alone, and `dbtConductor.jinjaSql.enabled: false` turns it all off
// (switching the files it changed back to `sql`).
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import * as vscode from 'vscode';
import { folderKindOf, readProject, type DbtProject as ProjectFile } from '../dbt/projects';
import type { Config } from './config';
import type { Projects } from './projects';

export const JINJA_SQL = 'jinja-sql';
const DBT_SQL_FOLDERS = new Set(['model', 'macro', 'test', 'snapshot', 'analysis']);

export class JinjaSqlLanguage implements vscode.Disposable {
  /** Files switched to jinja-sql by us (to switch back when the setting is turned off). */
  private readonly switched = new Set<string>();
  /** Files the user switched away from jinja-sql: left alone for the session. */
  private readonly userChose = new Set<string>();
  /** Documents closed in the current tick: a close then an open of the same file in one tick is a language change. */
  private readonly closedNow = new Map<string, string>();
  private readonly packages = new Map<string, ProjectFile | null>();
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly projects: Projects,
    private readonly config: Config,
  ) {
    this.disposables = [
      vscode.workspace.onDidCloseTextDocument((doc) => {
        this.closedNow.set(doc.uri.toString(), doc.languageId);
        setImmediate(() => this.closedNow.delete(doc.uri.toString()));
      }),
      vscode.workspace.onDidOpenTextDocument((doc) => this.opened(doc)),
      projects.onDidChange(() => this.applyToOpen()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('dbtConductor.jinjaSql')) void this.applyToOpen();
      }),
    ];
  }

  /** Applies the language to every open document (after project discovery or a settings change). */
  async applyToOpen(): Promise<void> {
    for (const doc of vscode.workspace.textDocuments) await this.apply(doc);
  }

  /** True for a dbt project's SQL file (model, macro, test, snapshot, analysis; root project or installed package). */
  isDbtSqlFile(uri: vscode.Uri): boolean {
    if (uri.scheme !== 'file' || !uri.fsPath.toLowerCase().endsWith('.sql')) return false;
    const project = this.projects.forUri(uri);
    if (!project) return false;
    const kind = folderKindOf(project, uri.fsPath) ?? this.packageFolderKind(project, uri.fsPath);
    return kind !== undefined && DBT_SQL_FOLDERS.has(kind);
  }

  private opened(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    const before = this.closedNow.get(key);
    // A language change is a close and an open in one tick: from jinja-sql to anything else is the user's choice.
    if (before === JINJA_SQL && doc.languageId !== JINJA_SQL) {
      this.userChose.add(key);
      this.switched.delete(key);
      return;
    }
    void this.apply(doc);
  }

  private async apply(doc: vscode.TextDocument): Promise<void> {
    const key = doc.uri.toString();
    const enabled = this.config.jinjaSqlEnabled(doc.uri);
    try {
      if (!enabled && doc.languageId === JINJA_SQL && this.switched.has(key)) {
        this.switched.delete(key);
        await vscode.languages.setTextDocumentLanguage(doc, 'sql');
      } else if (enabled && doc.languageId === 'sql' && !this.userChose.has(key) && this.isDbtSqlFile(doc.uri)) {
        this.switched.add(key);
        await vscode.languages.setTextDocumentLanguage(doc, JINJA_SQL);
      }
    } catch {
      // The document was closed meanwhile: nothing to switch.
    }
  }

  /** The folder kind of a file of an installed package (dbt_packages/<dir>/...), from the package's own dbt_project.yml. */
  private packageFolderKind(project: ProjectFile, path: string): ReturnType<typeof folderKindOf> {
    const installDir = isAbsolute(project.packagesInstallPath) ? project.packagesInstallPath : join(project.root, project.packagesInstallPath);
    const rel = relative(installDir, path);
    if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
    const dir = join(installDir, rel.split(sep)[0]!);
    let pkg = this.packages.get(dir);
    if (pkg === undefined) {
      const file = join(dir, 'dbt_project.yml');
      pkg = existsSync(file) ? readProject(file, readFileSync(file, 'utf8')) : null;
      this.packages.set(dir, pkg);
    }
    return pkg ? folderKindOf(pkg, path) : undefined;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
