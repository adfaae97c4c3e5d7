// The parsed manifest of each project, as the editor's views use it (code
// lens, tag/selector picks, test definitions, compiled SQL paths). Loaded
// from the slim manifest the worker writes atomically after every parse, so
// a half-written file is never read. The language server reads the same file.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { ManifestIndex } from '../dbt/manifest';
import { manifestPathFor } from '../dbt/manifestPath';
import { nodeFilePath, nodeProjectPath } from '../dbt/packageRoots';
import type { Projects } from './projects';

export interface LoadedManifest {
  index: ManifestIndex;
  /** Names of the selectors defined in selectors.yml. */
  selectors: string[];
  path: string;
}

export class ManifestStore implements vscode.Disposable {
  private readonly loaded = new Map<string, LoadedManifest>();
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the project root whose manifest was (re)loaded. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly storageDir: string,
    private readonly log: (message: string) => void,
  ) {}

  /** Where the worker of `projectRoot` writes its slim manifest: extension storage, never the user's target/. */
  manifestPath(projectRoot: string): string {
    return manifestPathFor(join(this.storageDir, 'manifests'), projectRoot);
  }

  get(projectRoot: string): LoadedManifest | undefined {
    return this.loaded.get(projectRoot);
  }

  /** Reads the slim manifest; keeps the previous one when the file is missing or unreadable. */
  async load(projectRoot: string, path = this.manifestPath(projectRoot)): Promise<LoadedManifest | undefined> {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(path, 'utf8'));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'ENOENT') this.log(`Could not read the parsed manifest ${path}: ${err.message}`);
      return this.loaded.get(projectRoot);
    }
    try {
      const index = new ManifestIndex(raw);
      const sel = (raw as { selectors?: unknown }).selectors;
      const selectors = sel && typeof sel === 'object' ? Object.keys(sel) : [];
      const entry = { index, selectors, path };
      this.loaded.set(projectRoot, entry);
      this.changed.fire(projectRoot);
      return entry;
    } catch (e) {
      this.log(`The parsed manifest ${path} has an unexpected shape: ${(e as Error).message}`);
      return this.loaded.get(projectRoot);
    }
  }

  forget(projectRoot: string): void {
    if (this.loaded.delete(projectRoot)) this.changed.fire(projectRoot);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Tags used by the project's enabled nodes, sorted. */
export function manifestTags(index: ManifestIndex): string[] {
  const tags = new Set<string>();
  for (const e of index.byId.values()) for (const t of e.tags) tags.add(t);
  return [...tags].sort();
}

/** The project as nodeFilePath needs it: its name from the manifest, else from dbt_project.yml; undefined when neither is known. */
function projectOf(manifests: ManifestStore, projects: Projects, projectRoot: string): { root: string; name: string; packagesInstallPath: string } | undefined {
  const project = projects.get(projectRoot);
  const name = manifests.get(projectRoot)?.index.projectName ?? project?.name;
  return name ? { root: projectRoot, name, packagesInstallPath: project?.packagesInstallPath ?? 'dbt_packages' } : undefined;
}

/**
 * The file a node is defined in, or `path` (relative to the node's package,
 * like its patch path or a result's original_file_path); packages are under
 * the project's packages-install-path. Without a manifest, the package is
 * the one the unique id names.
 */
export function nodeFile(manifests: ManifestStore, projects: Projects, projectRoot: string, uniqueId: string, path?: string): vscode.Uri | undefined {
  const entry = manifests.get(projectRoot)?.index.get(uniqueId);
  const rel = path ?? entry?.originalFilePath;
  const project = projectOf(manifests, projects, projectRoot);
  if (!rel || !project) return undefined;
  const packageName = entry?.packageName ?? uniqueId.split('.')[1] ?? project.name;
  return vscode.Uri.file(nodeFilePath(project, packageName, rel));
}

/** ProblemSources.nodePath of a project: a package's file relative to the project root (as is when the project's name is unknown). */
export function nodePaths(manifests: ManifestStore, projects: Projects, projectRoot: string): (packageName: string, relPath: string) => string {
  const project = projectOf(manifests, projects, projectRoot);
  return (packageName, relPath) => (project ? nodeProjectPath(project, packageName, relPath) : relPath);
}
