// An index of a dbt project built from its files alone, before dbt has
// parsed it (issue 13): the code lens, go to definition and completion of
// ref/source work from it within a second of opening a project that has no
// saved manifest, until the manifest of dbt's parse replaces it. It reads
// what dbt's own file discovery reads (parser/read_files.py), for the root
// project and each installed package (vendored folders, and `local:`
// packages, which `dbt deps` installs as symlinks under dbt_packages/):
// - models: every .sql/.py file under `model-paths`, named by its file name;
//   versions as schema YAML declares them (`<name>_v<v>` or `defined_in`);
// - seeds (.csv under `seed-paths`), analyses, singular tests;
// - snapshots by their `{% snapshot name %}` blocks (and YAML snapshots);
// - macros by their `{% macro name(` blocks (tests/generic too), docs blocks;
// - sources from schema YAML files, and which YAML documents which node.
// It claims only what dbt would agree with: the same unique ids, names,
// files and resource types (test/unit/fileIndex.test.ts compares it with
// real manifests). What it cannot know without rendering Jinja (a model
// disabled by config, descriptions, columns, tests) it leaves out.
//
// The result is manifest.json-shaped (metadata.dbt_conductor_provisional),
// so ManifestIndex reads it like any manifest. Pure: the file tree is passed
// in (nodeFileTree reads the disk).
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { jinjaBlocks } from './jinjaBlocks';
import { isJsonObject as isObject, type JsonObject as Json } from './json';
import { readProject, type DbtProject } from './projects';

export interface DirEntry {
  name: string;
  /** A folder (also through a symlink). */
  dir: boolean;
  /** A symlink (dbt does not descend into linked subfolders of a path, but a linked package root is read). */
  link: boolean;
}

export interface FileTree {
  /** The entries of a folder; [] when it does not exist or cannot be read. */
  list(dir: string): Promise<DirEntry[]>;
  /** A file's text; null when it cannot be read. */
  read(path: string): Promise<string | null>;
}

export const nodeFileTree: FileTree = {
  async list(dir) {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    const out = await Promise.all(
      entries.map(async (e): Promise<DirEntry | null> => {
        if (!e.isSymbolicLink()) return { name: e.name, dir: e.isDirectory(), link: false };
        try {
          return { name: e.name, dir: (await stat(join(dir, e.name))).isDirectory(), link: true };
        } catch {
          return null; // a dangling link
        }
      }),
    );
    return out.filter((e): e is DirEntry => e !== null);
  },
  read: (path) => readFile(path, 'utf8').catch(() => null),
};

export interface FileIndex {
  /** manifest.json-shaped: metadata, nodes, sources, macros, docs, disabled. */
  manifest: Record<string, unknown>;
  /** Files that could not be used (unreadable, YAML that does not parse), one line each. */
  warnings: string[];
  /** Files listed (all kinds) and files read (macros, snapshots, docs, schema YAML). */
  filesListed: number;
  filesRead: number;
}

/** A package as the index sees it: the root project or an installed package. */
interface Package {
  name: string;
  root: string;
  project: DbtProject;
}


/** What is collected from the files of one package before the entries are made. */
interface Collected {
  models: Map<string, string>;
  patches: Patch[];
}

/** A `models:`/`seeds:`/`snapshots:`/`analyses:` entry of a schema YAML file. */
interface Patch {
  kind: 'model' | 'seed' | 'snapshot' | 'analysis';
  name: string;
  yamlPath: string;
  versions: { v: string | number; definedIn: string | null }[];
  latestVersion: string | number | null;
}

const PATCH_KINDS: Record<string, Patch['kind']> = { models: 'model', seeds: 'seed', snapshots: 'snapshot', analyses: 'analysis' };

/** Builds the index of the project at `root` (the folder holding dbt_project.yml). */
export async function indexProjectFiles(root: string, tree: FileTree): Promise<FileIndex> {
  const index = new Builder(tree);
  const rootText = await tree.read(join(root, 'dbt_project.yml'));
  const rootProject = readProject(join(root, 'dbt_project.yml'), rootText ?? '');
  if (rootText === null || !rootProject.name) {
    index.warnings.push(`${join(root, 'dbt_project.yml')}: ${rootProject.error ?? 'cannot be read'}; nothing indexed`);
    return index.result(null);
  }
  const packages: Package[] = [{ name: rootProject.name, root, project: rootProject }, ...(await installedPackages(root, rootProject, tree, index.warnings))];
  await Promise.all(packages.map((p) => index.addPackage(p)));
  return index.result(rootProject.name);
}

/** The packages under the root's packages-install-path: each folder (or symlink to one) with a dbt_project.yml. */
async function installedPackages(root: string, rootProject: DbtProject, tree: FileTree, warnings: string[]): Promise<Package[]> {
  const dir = join(root, rootProject.packagesInstallPath);
  const found = await Promise.all(
    (await tree.list(dir))
      .filter((e) => e.dir)
      .map(async (e): Promise<Package | null> => {
        const pkgRoot = join(dir, e.name);
        const text = await tree.read(join(pkgRoot, 'dbt_project.yml'));
        if (text === null) return null; // not a dbt package
        const project = readProject(join(pkgRoot, 'dbt_project.yml'), text);
        if (!project.name || project.name === rootProject.name) {
          warnings.push(`${pkgRoot}: ${project.error ?? 'a package with the root project\'s name'}; not indexed`);
          return null;
        }
        return { name: project.name, root: pkgRoot, project };
      }),
  );
  return found.filter((p): p is Package => p !== null).sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** `models/` -> `models`, `./models` -> `models`: as dbt joins them into original_file_path. */
function cleanPath(p: string): string {
  return posix.normalize(p.replace(/\\/g, '/')).replace(/\/+$/, '');
}

function baseName(relPath: string): string {
  const file = relPath.slice(relPath.lastIndexOf('/') + 1);
  return file.slice(0, file.lastIndexOf('.'));
}

/** Every path of each kind dbt searches, once. */
function sourcePaths(p: DbtProject): string[] {
  return [...new Set([...p.modelPaths, ...p.seedPaths, ...p.snapshotPaths, ...p.analysisPaths, ...p.macroPaths, ...p.testPaths].map(cleanPath))];
}

class Builder {
  readonly warnings: string[] = [];
  private readonly nodes: Json = {};
  private readonly sources: Json = {};
  private readonly macros: Json = {};
  private readonly docs: Json = {};
  private readonly disabled: Record<string, Json[]> = {};
  private listed = 0;
  private read = 0;

  constructor(private readonly tree: FileTree) {}

  result(projectName: string | null): FileIndex {
    const manifest = {
      metadata: { project_name: projectName, dbt_conductor_provisional: true },
      nodes: this.nodes,
      sources: this.sources,
      macros: this.macros,
      docs: this.docs,
      disabled: this.disabled,
    };
    return { manifest, warnings: this.warnings, filesListed: this.listed, filesRead: this.read };
  }

  async addPackage(pkg: Package): Promise<void> {
    const p = pkg.project;
    // Each folder is walked once; each kind takes its extensions from the folders it searches.
    const walks = new Map<string, Promise<string[]>>();
    const files = async (paths: string[], exts: string[], skipSub: string[] = []): Promise<string[]> => {
      const found = new Set<string>();
      for (const path of paths.map(cleanPath)) {
        if (!walks.has(path)) walks.set(path, this.filesUnder(pkg.root, path));
        const skip = skipSub.map((s) => `${path === '.' ? '' : `${path}/`}${s}/`);
        for (const f of await walks.get(path)!) {
          const lower = f.toLowerCase();
          if (exts.some((x) => lower.endsWith(x)) && !skip.some((s) => f.startsWith(s))) found.add(f);
        }
      }
      return [...found].sort();
    };
    const [models, seeds, analyses, singular, snapshotFiles, macroFiles, genericFiles, docFiles, yamlFiles] = await Promise.all([
      files(p.modelPaths, ['.sql', '.py']),
      files(p.seedPaths, ['.csv']),
      files(p.analysisPaths, ['.sql']),
      // tests/generic holds generic tests (macros), tests/fixtures unit test fixtures: not singular tests.
      files(p.testPaths, ['.sql'], ['generic', 'fixtures']),
      files(p.snapshotPaths, ['.sql']),
      files(p.macroPaths, ['.sql']),
      files(p.testPaths.map((t) => `${cleanPath(t)}/generic`), ['.sql']),
      files(sourcePaths(p), ['.md']),
      files(sourcePaths(p), ['.yml', '.yaml']),
    ]);
    const collected: Collected = { models: new Map(models.map((m) => [baseName(m), m])), patches: [] };
    for (const s of seeds) this.addNode(pkg.name, 'seed', baseName(s), s);
    for (const a of analyses) this.addNode(pkg.name, 'analysis', baseName(a), a);
    for (const t of singular) this.addNode(pkg.name, 'test', baseName(t), t);
    await Promise.all([
      this.eachText(pkg.root, snapshotFiles, (text, rel) => this.addBlocks(pkg.name, rel, text, ['snapshot'])),
      this.eachText(pkg.root, macroFiles, (text, rel) => this.addBlocks(pkg.name, rel, text, ['macro', 'materialization', 'test', 'data_test'])),
      this.eachText(pkg.root, genericFiles, (text, rel) => this.addBlocks(pkg.name, rel, text, ['test', 'data_test'])),
      this.eachText(pkg.root, docFiles, (text, rel) => this.addBlocks(pkg.name, rel, text, ['docs'])),
      this.eachText(pkg.root, yamlFiles, (text, rel) => this.addSchemaYaml(pkg.name, rel, text, collected)),
    ]);
    this.addModels(pkg.name, collected);
  }

  /** Every file under `rel`, as dbt's find_matching walks it (os.walk: linked subfolders are not entered). */
  private async filesUnder(root: string, rel: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (relDir: string): Promise<void> => {
      const entries = await this.tree.list(join(root, relDir));
      await Promise.all(
        entries.map(async (e) => {
          const relPath = relDir === '.' ? e.name : `${relDir}/${e.name}`;
          if (!e.dir) {
            this.listed++;
            out.push(relPath);
          } else if (!e.link) await walk(relPath);
        }),
      );
    };
    await walk(rel);
    return out;
  }

  private async eachText(root: string, relPaths: string[], use: (text: string, relPath: string) => void): Promise<void> {
    await Promise.all(
      relPaths.map(async (rel) => {
        const text = await this.tree.read(join(root, rel));
        this.read++;
        if (text === null) this.warnings.push(`${join(root, rel)} cannot be read; not indexed`);
        else use(text, rel);
      }),
    );
  }

  private addNode(pkg: string, type: string, name: string, path: string, extra: Json = {}): void {
    const uniqueId = `${type}.${pkg}.${name}${extra.version !== undefined ? `.v${String(extra.version)}` : ''}`;
    this.nodes[uniqueId] = { unique_id: uniqueId, resource_type: type, name, package_name: pkg, original_file_path: path, ...extra };
  }

  /**
   * The top-level blocks of a file that dbt turns into resources (extract_toplevel_blocks with
   * the same allowed blocks): snapshots, macros (generic tests and materializations named as
   * dbt names them), docs.
   */
  private addBlocks(pkg: string, rel: string, text: string, keywords: string[]): void {
    let topEnd = -1;
    for (const b of jinjaBlocks(text)) {
      if (!keywords.includes(b.keyword) || b.start < topEnd) continue;
      topEnd = b.end;
      if (!b.name) continue;
      if (b.keyword === 'snapshot') this.addNode(pkg, 'snapshot', b.name, rel);
      else if (b.keyword === 'docs') this.docs[`doc.${pkg}.${b.name}`] = { unique_id: `doc.${pkg}.${b.name}`, resource_type: 'doc', name: b.name, package_name: pkg, original_file_path: rel };
      else {
        const name = macroName(b.keyword, b.name, text.slice(b.start, b.openEnd));
        this.macros[`macro.${pkg}.${name}`] = { unique_id: `macro.${pkg}.${name}`, resource_type: 'macro', name, package_name: pkg, original_file_path: rel };
      }
    }
  }

  private addSchemaYaml(pkg: string, rel: string, text: string, collected: Collected): void {
    // Most schema files only document models (descriptions, columns, tests): their names are
    // read line by line, which is 20x cheaper than the YAML parser on a big project.
    const quick = quickEntries(text);
    if (quick) {
      for (const { kind, name } of quick) collected.patches.push({ kind, name, yamlPath: rel, versions: [], latestVersion: null });
      return;
    }
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (e) {
      this.warnings.push(`${pkg}: ${rel} is not valid YAML (${(e instanceof Error ? e.message : String(e)).split('\n')[0]}); its entries are not indexed`);
      return;
    }
    if (!isObject(doc)) return;
    if (Array.isArray(doc.sources)) for (const s of doc.sources) this.addSource(pkg, rel, s);
    for (const [key, kind] of Object.entries(PATCH_KINDS)) {
      if (!Array.isArray(doc[key])) continue;
      for (const item of doc[key] as unknown[]) {
        const name = plainName(isObject(item) ? item.name : undefined);
        if (!name || !isObject(item)) continue;
        // A snapshot declared in YAML (dbt 1.9+: `relation:`) is a node of its own.
        if (kind === 'snapshot' && item.relation !== undefined) this.addNode(pkg, 'snapshot', name, rel);
        collected.patches.push({ kind, name, yamlPath: rel, versions: versionsOf(item.versions), latestVersion: versionValue(item.latest_version) });
      }
    }
  }

  private addSource(pkg: string, rel: string, raw: unknown): void {
    if (!isObject(raw) || raw.overrides !== undefined || !Array.isArray(raw.tables)) return; // overrides change another package's source
    const sourceName = plainName(raw.name);
    if (!sourceName) return;
    for (const t of raw.tables) {
      const name = plainName(isObject(t) ? t.name : undefined);
      if (!name || !isObject(t)) continue;
      const uniqueId = `source.${pkg}.${sourceName}.${name}`;
      const enabled = enabledOf(raw) && enabledOf(t);
      const entry = { unique_id: uniqueId, resource_type: 'source', name, source_name: sourceName, package_name: pkg, original_file_path: rel, config: { enabled } };
      if (enabled) this.sources[uniqueId] = entry;
      else this.disabled[uniqueId] = [entry];
    }
  }

  /** Model files become models; versioned ones take the version's name (ModelPatchParser's rules); YAML entries give patch paths. */
  private addModels(pkg: string, c: Collected): void {
    const versioned = new Map<string, Json>();
    for (const patch of c.patches) {
      if (patch.kind !== 'model' || patch.versions.length === 0) continue;
      const latest = patch.latestVersion ?? maxVersion(patch.versions.map((v) => v.v));
      for (const v of patch.versions) {
        let file = v.definedIn ?? `${patch.name}_v${String(v.v)}`;
        // The latest version may live in a file without the suffix.
        if (!c.models.has(file) && String(v.v) === String(latest)) file = patch.name;
        const path = c.models.get(file);
        if (path === undefined) continue;
        c.models.delete(file);
        versioned.set(file, { path, name: patch.name, version: v.v, latest_version: latest, patch_path: `${pkg}://${patch.yamlPath}` });
      }
    }
    for (const [name, path] of c.models) this.addNode(pkg, 'model', name, path);
    for (const v of versioned.values()) {
      const { path, name, ...extra } = v as { path: string; name: string };
      this.addNode(pkg, 'model', name, path, extra);
    }
    for (const patch of c.patches) {
      if (patch.versions.length > 0) continue;
      const node = this.nodes[`${patch.kind}.${pkg}.${patch.name}`];
      if (isObject(node) && node.patch_path === undefined && node.original_file_path !== patch.yamlPath) node.patch_path = `${pkg}://${patch.yamlPath}`;
    }
  }
}

/**
 * The entries of `models:`, `seeds:`, `snapshots:` and `analyses:` of a schema file in
 * block style, read line by line; null when the file needs the YAML parser: it has sources,
 * versions, YAML snapshots, flow style, anchors, several documents, or is not what this reads.
 */
export function quickEntries(text: string): { kind: Patch['kind']; name: string }[] | null {
  if (/^(sources\s*:|---\s*\S|\.\.\.)|\b(versions|relation)\s*:|[&*]\w|<<\s*:|\t/m.test(text)) return null;
  const out: { kind: Patch['kind']; name: string }[] = [];
  let kind: Patch['kind'] | null = null;
  let itemIndent = -1;
  let named = true;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+#.*$|\r$/, '');
    if (/^\s*(#.*)?$/.test(line) || line === '---') continue;
    const top = /^([A-Za-z_][\w-]*)\s*:(.*)$/.exec(line);
    if (top) {
      if (!named) return null;
      kind = PATCH_KINDS[top[1]!] ?? null;
      if (kind && top[2]!.trim() !== '') return null; // flow style: `models: [...]`
      itemIndent = -1;
      continue;
    }
    if (/^\S/.test(line)) return null;
    if (!kind) continue;
    const indent = line.length - line.trimStart().length;
    const item = /^(\s*)-\s*(.*)$/.exec(line);
    if (item && (itemIndent < 0 || indent === itemIndent)) {
      if (!named) return null; // an entry without a name: let the parser decide
      itemIndent = indent;
      named = false;
    }
    const key = item && indent === itemIndent ? item[2]! : indent === itemIndent + 2 ? line.trimStart() : null;
    const name = key === null ? null : /^name\s*:\s*(.+)$/.exec(key)?.[1];
    if (name === undefined || name === null || named) continue;
    const value = unquote(name.trim());
    if (value === null) return null;
    named = true;
    const plain = plainName(value);
    if (plain) out.push({ kind, name: plain });
  }
  return named ? out : null;
}

/** A YAML scalar written plain or quoted; null when it is something else (flow collections, block scalars). */
function unquote(v: string): string | null {
  if (/^(['"]).*\1$/.test(v)) return v.slice(1, -1);
  return /^[[{|>!&*]/.test(v) ? null : v;
}

/** dbt's name for a macro block: `test_<name>` for generic tests, `materialization_<name>_<adapter>` for materializations. */
function macroName(keyword: string, name: string, openTag: string): string {
  if (keyword === 'test' || keyword === 'data_test') return `test_${name}`;
  if (keyword !== 'materialization') return name;
  const adapter = /\badapter\s*=\s*["'](\w+)["']/.exec(openTag)?.[1] ?? 'default';
  return `materialization_${name}_${adapter}`;
}

/** A name as written (numbers too); null when absent or a Jinja expression (dbt would render it). */
function plainName(v: unknown): string | null {
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string' || v.trim() === '' || v.includes('{{') || v.includes('{%')) return null;
  return v;
}

function enabledOf(item: Json): boolean {
  return item.enabled !== false && !(isObject(item.config) && item.config.enabled === false);
}

function versionValue(v: unknown): string | number | null {
  return typeof v === 'number' || (typeof v === 'string' && v !== '') ? v : null;
}

function versionsOf(raw: unknown): Patch['versions'] {
  if (!Array.isArray(raw)) return [];
  const out: Patch['versions'] = [];
  for (const item of raw) {
    const v = isObject(item) ? versionValue(item.v) : null;
    if (v !== null) out.push({ v, definedIn: typeof (item as Json).defined_in === 'string' ? ((item as Json).defined_in as string) : null });
  }
  return out;
}

/** The highest version, compared as numbers when they are, as dbt does (UnparsedVersion.__lt__). */
function maxVersion(versions: (string | number)[]): string | number {
  return versions.reduce((a, b) => {
    const [x, y] = [Number(a), Number(b)];
    const less = Number.isNaN(x) || Number.isNaN(y) ? String(a) < String(b) : x < y;
    return less ? b : a;
  });
}
