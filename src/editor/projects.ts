// The dbt projects of the workspace (every folder, multi-root included):
// found with findFiles, packages, build output and virtualenvs excluded;
// which one is active (the active file's, else the one last chosen); and
// file watchers that report changes inside each project.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import * as vscode from 'vscode';
import { parse } from 'yaml';

export interface DbtProject {
  /** Absolute path of the folder holding dbt_project.yml. */
  root: string;
  /** `name:` from dbt_project.yml (the folder name when unreadable). */
  name: string;
  folder: vscode.WorkspaceFolder | undefined;
}

/** Folders never searched for projects: installed packages, build output, dependencies, virtualenvs. */
const EXCLUDED_DIRS = ['dbt_packages', 'dbt_modules', 'target', 'node_modules', '.venv', 'venv', '.tox', 'site-packages', '.git'];
const PROJECT_SEARCH_EXCLUDE_GLOB = `**/{${EXCLUDED_DIRS.join(',')}}/**`;

function isExcludedProjectPath(fsPath: string): boolean {
  return fsPath.split(/[\\/]/).some((part) => EXCLUDED_DIRS.includes(part));
}

/** The innermost project root that contains `fsPath`. */
function projectForFile(fsPath: string, roots: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const root of roots) {
    if ((fsPath === root || fsPath.startsWith(root + sep)) && (!best || root.length > best.length)) best = root;
  }
  return best;
}

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

  /** Finds every dbt_project.yml of the workspace. */
  async discover(): Promise<DbtProject[]> {
    const uris = await vscode.workspace.findFiles('**/dbt_project.yml', PROJECT_SEARCH_EXCLUDE_GLOB);
    const found: DbtProject[] = [];
    for (const uri of uris) {
      if (uri.scheme !== 'file' || isExcludedProjectPath(uri.fsPath)) continue;
      const root = dirname(uri.fsPath);
      found.push({ root, name: await projectName(uri.fsPath), folder: vscode.workspace.getWorkspaceFolder(uri) });
    }
    found.sort((a, b) => a.root.localeCompare(b.root));
    const before = this.projects.map((p) => `${p.root}\0${p.name}`).join('\n');
    this.projects = found;
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
    if (uri.scheme !== 'file') return undefined;
    const root = projectForFile(uri.fsPath, this.projects.map((p) => p.root));
    return root === undefined ? undefined : this.get(root);
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
    const project = this.forUri(uri);
    if (!project) return;
    // Build output and logs never change the parse.
    const rel = uri.fsPath.slice(project.root.length + 1);
    if (/^(target|logs)[\\/]/.test(rel) || rel.split(sep).includes('.git')) return;
    this.filesChanged.fire({ project, uri });
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

async function projectName(projectFile: string): Promise<string> {
  try {
    const doc = parse(await readFile(projectFile, 'utf8')) as { name?: unknown } | null;
    if (doc && typeof doc.name === 'string') return doc.name;
  } catch {
    // dbt reports an invalid dbt_project.yml itself on the first command.
  }
  return basename(dirname(projectFile));
}

/** A project file's text (path relative to the project root), or undefined when it cannot be read. */
export function readProjectFile(projectRoot: string, rel: string): string | undefined {
  try {
    return readFileSync(join(projectRoot, rel), 'utf8');
  } catch {
    return undefined;
  }
}
