// The manifest index the language server answers from. Pure: it takes an
// already-parsed manifest object (the worker's slim manifest, or a full
// target/manifest.json of schema v9 to v12+) and builds lookup maps by
// unique id, by name (with package and version), by file and by lineage.
// Unknown keys are ignored and missing keys default, so newer or older
// dbt versions degrade to fewer details instead of failing.

import { isJsonObject, stringOrNull, type JsonObject as Json } from './json';

export interface ColumnInfo {
  name: string;
  description: string;
  dataType: string | null;
}

/** One `ref(...)` recorded by dbt on a node. */
export interface RefSpec {
  name: string;
  package: string | null;
  version: string | null;
}

export interface MacroArgument {
  name: string;
  type: string | null;
  description: string;
}

/** Any manifest resource (node, source, macro, doc, exposure, semantic model, unit test), flattened. */
export interface ManifestEntry {
  uniqueId: string;
  resourceType: string;
  name: string;
  packageName: string;
  /** Relative to the package root, '/' separated. */
  originalFilePath: string;
  /** The YAML file documenting the entry, relative to the package root ('pkg://' prefix removed). */
  patchPath: string | null;
  description: string;
  enabled: boolean;
  materialized: string | null;
  access: string | null;
  tags: string[];
  columns: ColumnInfo[];
  version: string | null;
  latestVersion: string | null;
  relationName: string | null;
  database: string | null;
  schema: string | null;
  alias: string | null;
  dependsOnNodes: string[];
  dependsOnMacros: string[];
  refs: RefSpec[];
  sources: [string, string][];
  /** Sources only. */
  sourceName: string | null;
  loader: string | null;
  identifier: string | null;
  loadedAtField: string | null;
  /** Macros only. */
  arguments: MacroArgument[];
  /** Docs blocks only. */
  blockContents: string | null;
  /** Data tests only: the generic test's name (unique, not_null, ...) and the node and column it tests. */
  testName: string | null;
  attachedNode: string | null;
  columnName: string | null;
  severity: string | null;
}

export type RefResolution =
  | { kind: 'found'; entry: ManifestEntry }
  | { kind: 'disabled'; entries: ManifestEntry[] }
  | { kind: 'unknown-version'; entries: ManifestEntry[] }
  | { kind: 'not-found'; suggestions: string[] };

export type SourceResolution =
  | { kind: 'found'; entry: ManifestEntry }
  | { kind: 'disabled'; entries: ManifestEntry[] }
  | { kind: 'unknown-source'; suggestions: string[] }
  | { kind: 'unknown-table'; suggestions: string[] };

/** A manifest that cannot be indexed at all (not an object, no `nodes`). */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

/** Node types `ref()` can point at. */
const REFABLE = new Set(['model', 'seed', 'snapshot']);

/** Schema versions this index was written against; others are read leniently with a warning. */
export const KNOWN_SCHEMA_VERSIONS = [9, 10, 11, 12];


const str = stringOrNull;

/** Shared empty list: most entries have no refs, columns or arguments, and 10,000s of [] cost GC time. */
const NONE = Object.freeze([]) as unknown as never[];

/** The array itself when it is all strings (no copy: manifests are large), else its strings. */
function strList(v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0) return NONE;
  return v.every((x) => typeof x === 'string') ? (v as string[]) : v.filter((x): x is string => typeof x === 'string');
}

/** Versions are ints, floats or strings in YAML; compare them as strings. */
function versionString(v: unknown): string | null {
  if (typeof v === 'number' || (typeof v === 'string' && v !== '')) return String(v);
  return null;
}

function slashes(p: string): string {
  return p.includes('\\') ? p.replace(/\\/g, '/') : p;
}

function stripPackagePrefix(p: string | null): string | null {
  if (p === null) return null;
  const i = p.indexOf('://');
  return slashes(i >= 0 ? p.slice(i + 3) : p);
}

function toColumns(v: unknown): ColumnInfo[] {
  if (!isJsonObject(v)) return NONE;
  let out: ColumnInfo[] = NONE;
  for (const key in v) {
    if (out === NONE) out = [];
    const c = v[key];
    if (!isJsonObject(c)) continue;
    out.push({ name: str(c.name) ?? key, description: str(c.description) ?? '', dataType: str(c.data_type) });
  }
  return out;
}

function toRefs(v: unknown): RefSpec[] {
  if (!Array.isArray(v) || v.length === 0) return NONE;
  const out: RefSpec[] = [];
  for (const r of v) {
    // v12: {name, package, version}; v9 and older dbt: ["pkg", "name"] or ["name"].
    if (isJsonObject(r) && typeof r.name === 'string') {
      out.push({ name: r.name, package: str(r.package), version: versionString(r.version) });
    } else if (Array.isArray(r) && r.every((x) => typeof x === 'string') && r.length > 0) {
      out.push({ name: r[r.length - 1], package: r.length > 1 ? r[0] : null, version: null });
    }
  }
  return out;
}

function toSources(v: unknown): [string, string][] {
  if (!Array.isArray(v) || v.length === 0) return NONE;
  return v.filter((s): s is [string, string] => Array.isArray(s) && s.length === 2 && typeof s[0] === 'string' && typeof s[1] === 'string');
}

function toArguments(v: unknown): MacroArgument[] {
  if (!Array.isArray(v) || v.length === 0) return NONE;
  return v.filter(isJsonObject).map((a) => ({ name: str(a.name) ?? '?', type: str(a.type), description: str(a.description) ?? '' }));
}

/** Flattens one raw manifest entry; null when it lacks what every entry needs. */
export function toEntry(raw: unknown, fallbackId: string, fallbackType: string): ManifestEntry | null {
  if (!isJsonObject(raw)) return null;
  const name = str(raw.name);
  if (name === null) return null;
  const config = isJsonObject(raw.config) ? raw.config : {};
  const dependsOn = isJsonObject(raw.depends_on) ? raw.depends_on : {};
  const testMetadata = isJsonObject(raw.test_metadata) ? raw.test_metadata : null;
  const access = str(raw.access) ?? str(config.access);
  return {
    uniqueId: str(raw.unique_id) ?? fallbackId,
    resourceType: str(raw.resource_type) ?? fallbackType,
    name,
    packageName: str(raw.package_name) ?? '',
    originalFilePath: slashes(str(raw.original_file_path) ?? str(raw.path) ?? ''),
    patchPath: stripPackagePrefix(str(raw.patch_path)),
    description: str(raw.description) ?? '',
    enabled: config.enabled !== false,
    materialized: str(config.materialized),
    access,
    tags: strList(raw.tags ?? config.tags),
    columns: toColumns(raw.columns),
    version: versionString(raw.version),
    latestVersion: versionString(raw.latest_version),
    relationName: str(raw.relation_name),
    database: str(raw.database),
    schema: str(raw.schema),
    alias: str(raw.alias),
    dependsOnNodes: strList(dependsOn.nodes),
    dependsOnMacros: strList(dependsOn.macros),
    refs: toRefs(raw.refs),
    sources: toSources(raw.sources),
    sourceName: str(raw.source_name),
    loader: str(raw.loader),
    identifier: str(raw.identifier),
    loadedAtField: str(raw.loaded_at_field),
    arguments: toArguments(raw.arguments),
    blockContents: str(raw.block_contents),
    testName: testMetadata ? str(testMetadata.name) : null,
    attachedNode: str(raw.attached_node),
    columnName: str(raw.column_name),
    severity: str(config.severity),
  };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** `https://schemas.getdbt.com/dbt/manifest/v12.json` -> 12. */
export function schemaVersionOf(url: string | null): number | null {
  const m = url ? /\/v(\d+)(?:\.json)?$/.exec(url) : null;
  return m ? Number(m[1]) : null;
}

/** Edit distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** Up to `limit` candidates close to `name` (case-insensitive edit distance, or containment), closest first. */
export function suggest(name: string, candidates: Iterable<string>, limit = 3): string[] {
  const lower = name.toLowerCase();
  const maxDistance = Math.max(2, Math.floor(name.length / 3));
  const scored: [number, string][] = [];
  for (const c of candidates) {
    const cl = c.toLowerCase();
    if (Math.abs(cl.length - lower.length) > maxDistance && !(lower.length >= 3 && cl.includes(lower))) continue;
    let d = editDistance(lower, cl);
    if (d > maxDistance && lower.length >= 3 && cl.includes(lower)) d = maxDistance;
    if (d <= maxDistance) scored.push([d, c]);
  }
  scored.sort((x, y) => x[0] - y[0] || x[1].localeCompare(y[1]));
  return [...new Set(scored.map((s) => s[1]))].slice(0, limit);
}

export interface IndexStats {
  nodes: number;
  models: number;
  sources: number;
  macros: number;
  docs: number;
  exposures: number;
  semanticModels: number;
  unitTests: number;
  disabled: number;
  skipped: number;
}

export class ManifestIndex {
  /** Name of the root project (metadata.project_name, else guessed from the models). */
  readonly projectName: string | null;
  readonly dbtVersion: string | null;
  readonly schemaVersion: number | null;
  readonly adapterType: string | null;
  /** Built from the project's files before dbt parsed it (src/dbt/fileIndex.ts): no checks may run on it. */
  readonly provisional: boolean;
  /** One-line notes about what was tolerated (unknown schema version, skipped entries). */
  readonly warnings: string[] = [];

  readonly byId = new Map<string, ManifestEntry>();
  /** Enabled refable nodes (models, seeds, snapshots) by name; versioned models appear once per version. */
  readonly refableByName = new Map<string, ManifestEntry[]>();
  /** source name -> table name -> entries (one per package defining it). */
  readonly sourcesByName = new Map<string, Map<string, ManifestEntry[]>>();
  readonly macrosByName = new Map<string, ManifestEntry[]>();
  readonly docsByName = new Map<string, ManifestEntry[]>();
  readonly exposuresByName = new Map<string, ManifestEntry[]>();
  readonly semanticModelsByName = new Map<string, ManifestEntry[]>();
  /** Disabled nodes and sources by unique id, and by name. */
  readonly disabled = new Map<string, ManifestEntry[]>();
  readonly disabledByName = new Map<string, ManifestEntry[]>();
  /** `${package}\0${path}` -> entries defined (original_file_path) or documented (patch_path) there. */
  private readonly byFile = new Map<string, ManifestEntry[]>();
  /** `${package}\0${path}` -> disabled entries defined there. */
  private readonly disabledByFile = new Map<string, ManifestEntry[]>();
  /** Data tests and unit tests by the node they test. */
  readonly testsByNode = new Map<string, ManifestEntry[]>();
  readonly parentMap = new Map<string, string[]>();
  readonly childMap = new Map<string, string[]>();
  readonly packages = new Set<string>();
  readonly stats: IndexStats;
  /** Entries left out while reading (no name, not an object), for `stats` and the warning. */
  private skippedEntries = 0;

  constructor(raw: unknown) {
    if (!isJsonObject(raw)) throw new ManifestError('the manifest is not a JSON object');
    if (!isJsonObject(raw.nodes)) throw new ManifestError('the manifest has no "nodes" object; is this a dbt manifest.json?');
    const metadata = isJsonObject(raw.metadata) ? raw.metadata : {};
    this.dbtVersion = str(metadata.dbt_version);
    this.schemaVersion = schemaVersionOf(str(metadata.dbt_schema_version));
    this.adapterType = str(metadata.adapter_type);
    this.provisional = metadata.dbt_conductor_provisional === true;
    if (this.schemaVersion !== null && !KNOWN_SCHEMA_VERSIONS.includes(this.schemaVersion)) {
      this.warnings.push(`manifest schema v${this.schemaVersion} (dbt ${this.dbtVersion ?? '?'}) is not one this extension knows (v9-v12); reading it leniently`);
    }

    const counts = this.readSections(raw);
    const disabled = this.readDisabled(raw.disabled);
    this.readLineage(raw.parent_map, this.parentMap);
    this.readLineage(raw.child_map, this.childMap);
    if (this.parentMap.size === 0 && this.childMap.size === 0) this.computeLineage();

    this.projectName = str(metadata.project_name) ?? this.guessProjectName();
    const skipped = this.skippedEntries;
    if (skipped > 0) this.warnings.push(`skipped ${skipped} malformed manifest entr${skipped === 1 ? 'y' : 'ies'} (no name or not an object)`);
    this.stats = { ...counts, disabled, skipped };
  }

  /** Reads every section but `disabled`; returns how many entries each had. */
  private readSections(raw: Json): Omit<IndexStats, 'disabled' | 'skipped'> {
    let models = 0;
    const tests: ManifestEntry[] = [];
    const nodes = this.readSection(raw.nodes, 'model', (e) => {
      if (e.resourceType === 'model') models++;
      if (REFABLE.has(e.resourceType)) push(this.refableByName, e.name, e);
      else if (e.resourceType === 'test') tests.push(e);
    });
    const sources = this.readSection(raw.sources, 'source', (e) => this.addSource(this.sourcesByName, e));
    const macros = this.readSection(raw.macros, 'macro', (e) => push(this.macrosByName, e.name, e));
    const docs = this.readSection(raw.docs, 'doc', (e) => push(this.docsByName, e.name, e));
    const exposures = this.readSection(raw.exposures, 'exposure', (e) => push(this.exposuresByName, e.name, e));
    const semanticModels = this.readSection(raw.semantic_models, 'semantic_model', (e) => push(this.semanticModelsByName, e.name, e));
    const unitTests = this.readSection(raw.unit_tests, 'unit_test', (e) => tests.push(e));
    this.readSection(raw.metrics, 'metric', () => undefined);
    this.indexTests(tests);
    return { nodes, models, sources, macros, docs, exposures, semanticModels, unitTests };
  }

  /** Indexes one section's entries by id, package and file, then hands each to `onEntry`; returns how many it read. */
  private readSection(section: unknown, fallbackType: string, onEntry: (e: ManifestEntry) => void): number {
    if (!isJsonObject(section)) return 0;
    let count = 0;
    for (const id in section) {
      const e = toEntry(section[id], id, fallbackType);
      if (!e) {
        this.skippedEntries++;
        continue;
      }
      count++;
      this.byId.set(e.uniqueId, e);
      this.packages.add(e.packageName);
      this.addFile(e);
      onEntry(e);
    }
    return count;
  }

  private indexTests(tests: ManifestEntry[]): void {
    for (const t of tests) {
      // attached_node exists from dbt 1.5; before that, fall back to what the test depends on.
      const targets = t.attachedNode ? [t.attachedNode] : t.dependsOnNodes.filter((id) => !id.startsWith('macro.'));
      for (const id of targets) push(this.testsByNode, id, t);
    }
  }

  /** Reads the disabled section; returns how many disabled entries it had. */
  private readDisabled(section: unknown): number {
    if (!isJsonObject(section)) return 0;
    let count = 0;
    for (const id of Object.keys(section)) {
      const list = section[id];
      // v12: unique_id -> [node, ...]; tolerate a bare node too.
      for (const item of Array.isArray(list) ? list : [list]) {
        const e = toEntry(item, id, 'model');
        if (!e) {
          this.skippedEntries++;
          continue;
        }
        e.enabled = false;
        count++;
        push(this.disabled, e.uniqueId, e);
        push(this.disabledByName, e.name, e);
        if (e.originalFilePath) push(this.disabledByFile, `${e.packageName}\0${e.originalFilePath}`, e);
      }
    }
    return count;
  }

  private addFile(e: ManifestEntry): void {
    if (e.originalFilePath) push(this.byFile, `${e.packageName}\0${e.originalFilePath}`, e);
    if (e.patchPath && e.patchPath !== e.originalFilePath) push(this.byFile, `${e.packageName}\0${e.patchPath}`, e);
  }

  private addSource(map: Map<string, Map<string, ManifestEntry[]>>, e: ManifestEntry): void {
    const sourceName = e.sourceName ?? '';
    let tables = map.get(sourceName);
    if (!tables) map.set(sourceName, (tables = new Map()));
    push(tables, e.name, e);
  }

  private readLineage(v: unknown, into: Map<string, string[]>): void {
    if (!isJsonObject(v)) return;
    for (const id in v) into.set(id, strList(v[id]));
  }

  private computeLineage(): void {
    for (const e of this.byId.values()) {
      if (e.resourceType === 'macro' || e.resourceType === 'doc') continue;
      for (const p of e.dependsOnNodes) {
        push(this.parentMap, e.uniqueId, p);
        push(this.childMap, p, e.uniqueId);
      }
    }
  }

  private guessProjectName(): string | null {
    const counts = new Map<string, number>();
    for (const list of this.refableByName.values()) for (const e of list) counts.set(e.packageName, (counts.get(e.packageName) ?? 0) + 1);
    let best: string | null = null;
    for (const [pkg, n] of counts) if (best === null || n > (counts.get(best) ?? 0)) best = pkg;
    return best;
  }

  get(uniqueId: string): ManifestEntry | undefined {
    return this.byId.get(uniqueId) ?? this.disabled.get(uniqueId)?.[0];
  }

  /** Entries defined or documented in `path` (relative to the root of `packageName`). */
  entriesInFile(path: string, packageName: string | null = this.projectName): ManifestEntry[] {
    return this.byFile.get(`${packageName ?? ''}\0${slashes(path)}`) ?? [];
  }

  /** Disabled entries defined in `path` (relative to the root of `packageName`). */
  disabledInFile(path: string, packageName: string | null = this.projectName): ManifestEntry[] {
    return this.disabledByFile.get(`${packageName ?? ''}\0${slashes(path)}`) ?? [];
  }

  parents(uniqueId: string): string[] {
    return this.parentMap.get(uniqueId) ?? [];
  }

  children(uniqueId: string): string[] {
    return this.childMap.get(uniqueId) ?? [];
  }

  testsOf(uniqueId: string): ManifestEntry[] {
    return this.testsByNode.get(uniqueId) ?? [];
  }

  /** All versions of a (possibly versioned) model. */
  versionsOf(entry: ManifestEntry): ManifestEntry[] {
    return (this.refableByName.get(entry.name) ?? []).filter((e) => e.packageName === entry.packageName && e.resourceType === entry.resourceType);
  }

  /**
   * dbt's ref lookup: a named package only there; else the calling package,
   * then the root project, then any package. No version means the latest
   * version of a versioned model.
   */
  resolveRef(name: string, packageName: string | null = null, version: string | null = null, fromPackage: string | null = null): RefResolution {
    const candidates = this.refableByName.get(name) ?? [];
    const inPackage = (pkg: string | null) => candidates.filter((e) => pkg === null || e.packageName === pkg);
    let pool: ManifestEntry[] = [];
    if (packageName !== null) pool = inPackage(packageName);
    else {
      const order = [fromPackage, this.projectName].filter((p): p is string => p !== null);
      for (const pkg of [...order, null]) {
        pool = inPackage(pkg);
        if (pool.length > 0) break;
      }
    }
    if (pool.length > 0) {
      if (version !== null) {
        const exact = pool.find((e) => e.version === version);
        return exact ? { kind: 'found', entry: exact } : { kind: 'unknown-version', entries: pool };
      }
      const latest = pool.find((e) => e.version === null || e.version === e.latestVersion) ?? pool[pool.length - 1];
      return { kind: 'found', entry: latest };
    }
    const disabled = (this.disabledByName.get(name) ?? []).filter((e) => REFABLE.has(e.resourceType) && (packageName === null || e.packageName === packageName));
    if (disabled.length > 0) return { kind: 'disabled', entries: disabled };
    return { kind: 'not-found', suggestions: suggest(name, this.refableByName.keys()) };
  }

  resolveSource(sourceName: string, tableName: string): SourceResolution {
    const tables = this.sourcesByName.get(sourceName);
    const found = tables?.get(tableName);
    if (found && found.length > 0) {
      return { kind: 'found', entry: found.find((e) => e.packageName === this.projectName) ?? found[0] };
    }
    const disabled = (this.disabledByName.get(tableName) ?? []).filter((e) => e.resourceType === 'source' && e.sourceName === sourceName);
    if (disabled.length > 0) return { kind: 'disabled', entries: disabled };
    if (!tables) return { kind: 'unknown-source', suggestions: suggest(sourceName, this.sourcesByName.keys()) };
    return { kind: 'unknown-table', suggestions: suggest(tableName, tables.keys()) };
  }

  /**
   * A macro by name. With a namespace, only that package. Without, dbt's
   * order: the root project, then dbt's own and the adapter's macros; other
   * packages last (dbt would need their namespace, but an editor may as well
   * show them).
   */
  resolveMacro(name: string, namespace: string | null = null): ManifestEntry | null {
    const all = this.macrosByName.get(name);
    if (!all || all.length === 0) return null;
    if (namespace !== null) return all.find((e) => e.packageName === namespace) ?? null;
    const rank = (e: ManifestEntry) => {
      if (e.packageName === this.projectName) return 0;
      if (e.packageName === 'dbt') return 2;
      if (this.adapterType && e.packageName === `dbt_${this.adapterType}`) return 1;
      return 3;
    };
    let best = all[0];
    for (const e of all) if (rank(e) < rank(best)) best = e;
    return best;
  }

  resolveDoc(name: string, packageName: string | null = null): ManifestEntry | null {
    const all = this.docsByName.get(name) ?? [];
    if (packageName !== null) return all.find((e) => e.packageName === packageName) ?? null;
    return all.find((e) => e.packageName === this.projectName) ?? all[0] ?? null;
  }

  /** Every enabled model, seed and snapshot (each version of a versioned model). */
  *refables(): IterableIterator<ManifestEntry> {
    for (const list of this.refableByName.values()) yield* list;
  }

  /** Models of the root project, the ones the checks look at. */
  *projectModels(): IterableIterator<ManifestEntry> {
    for (const e of this.refables()) if (e.resourceType === 'model' && e.packageName === this.projectName) yield e;
  }
}

/** Builds an index from manifest JSON text. Throws SyntaxError for incomplete JSON, ManifestError for the wrong shape. */
export function indexManifestText(text: string): ManifestIndex {
  return new ManifestIndex(JSON.parse(text));
}

const SLIM_NODE_KEYS = [
  'unique_id', 'resource_type', 'name', 'package_name', 'path', 'original_file_path', 'patch_path', 'description',
  'tags', 'refs', 'sources', 'version', 'latest_version', 'access', 'relation_name', 'database', 'schema', 'alias',
  'attached_node', 'column_name', 'source_name', 'loader', 'identifier', 'loaded_at_field', 'freshness', 'arguments',
  'block_contents',
] as const;
const SLIM_CONFIG_KEYS = ['materialized', 'enabled', 'tags', 'severity', 'access'] as const;

function slimEntry(raw: unknown): unknown {
  if (!isJsonObject(raw)) return raw;
  const out: Json = {};
  for (const k of SLIM_NODE_KEYS) if (k in raw) out[k] = raw[k];
  if (isJsonObject(raw.config)) {
    const config: Json = {};
    for (const k of SLIM_CONFIG_KEYS) if (k in raw.config) config[k] = raw.config[k];
    out.config = config;
  }
  if (isJsonObject(raw.depends_on)) out.depends_on = { nodes: raw.depends_on.nodes ?? [], macros: raw.depends_on.macros ?? [] };
  if (isJsonObject(raw.columns)) {
    const columns: Json = {};
    for (const [k, c] of Object.entries(raw.columns)) {
      if (isJsonObject(c)) columns[k] = { name: c.name, description: c.description, data_type: c.data_type ?? null };
    }
    out.columns = columns;
  }
  if (isJsonObject(raw.test_metadata)) out.test_metadata = { name: raw.test_metadata.name, kwargs: raw.test_metadata.kwargs };
  return out;
}

/**
 * The slim projection of a full manifest.json: same top-level keys, each
 * entry cut to what the language server reads. The Python worker writes the
 * same shape (src/runner/dbt_worker.py); this copy serves tests and benchmarks.
 */
export function slimManifest(raw: Json): Json {
  const section = (v: unknown): Json => {
    const out: Json = {};
    if (isJsonObject(v)) for (const [k, e] of Object.entries(v)) out[k] = slimEntry(e);
    return out;
  };
  const disabled: Json = {};
  if (isJsonObject(raw.disabled)) {
    for (const [k, list] of Object.entries(raw.disabled)) disabled[k] = Array.isArray(list) ? list.map(slimEntry) : [];
  }
  return {
    metadata: raw.metadata ?? {},
    nodes: section(raw.nodes),
    sources: section(raw.sources),
    macros: section(raw.macros),
    docs: section(raw.docs),
    exposures: section(raw.exposures),
    semantic_models: section(raw.semantic_models),
    unit_tests: section(raw.unit_tests),
    disabled,
    selectors: raw.selectors ?? {},
    parent_map: raw.parent_map ?? {},
    child_map: raw.child_map ?? {},
  };
}
