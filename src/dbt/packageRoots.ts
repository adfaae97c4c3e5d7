// Where the packages of a dbt project live, and which package a file belongs
// to. Installed packages sit in <project>/<packages-install-path>/<dir>
// (vendored folders, hub and git packages) or are symlinks there (`local:`
// packages, installed by `dbt deps` as a link to the package's own folder),
// so a package file may be opened through either path. The package's name
// is the `name:` of its dbt_project.yml, which the manifest uses.
import { readdir, readFile, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { readProject } from './projects';

export interface PackageRoot {
  /** The package's name (`name:` in its dbt_project.yml; the folder name when unreadable). */
  name: string;
  /** The folder under the packages install path. */
  root: string;
  /** The same folder with symlinks resolved (a local package's own folder). */
  realRoot: string;
}

async function realOrSame(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return path;
  }
}

/** The installed packages of a project; [] when the install folder does not exist. */
export async function readPackageRoots(projectRoot: string, packagesInstallPath: string): Promise<PackageRoot[]> {
  const dir = isAbsolute(packagesInstallPath) ? packagesInstallPath : join(projectRoot, packagesInstallPath);
  let entries: string[];
  try {
    entries = (await readdir(dir)).sort();
  } catch {
    return [];
  }
  const out: PackageRoot[] = [];
  for (const entry of entries) {
    const root = join(dir, entry);
    const file = join(root, 'dbt_project.yml');
    let name = entry;
    try {
      name = readProject(file, await readFile(file, 'utf8')).name ?? entry;
    } catch {
      continue; // not a dbt package (a stray file or folder)
    }
    out.push({ name, root, realRoot: await realOrSame(root) });
  }
  return out;
}

function inside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * The file of a node of package `packageName` at `relPath` (its
 * original_file_path, relative to its package's root): under the project for
 * the project's own nodes, else under <packages-install-path>/<package>, the
 * folder `dbt deps` names after the package (a `local:` package: its symlink).
 */
export function nodeFilePath(project: { root: string; name?: string; packagesInstallPath: string }, packageName: string, relPath: string): string {
  const base = packageName === project.name ? project.root : resolve(project.root, project.packagesInstallPath, packageName);
  return join(base, relPath);
}

/** nodeFilePath relative to the project root, '/'-separated ('../' when the packages are installed outside it). */
export function nodeProjectPath(project: { root: string; name?: string; packagesInstallPath: string }, packageName: string, relPath: string): string {
  return relative(project.root, nodeFilePath(project, packageName, relPath)).split(sep).join('/');
}

/** The package holding `path` (by its install path or its real folder), with the path relative to the package root ('/' separated). */
export function packageOfPath(roots: readonly PackageRoot[], path: string): { packageName: string; relPath: string } | null {
  let best: { packageName: string; relPath: string; depth: number } | null = null;
  for (const r of roots) {
    for (const base of r.root === r.realRoot ? [r.root] : [r.root, r.realRoot]) {
      if (!inside(base, path) || (best && base.length <= best.depth)) continue;
      best = { packageName: r.name, relPath: relative(base, path).split(sep).join('/'), depth: base.length };
    }
  }
  return best && { packageName: best.packageName, relPath: best.relPath };
}
