// What the model docs panel shows for one node: description (Markdown,
// docs blocks resolved), columns with descriptions, types and tests,
// config, owner and group, where it is defined and documented, parents and
// children. Pure and node-free: built from the manifest index, plus, when
// dbt wrote them, target/catalog.json (column types from the warehouse) and
// target/manifest.json (contract, group and owner are not in the slim one).
import type { ManifestEntry, ManifestIndex } from './manifest';
import { isJsonObject, type JsonObject as Json } from './json';

export interface DocsLink {
  id: string;
  label: string;
  resourceType: string;
}

export interface DocsColumn {
  name: string;
  /** From the catalog when there is one, else the YAML data_type. */
  type: string | null;
  description: string;
  tests: string[];
}

export interface ModelDocs {
  projectRoot: string;
  id: string;
  label: string;
  resourceType: string;
  packageName: string;
  description: string;
  columns: DocsColumn[];
  /** Column types come from target/catalog.json. */
  typesFromCatalog: boolean;
  /** Label / value rows: materialization, relation, schema, tags, access, contract, version, group, owner. */
  facts: [string, string][];
  /** Tests on the node itself (not on a column). */
  tests: string[];
  file: string | null;
  documentedIn: string | null;
  parents: DocsLink[];
  children: DocsLink[];
}

/** Extra facts read from dbt's own artifacts, when present. */
export interface ArtifactFacts {
  /** Column name (lower case) -> type, from catalog.json. */
  catalogTypes?: Map<string, { name: string; type: string }>;
  contractEnforced?: boolean;
  group?: string;
  owner?: string;
}


/** Column types of a node from catalog.json (nodes or sources section). */
export function catalogTypes(catalog: unknown, id: string): Map<string, { name: string; type: string }> | undefined {
  if (!isJsonObject(catalog)) return undefined;
  const section = id.startsWith('source.') ? catalog.sources : catalog.nodes;
  const node = isJsonObject(section) ? section[id] : undefined;
  if (!isJsonObject(node) || !isJsonObject(node.columns)) return undefined;
  const out = new Map<string, { name: string; type: string }>();
  for (const [key, c] of Object.entries(node.columns)) {
    if (isJsonObject(c) && typeof c.type === 'string') out.set(key.toLowerCase(), { name: typeof c.name === 'string' ? c.name : key, type: c.type });
  }
  return out;
}

/** Contract, group and the group's (or exposure's) owner from a full manifest.json. */
export function manifestFacts(manifest: unknown, id: string): Omit<ArtifactFacts, 'catalogTypes'> {
  if (!isJsonObject(manifest)) return {};
  const node = [manifest.nodes, manifest.sources, manifest.exposures].map((s) => (isJsonObject(s) ? s[id] : undefined)).find(isJsonObject);
  if (!node) return {};
  const config = isJsonObject(node.config) ? node.config : {};
  const contract = isJsonObject(config.contract) ? config.contract : isJsonObject(node.contract) ? node.contract : undefined;
  const group = typeof node.group === 'string' ? node.group : typeof config.group === 'string' ? config.group : undefined;
  const groupNode = group && isJsonObject(manifest.groups) ? Object.values(manifest.groups).find((g) => isJsonObject(g) && g.name === group) : undefined;
  const owner = ownerText(isJsonObject(node.owner) ? node.owner : isJsonObject(groupNode) && isJsonObject(groupNode.owner) ? groupNode.owner : undefined);
  return { contractEnforced: contract ? contract.enforced === true : undefined, group, owner };
}

function ownerText(owner: Json | undefined): string | undefined {
  if (!owner) return undefined;
  const name = typeof owner.name === 'string' ? owner.name : '';
  const email = typeof owner.email === 'string' ? owner.email : '';
  const text = name && email ? `${name} <${email}>` : name || email;
  return text || undefined;
}

/** `{{ doc('name') }}` and `{{ doc('package', 'name') }}` left in a description, replaced by the docs block. */
export function resolveDocBlocks(text: string, index: ManifestIndex, packageName: string | null): string {
  return text.replace(/\{\{\s*doc\(\s*(['"])([^'"]+)\1\s*(?:,\s*(['"])([^'"]+)\3\s*)?\)\s*\}\}/g, (whole, _q1, a: string, _q2, b: string | undefined) => {
    const doc = b === undefined ? (index.resolveDoc(a, packageName) ?? index.resolveDoc(a)) : index.resolveDoc(b, a);
    return doc?.blockContents?.trim() ?? whole;
  });
}

function link(index: ManifestIndex, id: string): DocsLink | undefined {
  const e = index.get(id);
  if (!e || e.resourceType === 'test' || e.resourceType === 'unit_test' || e.resourceType === 'macro') return undefined;
  return { id, label: e.resourceType === 'source' ? `${e.sourceName ?? '?'}.${e.name}` : e.name, resourceType: e.resourceType };
}

function testLabel(t: ManifestEntry): string {
  return t.resourceType === 'unit_test' ? `unit test ${t.name}` : (t.testName ?? t.name);
}

export function modelDocs(index: ManifestIndex, projectRoot: string, id: string, facts: ArtifactFacts = {}): ModelDocs | undefined {
  const e = index.get(id);
  if (!e) return undefined;
  const tests = index.testsOf(id);
  const columnTests = (name: string) => tests.filter((t) => t.columnName !== null && t.columnName.toLowerCase() === name.toLowerCase()).map(testLabel);
  const types = facts.catalogTypes;
  const columns: DocsColumn[] = e.columns.map((c) => ({
    name: c.name,
    type: types?.get(c.name.toLowerCase())?.type ?? c.dataType,
    description: resolveDocBlocks(c.description, index, e.packageName),
    tests: columnTests(c.name),
  }));
  // Columns the warehouse has that the YAML does not document.
  const documented = new Set(e.columns.map((c) => c.name.toLowerCase()));
  for (const [key, c] of types ?? []) if (!documented.has(key)) columns.push({ name: c.name, type: c.type, description: '', tests: columnTests(c.name) });
  return {
    projectRoot,
    id,
    label: e.resourceType === 'source' ? `${e.sourceName ?? '?'}.${e.name}` : e.name,
    resourceType: e.resourceType,
    packageName: e.packageName,
    description: resolveDocBlocks(e.description, index, e.packageName),
    columns,
    typesFromCatalog: types !== undefined && types.size > 0,
    facts: factRows(e, facts),
    tests: tests.filter((t) => t.columnName === null).map(testLabel),
    file: e.originalFilePath || null,
    documentedIn: e.patchPath && e.patchPath !== e.originalFilePath ? e.patchPath : e.resourceType === 'source' ? e.originalFilePath : null,
    parents: index.parents(id).map((p) => link(index, p)).filter((l): l is DocsLink => l !== undefined),
    children: index.children(id).map((c) => link(index, c)).filter((l): l is DocsLink => l !== undefined),
  };
}

function factRows(e: ManifestEntry, facts: ArtifactFacts): [string, string][] {
  const rows: [string, string | null | undefined][] = [
    ['materialized', e.materialized],
    ['relation', e.relationName],
    ['schema', e.schema],
    ['version', e.version === null ? null : `${e.version}${e.version === e.latestVersion ? ' (latest)' : ''}`],
    ['access', e.resourceType === 'model' ? e.access : null],
    ['contract', facts.contractEnforced === undefined ? null : facts.contractEnforced ? 'enforced' : 'not enforced'],
    ['tags', e.tags.length > 0 ? e.tags.join(', ') : null],
    ['group', facts.group],
    ['owner', facts.owner],
    ['loader', e.loader],
    ['package', e.packageName],
  ];
  return rows.filter((r): r is [string, string] => typeof r[1] === 'string' && r[1] !== '');
}

/** Messages between the docs panel's page (src/webview/docs.ts) and its host (src/editor/docsPanel.ts). */
export type ToDocsPage = { type: 'docs'; docs: ModelDocs } | { type: 'empty'; message: string };
export type FromDocsPage =
  | { type: 'ready' }
  /** The page shows the docs of `id`. */
  | { type: 'rendered'; id: string }
  | { type: 'show'; id: string }
  | { type: 'openFile'; id: string; path: string }
  | { type: 'lineage'; id: string };
