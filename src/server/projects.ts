// The dbt projects the server knows (one server serves every project of the
// window), each with its current manifest index. Manifests are read whole
// and swapped in only when they parse: a partial file keeps the previous
// index. Package roots (dbt_packages/<dir>) are found from their
// dbt_project.yml so package macros and models can be opened, and so files
// of a `local:` package opened from its own folder (the target of the
// symlink under dbt_packages/) are attributed to the package. A package that
// is also a project of its own with a manifest answers for its files itself,
// so no file is reported twice.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ManifestError, ManifestIndex } from '../dbt/manifest';
import { packageOfPath, readPackageRoots, type PackageRoot } from '../dbt/packageRoots';
import type { ParseErrorInfo } from '../dbt/lspProtocol';

export type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface Project {
  root: string;
  /** Name from dbt_project.yml (null until read). */
  name: string | null;
  index: ManifestIndex | null;
  manifestPath: string | null;
  stale: boolean;
  /** 'client': told by the extension; 'discovered': the server found target/manifest.json itself. */
  manifestSource: 'client' | 'discovered' | null;
  /** Folder (relative to root) packages are installed in. */
  packagesDir: string;
  targetDir: string;
  /** The installed packages (not the project itself). */
  packageRoots: PackageRoot[];
  parseError: ParseErrorInfo | null;
  /** Bumped on every load request so a slow older load never overwrites a newer one. */
  generation: number;
  /** Columns the last `dbt show` of a node returned, by unique id (told by the extension). */
  columnsSeen: Map<string, string[]>;
}

/** Where a file sits: its project, the package it belongs to and its path inside that package. */
export interface FileInfo {
  project: Project;
  packageName: string | null;
  /** '/' separated, relative to the package root. */
  relPath: string;
  isYaml: boolean;
}

/** Folders under a project whose files are not project sources. */
const GENERATED_DIRS = ['logs', '.venv', 'venv', 'node_modules', '.git', 'dbt_internal_packages'];

function toSlashes(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

export async function readProjectFile(root: string): Promise<{ name: string | null; packagesDir: string; targetDir: string }> {
  try {
    const parsed: unknown = parseYaml(await readFile(join(root, 'dbt_project.yml'), 'utf8'));
    const o = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
    const s = (v: unknown, d: string) => (typeof v === 'string' && v !== '' && !v.includes('{{') ? v : d);
    return { name: typeof o.name === 'string' ? o.name : null, packagesDir: s(o['packages-install-path'], 'dbt_packages'), targetDir: s(o['target-path'], 'target') };
  } catch {
    return { name: null, packagesDir: 'dbt_packages', targetDir: 'target' };
  }
}

function isYamlPath(path: string): boolean {
  return /\.ya?ml$/i.test(path);
}

export class ProjectRegistry {
  private readonly projects = new Map<string, Project>();

  constructor(private readonly log: Log) {}

  all(): Project[] {
    return [...this.projects.values()];
  }

  get(root: string): Project | undefined {
    return this.projects.get(root);
  }

  async add(root: string): Promise<Project> {
    const existing = this.projects.get(root);
    if (existing) return existing;
    const project: Project = {
      root,
      name: null,
      index: null,
      manifestPath: null,
      stale: false,
      manifestSource: null,
      packagesDir: 'dbt_packages',
      targetDir: 'target',
      packageRoots: [],
      parseError: null,
      generation: 0,
      columnsSeen: new Map(),
    };
    this.projects.set(root, project);
    const file = await readProjectFile(root);
    project.name = file.name;
    project.packagesDir = file.packagesDir;
    project.targetDir = file.targetDir;
    return project;
  }

  rememberColumns(root: string, uniqueId: string, columns: string[]): void {
    const project = this.projects.get(root);
    if (project) project.columnsSeen.set(uniqueId, columns);
  }

  remove(root: string): Project | undefined {
    const p = this.projects.get(root);
    this.projects.delete(root);
    return p;
  }

  /**
   * Reads a manifest and swaps it in. Returns false (keeping the previous
   * index) when the file is missing, partial or not a manifest; logs one line.
   */
  async load(project: Project, manifestPath: string, stale: boolean, source: 'client' | 'discovered'): Promise<boolean> {
    const generation = ++project.generation;
    let index: ManifestIndex;
    const started = Date.now();
    try {
      const text = await readFile(manifestPath, 'utf8');
      index = new ManifestIndex(JSON.parse(text));
    } catch (err) {
      const why =
        err instanceof SyntaxError
          ? 'it is not complete JSON (still being written, or truncated)'
          : err instanceof ManifestError
            ? err.message
            : (err as NodeJS.ErrnoException).code === 'ENOENT'
              ? 'the file does not exist'
              : String(err);
      const kept = project.index ? 'keeping the previous manifest' : 'no manifest yet, dbt features are off for this project';
      this.log('warn', `manifest ${manifestPath} for ${project.root} not read: ${why}; ${kept}`);
      return false;
    }
    // A newer load started meanwhile, or the client spoke after our own discovery: drop this one.
    // An index of the files (provisional) never replaces a manifest dbt wrote, and any such manifest replaces it.
    const current = project.index && !project.index.provisional ? project.manifestSource : null;
    if (generation !== project.generation || (source === 'discovered' && current === 'client')) return false;
    if (index.provisional && current !== null) {
      this.log('info', `index of the files of ${project.root} ignored: the manifest of dbt's parse is already loaded`);
      return false;
    }
    project.index = index;
    project.manifestPath = manifestPath;
    project.stale = stale;
    project.manifestSource = source;
    project.packageRoots = await readPackageRoots(project.root, project.packagesDir);
    const s = index.stats;
    this.log(
      'info',
      `manifest for ${project.name ?? project.root}: ${s.models} models, ${s.sources} sources, ${s.macros} macros, ${s.docs} docs ` +
        `(${index.provisional ? 'from files, not yet parsed' : `dbt ${index.dbtVersion ?? '?'}`}, ${Date.now() - started} ms)${stale ? ' [stale: read from disk, may not match the files]' : ''}`,
    );
    for (const w of index.warnings) this.log('warn', `manifest for ${project.root}: ${w}`);
    return true;
  }

  /** The project holding `path` (the deepest root that contains it), or undefined. */
  projectOf(path: string): Project | undefined {
    let best: Project | undefined;
    for (const p of this.projects.values()) {
      if ((path === p.root || path.startsWith(p.root + sep)) && (!best || p.root.length > best.root.length)) best = p;
    }
    return best;
  }

  /**
   * Where a file sits: its own project when that has a manifest (a package
   * opened as a project answers for itself), else the project that has it
   * as an installed package (through dbt_packages/ or a local package's own
   * folder), else its own project without a manifest.
   */
  fileInfo(path: string): FileInfo | undefined {
    const own = this.projectOf(path);
    if (own?.index) return this.infoIn(own, path);
    for (const project of this.all()) {
      if (project === own || !project.index) continue;
      const pkg = packageOfPath(project.packageRoots, path);
      if (pkg) return { project, ...pkg, isYaml: isYamlPath(path) };
    }
    return own ? this.infoIn(own, path) : undefined;
  }

  private infoIn(project: Project, path: string): FileInfo {
    const pkg = packageOfPath(project.packageRoots, path);
    if (pkg) return { project, ...pkg, isYaml: isYamlPath(path) };
    return { project, packageName: project.index?.projectName ?? project.name, relPath: toSlashes(relative(project.root, path)), isYaml: isYamlPath(path) };
  }

  /** Projects whose parse reads `path`: its own project, and those that install it as a local package. */
  projectsReading(path: string): Project[] {
    const own = this.projectOf(path);
    const out = own && this.isSourceFile(own, path) ? [own] : [];
    for (const project of this.all()) {
      if (project === own) continue;
      if (project.packageRoots.some((r) => r.realRoot !== r.root && packageOfPath([r], path) !== null)) out.push(project);
    }
    return out;
  }

  /** Absolute path of a file of `packageName`, or null when the package's folder is unknown (e.g. dbt's own macros). */
  resolvePath(project: Project, packageName: string, relPath: string): string | null {
    if (packageName === (project.index?.projectName ?? project.name)) return join(project.root, relPath);
    const root = project.packageRoots.find((r) => r.name === packageName)?.root;
    return root ? join(root, relPath) : null;
  }

  /** True for files whose change means the project must be re-parsed (not target/, logs/, packages). */
  isSourceFile(project: Project, path: string): boolean {
    const rel = toSlashes(relative(project.root, path));
    if (rel.startsWith('..')) return false;
    const first = rel.split('/')[0];
    if ([project.targetDir, project.packagesDir, ...GENERATED_DIRS].includes(first)) return false;
    return /\.(sql|ya?ml|md|csv|py|jinja)$/i.test(rel);
  }
}

/**
 * Walks up from a file to the folder holding dbt_project.yml, skipping
 * installed packages (dbt_packages/x/dbt_project.yml belongs to the outer project).
 */
export function findProjectRoot(filePath: string): string | null {
  let dir = dirname(filePath);
  for (let i = 0; i < 64; i++) {
    if (existsSync(join(dir, 'dbt_project.yml'))) {
      const parentName = dirname(dir).split(sep).pop();
      if (parentName !== 'dbt_packages' && parentName !== 'dbt_modules') return dir;
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
  return null;
}
