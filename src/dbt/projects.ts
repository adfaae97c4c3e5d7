// Finds the dbt projects of a workspace from the dbt_project.yml files the
// editor found, leaving out installed packages, build output and virtualenvs
// (a monorepo must not turn dbt_packages into dozens of "projects"). File
// access goes through ProjectFs so tests and the editor can supply their own.
import { lstatSync, readdirSync, realpathSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface DbtProject {
  /** Absolute folder holding dbt_project.yml. */
  root: string;
  /** Absolute path of dbt_project.yml. */
  file: string;
  /** `name:`; undefined when the file could not be read. */
  name?: string;
  /** `profile:` (may be a Jinja expression, kept as written). */
  profile?: string;
  /** Folders relative to `root`, dbt's defaults when absent. */
  modelPaths: string[];
  seedPaths: string[];
  snapshotPaths: string[];
  testPaths: string[];
  macroPaths: string[];
  analysisPaths: string[];
  targetPath: string;
  packagesInstallPath: string;
  /** Why the file could not be used; the path fields then hold dbt's defaults. */
  error?: string;
}

export interface ProjectFs {
  readFile(path: string): Promise<string>;
  exists(path: string): Promise<boolean>;
}

export const nodeFs: ProjectFs = {
  readFile: (path) => readFile(path, 'utf8'),
  exists: async (path) => {
    try {
      await access(path);
      return true;
    } catch {
      return false;
    }
  },
};

// Folders that never hold a project of the user's own: installed packages,
// build output, dependencies, Python environments, VCS data.
const EXCLUDED_FOLDERS = new Set([
  'dbt_packages', 'dbt_modules', 'target', 'node_modules', '.git', 'site-packages', 'dist-packages', '.venv', 'venv', '.tox', '__pycache__',
]);

const DEFAULTS = {
  modelPaths: ['models'],
  seedPaths: ['seeds'],
  snapshotPaths: ['snapshots'],
  testPaths: ['tests'],
  macroPaths: ['macros'],
  analysisPaths: ['analyses'],
  targetPath: 'target',
  packagesInstallPath: 'dbt_packages',
};

/** Reads one dbt_project.yml text. Never throws: problems go to `error`. */
export function readProject(file: string, text: string): DbtProject {
  const abs = resolve(file);
  const project: DbtProject = { root: dirname(abs), file: abs, ...structuredClone(DEFAULTS) };
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    project.error = `dbt_project.yml is not valid YAML: ${firstLine(err)}`;
    return project;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    project.error = 'dbt_project.yml must be a mapping with at least `name:` and `profile:`.';
    return project;
  }
  const y = doc as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof y.name === 'string' && y.name.trim() !== '') project.name = y.name.trim();
  else problems.push('it has no `name:`');
  if (typeof y.profile === 'string' && y.profile.trim() !== '') project.profile = y.profile.trim();

  const paths = (key: string, legacy: string | undefined, fallback: string[]): string[] => {
    const v = y[key] ?? (legacy === undefined ? undefined : y[legacy]);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string') return [v];
    if (Array.isArray(v) && v.every((p) => typeof p === 'string')) return v as string[];
    problems.push(`\`${key}\` must be a list of folder names`);
    return fallback;
  };
  // source-paths and data-paths are the pre-1.0 names dbt still accepts.
  project.modelPaths = paths('model-paths', 'source-paths', DEFAULTS.modelPaths);
  project.seedPaths = paths('seed-paths', 'data-paths', DEFAULTS.seedPaths);
  project.snapshotPaths = paths('snapshot-paths', undefined, DEFAULTS.snapshotPaths);
  project.testPaths = paths('test-paths', undefined, DEFAULTS.testPaths);
  project.macroPaths = paths('macro-paths', undefined, DEFAULTS.macroPaths);
  project.analysisPaths = paths('analysis-paths', undefined, DEFAULTS.analysisPaths);
  if (typeof y['target-path'] === 'string' && y['target-path'] !== '') project.targetPath = y['target-path'];
  if (typeof y['packages-install-path'] === 'string' && y['packages-install-path'] !== '') {
    project.packagesInstallPath = y['packages-install-path'];
  }
  if (problems.length > 0) project.error = `dbt_project.yml: ${problems.join('; ')}.`;
  return project;
}

/**
 * True when `file` lies in a folder that never holds a user's project
 * (dbt_packages, target, node_modules, .git, site-packages, .venv/venv...).
 * Only the part below `under` (a workspace folder) is looked at, so a
 * workspace that itself sits in, say, /srv/target/ still works.
 */
export function isInExcludedFolder(file: string, under?: string): boolean {
  const dir = dirname(resolve(file));
  const rel = under === undefined ? dir : relative(resolve(under), dir);
  if (under !== undefined && (rel.startsWith('..') || isAbsolute(rel))) return false;
  return rel.split(/[\\/]+/).some((segment) => EXCLUDED_FOLDERS.has(segment));
}

/**
 * The user's dbt projects among `candidates` (paths of dbt_project.yml
 * files), sorted by root. Excluded: files in EXCLUDED_FOLDERS, inside a
 * virtualenv (a folder with pyvenv.cfg, e.g. `env/`), or inside another
 * project's target-path or packages-install-path.
 */
export async function discoverProjects(
  candidates: readonly string[],
  options: { fs?: ProjectFs; workspaceFolders?: readonly string[] } = {},
): Promise<DbtProject[]> {
  const fs = options.fs ?? nodeFs;
  const folders = (options.workspaceFolders ?? []).map((f) => resolve(f));
  const venvCache = new Map<string, Promise<boolean>>();
  const isVenv = (dir: string): Promise<boolean> => {
    let hit = venvCache.get(dir);
    if (hit === undefined) {
      hit = fs.exists(join(dir, 'pyvenv.cfg'));
      venvCache.set(dir, hit);
    }
    return hit;
  };

  const unique = [...new Set(candidates.map((c) => resolve(c)))];
  const kept: DbtProject[] = [];
  await Promise.all(unique.map(async (file) => {
    const folder = folders.find((f) => isInside(f, file));
    if (isInExcludedFolder(file, folder)) return;
    // Walk up from the project's parent to the workspace folder (or the filesystem root).
    for (let dir = dirname(dirname(file)); ; dir = dirname(dir)) {
      if (folder !== undefined && !isInside(folder, dir)) break;
      if (await isVenv(dir)) return;
      if (dirname(dir) === dir) break;
    }
    let text: string;
    try {
      text = await fs.readFile(file);
    } catch (err) {
      kept.push({ ...readProject(file, ''), error: `Cannot read dbt_project.yml: ${firstLine(err)}` });
      return;
    }
    kept.push(readProject(file, text));
  }));

  // A project inside another one's package or target folder is a copy, whatever those folders are called.
  const result = kept.filter((p) => !kept.some((outer) => outer !== p && (
    isInside(resolve(outer.root, outer.packagesInstallPath), p.root) || isInside(resolve(outer.root, outer.targetPath), p.root)
  )));
  return result.sort((a, b) => (a.root < b.root ? -1 : a.root > b.root ? 1 : 0));
}

/** The innermost project whose folder contains `filePath` (a file or folder), or undefined. */
export function projectForFile<P extends { root: string }>(projects: readonly P[], filePath: string): P | undefined {
  const abs = resolve(filePath);
  let best: P | undefined;
  for (const p of projects) {
    if ((abs === p.root || isInside(p.root, abs)) && (best === undefined || p.root.length > best.root.length)) best = p;
  }
  return best;
}

/**
 * The real folders of the packages that `dbt deps` installed as symlinks in
 * the project's packages-install-path (`local:` packages). dbt parses a file
 * there as part of this project, though the editor sees it at the link's target.
 */
export function symlinkedPackages(project: DbtProject): string[] {
  const dir = resolve(project.root, project.packagesInstallPath);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const name of names) {
    try {
      if (lstatSync(join(dir, name)).isSymbolicLink()) found.push(realpathSync(join(dir, name)));
    } catch {
      // a dangling link: dbt cannot read it either
    }
  }
  return found;
}

/**
 * Every project whose parse reads `filePath`: the innermost project holding
 * it, and each project that installs a symlinked package holding it
 * (`links`: project root -> symlinkedPackages()).
 */
export function projectsReadingFile<P extends { root: string }>(projects: readonly P[], filePath: string, links: (project: P) => readonly string[]): P[] {
  const abs = resolve(filePath);
  const owner = projectForFile(projects, abs);
  const readers = projects.filter((p) => p !== owner && links(p).some((pkg) => isInside(pkg, abs)));
  return owner ? [owner, ...readers] : readers;
}

export type ProjectFolderKind = 'model' | 'seed' | 'snapshot' | 'test' | 'macro' | 'analysis';

/** Which of the project's configured folders holds `filePath`, if any. */
export function folderKindOf(project: DbtProject, filePath: string): ProjectFolderKind | undefined {
  const abs = resolve(filePath);
  const kinds: [ProjectFolderKind, string[]][] = [
    ['model', project.modelPaths], ['seed', project.seedPaths], ['snapshot', project.snapshotPaths],
    ['test', project.testPaths], ['macro', project.macroPaths], ['analysis', project.analysisPaths],
  ];
  for (const [kind, paths] of kinds) {
    if (paths.some((p) => isInside(resolve(project.root, p), abs))) return kind;
  }
  return undefined;
}

/** True when `child` is strictly inside folder `parent`. */
function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0];
}
