// The dbt projects of the workspace (every folder, multi-root included):
// found with findFiles, packages, build output and virtualenvs excluded;
// which one is active (the active file's, else the one last chosen); and
// file watchers that report changes inside each project.
import { readFileSync } from 'node:fs';
import { basename, join, sep } from 'node:path';
import * as vscode from 'vscode';
import { discoverProjects, projectForFile, projectsReadingFile, symlinkedPackages, type DbtProject as ProjectFile } from '../dbt/projects';

export interface DbtProject extends ProjectFile {
  /** `name:` from dbt_project.yml, else the folder's name. */
  name: string;
  folder: vscode.WorkspaceFolder | undefined;
}

/** Keeps findFiles from walking big folders; discoverProjects applies the full rules (virtualenvs, target-path...). */
const SEARCH_EXCLUDE = '**/{dbt_packages,dbt_modules,target,node_modules,.git,site-packages,.venv,venv,.tox}/**';

/** What `dbt deps` writes; a change means the symlinked packages may have changed. */
const DEPS_FILES = new Set(['packages.yml', 'dependencies.yml', 'package-lock.yml']);

/** Files whose change can change the parse (dbt reads them), not build output. */
const WATCH_GLOB = '**/{*.sql,*.py,*.yml,*.yaml,*.csv,*.md,package-lock.yml}';

export class Projects implements vscode.Disposable {
  private projects: DbtProject[] = [];
  private chosenRoot: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly activeChanged = new vscode.EventEmitter<DbtProject | undefined>();
  private readonly filesChanged = new vscode.EventEmitter<{ project: DbtProject; uri: vscode.Uri }>();
  private rediscoverTimer: NodeJS.Timeout | undefined;
  private lastActive: DbtProject | undefined;
  /** Project root -> real folders of its symlinked (`local:`) packages; refreshed when deps may have run. */
  private readonly packageLinks = new Map<string, string[]>();

  /** The list of projects changed. */
  readonly onDidChange = this.changed.event;
  /** The active project changed (editor switch or explicit choice). */
  readonly onDidChangeActive = this.activeChanged.event;
  /** A file dbt reads was created, changed or deleted inside a project. */
  readonly onDidChangeFiles = this.filesChanged.event;

  constructor(private readonly log: (message: string) => void) {
    const projectFiles = vscode.workspace.createFileSystemWatcher('**/dbt_project.yml');
    const rediscover = () => this.scheduleRediscover();
    const files = vscode.workspace.createFileSystemWatcher(WATCH_GLOB);
    const onFile = (uri: vscode.Uri) => this.reportFile(uri);
    this.disposables.push(
      projectFiles,
      projectFiles.onDidCreate(rediscover),
      projectFiles.onDidDelete(rediscover),
      projectFiles.onDidChange((uri) => {
        rediscover();
        onFile(uri);
      }),
      files,
      files.onDidCreate(onFile),
      files.onDidChange(onFile),
      files.onDidDelete(onFile),
      vscode.workspace.onDidChangeWorkspaceFolders(rediscover),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateActive()),
      this.changed,
      this.activeChanged,
      this.filesChanged,
    );
  }

  /** Finds every dbt_project.yml of the workspace (all folders), leaving out packages, build output and virtualenvs. */
  async discover(): Promise<DbtProject[]> {
    const uris = await vscode.workspace.findFiles('**/dbt_project.yml', SEARCH_EXCLUDE);
    const files = uris.filter((u) => u.scheme === 'file').map((u) => u.fsPath);
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    const found: DbtProject[] = (await discoverProjects(files, { workspaceFolders: folders })).map((p) => ({
      ...p,
      name: p.name ?? basename(p.root),
      folder: vscode.workspace.getWorkspaceFolder(vscode.Uri.file(p.file)),
    }));
    for (const p of found) if (p.error) this.log(`${p.root}: ${p.error}`);
    const before = this.projects.map((p) => `${p.root}\0${p.name}`).join('\n');
    this.projects = found;
    this.packageLinks.clear();
    if (found.map((p) => `${p.root}\0${p.name}`).join('\n') !== before) {
      this.log(found.length === 0 ? 'No dbt project found in the workspace.' : `dbt projects: ${found.map((p) => `${p.name} (${p.root})`).join(', ')}`);
      this.changed.fire();
    }
    this.updateActive();
    return found;
  }

  list(): readonly DbtProject[] {
    return this.projects;
  }

  get(root: string): DbtProject | undefined {
    return this.projects.find((p) => p.root === root);
  }

  /** The project a file belongs to (the innermost one holding it). */
  forUri(uri: vscode.Uri): DbtProject | undefined {
    return uri.scheme === 'file' ? projectForFile(this.projects, uri.fsPath) : undefined;
  }

  /** The active file's project; else the last one chosen or active; else the first. */
  active(): DbtProject | undefined {
    const editor = vscode.window.activeTextEditor;
    const fromEditor = editor ? this.forUri(editor.document.uri) : undefined;
    return fromEditor ?? (this.chosenRoot ? this.get(this.chosenRoot) : undefined) ?? this.projects[0];
  }

  /** Makes a project the default for commands when the active file belongs to none. */
  choose(root: string): void {
    this.chosenRoot = root;
    this.updateActive();
  }

  private updateActive(): void {
    const active = this.active();
    // Remember the last project the user worked in, for when no dbt file is focused.
    const editor = vscode.window.activeTextEditor;
    if (active && editor && this.forUri(editor.document.uri)) this.chosenRoot = active.root;
    if (active?.root !== this.lastActive?.root) {
      this.lastActive = active;
      this.activeChanged.fire(active);
    }
  }

  private reportFile(uri: vscode.Uri): void {
    if (uri.scheme !== 'file') return;
    // `dbt deps` rewrites these (and the links under dbt_packages/) when it runs.
    if (DEPS_FILES.has(basename(uri.fsPath))) this.packageLinks.clear();
    for (const project of projectsReadingFile(this.projects, uri.fsPath, (p) => this.linksOf(p))) {
      if (this.isBuildOutput(project, uri.fsPath)) continue;
      this.filesChanged.fire({ project, uri });
    }
  }

  /** Build output and logs never change the parse (of the project, or of the package the file is in). */
  private isBuildOutput(project: DbtProject, file: string): boolean {
    const base = file.startsWith(project.root + sep) ? project.root : this.linksOf(project).find((pkg) => file.startsWith(pkg + sep));
    if (base === undefined) return false;
    const parts = file.slice(base.length + 1).split(sep);
    const targetPath = base === project.root ? project.targetPath : 'target';
    return parts[0] === targetPath || parts[0] === 'logs' || parts.includes('.git');
  }

  private linksOf(project: DbtProject): string[] {
    let links = this.packageLinks.get(project.root);
    if (links === undefined) {
      links = symlinkedPackages(project);
      this.packageLinks.set(project.root, links);
    }
    return links;
  }

  private scheduleRediscover(): void {
    clearTimeout(this.rediscoverTimer);
    this.rediscoverTimer = setTimeout(() => {
      this.discover().catch((e: unknown) => this.log(`Looking for dbt projects failed: ${(e as Error).message}`));
    }, 300);
  }

  dispose(): void {
    clearTimeout(this.rediscoverTimer);
    for (const d of this.disposables) d.dispose();
  }
}

/** A project file's text (path relative to the project root), or undefined when it cannot be read. */
export function readProjectFile(projectRoot: string, rel: string): string | undefined {
  try {
    return readFileSync(join(projectRoot, rel), 'utf8');
  } catch {
    return undefined;
  }
}
