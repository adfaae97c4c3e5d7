// Completion candidates for `ref('`, `source('`, `source('s', '`, `doc('`
// and macro names, filtered and ranked by what is typed: names that start
// with it first, then names with a word that starts with it (`_orders`),
// then names containing it, then names with its letters in order; the root
// project before packages within each. Pure: the server adds the ranges.
import type { CompletionContext } from '../dbt/jinjaRefs';
import type { ManifestEntry, ManifestIndex } from '../dbt/manifest';

export type CandidateKind = 'model' | 'seed' | 'snapshot' | 'source' | 'table' | 'doc' | 'macro' | 'package';

export interface Candidate {
  label: string;
  kind: CandidateKind;
  /** One line: resource type and package. */
  detail: string;
  /** Markdown. */
  documentation: string;
  /** Root project first, then packages; then by name. Completion prefixes it with the match rank. */
  sortText: string;
}

export interface Completion {
  items: Candidate[];
  /** More candidates matched than were returned: the client should ask again as the user types. */
  incomplete: boolean;
}

/** At most this many items are returned (the best matches); the list is then marked incomplete. */
export const MAX_ITEMS = 200;

function brief(description: string): string {
  const s = description.trim();
  return s.length > 400 ? s.slice(0, 400) + '…' : s;
}

/** Macros a user calls by hand (not adapter implementations, materializations or generic tests). */
function callable(e: ManifestEntry): boolean {
  return !e.name.includes('__') && !e.name.startsWith('materialization_') && !e.name.startsWith('test_');
}

/** Word starts inside a name: after `_`, `.`, `-`, or a lower-to-upper case change. */
function wordStarts(name: string): number[] {
  const out = [0];
  for (let i = 1; i < name.length; i++) {
    const prev = name[i - 1]!;
    if (prev === '_' || prev === '.' || prev === '-' || (prev >= 'a' && prev <= 'z' && name[i]! >= 'A' && name[i]! <= 'Z')) out.push(i);
  }
  return out;
}

/**
 * How well `label` matches the typed `prefix` (case-insensitive): 0 starts
 * with it, 1 one of its words starts with it, 2 contains it, 3 has its
 * letters in order; null when it does not match. An empty prefix matches all (0).
 */
export function matchRank(label: string, prefix: string): number | null {
  if (prefix === '') return 0;
  const l = label.toLowerCase();
  const p = prefix.toLowerCase();
  if (l.startsWith(p)) return 0;
  if (wordStarts(label).some((i) => l.startsWith(p, i))) return 1;
  if (l.includes(p)) return 2;
  let j = 0;
  for (let i = 0; i < l.length && j < p.length; i++) if (l[i] === p[j]) j++;
  return j === p.length ? 3 : null;
}

/** Keeps the candidates matching `prefix`, best first, at most MAX_ITEMS; incomplete when any were left out. */
function finish(all: Candidate[], prefix: string): Completion {
  const ranked: Candidate[] = [];
  for (const c of all) {
    const rank = matchRank(c.label, prefix);
    if (rank !== null) ranked.push({ ...c, sortText: `${rank}${c.sortText}` });
  }
  ranked.sort((a, b) => (a.sortText < b.sortText ? -1 : a.sortText > b.sortText ? 1 : 0));
  return { items: ranked.slice(0, MAX_ITEMS), incomplete: ranked.length < all.length || ranked.length > MAX_ITEMS };
}

export function completionCandidates(index: ManifestIndex, ctx: CompletionContext): Completion {
  const rank = (pkg: string) => (pkg === index.projectName ? '0' : '1');
  const out: Candidate[] = [];
  switch (ctx.kind) {
    case 'ref': {
      for (const [name, list] of index.refableByName) {
        const inPkg = ctx.package === null ? list : list.filter((e) => e.packageName === ctx.package);
        if (inPkg.length === 0) continue;
        const e = inPkg.find((x) => x.version === null || x.version === x.latestVersion) ?? inPkg[0];
        const versions = inPkg.filter((x) => x.version !== null).map((x) => x.version);
        const packages = [...new Set(inPkg.map((x) => x.packageName))];
        out.push({
          label: name,
          kind: e.resourceType === 'seed' ? 'seed' : e.resourceType === 'snapshot' ? 'snapshot' : 'model',
          detail: `${e.resourceType} · ${packages.join(', ')}${versions.length > 0 ? ` · versions ${versions.join(', ')}` : ''}`,
          documentation: brief(e.description),
          sortText: `${rank(e.packageName)}${name}`,
        });
      }
      break;
    }
    case 'source-name': {
      for (const [sourceName, tables] of index.sourcesByName) {
        const first = tables.values().next().value?.[0];
        out.push({
          label: sourceName,
          kind: 'source',
          detail: `source · ${tables.size} table${tables.size === 1 ? '' : 's'}`,
          documentation: [...tables.keys()].sort().join(', '),
          sortText: `${rank(first?.packageName ?? '')}${sourceName}`,
        });
      }
      break;
    }
    case 'source-table': {
      const tables = index.sourcesByName.get(ctx.sourceName);
      for (const [name, list] of tables ?? []) {
        const e = list[0];
        out.push({ label: name, kind: 'table', detail: `source table · ${ctx.sourceName}`, documentation: brief(e.description), sortText: name });
      }
      break;
    }
    case 'doc': {
      for (const [name, list] of index.docsByName) {
        const e = ctx.package === null ? list[0] : list.find((x) => x.packageName === ctx.package);
        if (!e) continue;
        out.push({ label: name, kind: 'doc', detail: `doc · ${e.packageName}`, documentation: brief(e.blockContents ?? ''), sortText: `${rank(e.packageName)}${name}` });
      }
      break;
    }
    case 'macro': {
      const internal = new Set(['dbt', index.adapterType ? `dbt_${index.adapterType}` : '']);
      const wanted = (e: ManifestEntry) =>
        ctx.namespace !== null ? e.packageName === ctx.namespace : e.packageName === index.projectName || internal.has(e.packageName);
      if (ctx.namespace !== null && !index.packages.has(ctx.namespace)) return { items: [], incomplete: false };
      for (const [name, list] of index.macrosByName) {
        const e = list.find(wanted);
        if (!e || !callable(e)) continue;
        out.push({
          label: name,
          kind: 'macro',
          detail: `macro · ${e.packageName}(${e.arguments.map((a) => a.name).join(', ')})`,
          documentation: brief(e.description),
          sortText: `${rank(e.packageName)}${name}`,
        });
      }
      if (ctx.namespace === null) {
        // Installed packages' macros need their namespace: offer the package names.
        for (const pkg of index.packages) {
          if (pkg === index.projectName || internal.has(pkg) || !index.macrosByName.size) continue;
          out.push({ label: pkg, kind: 'package', detail: 'package (type . for its macros)', documentation: '', sortText: `2${pkg}` });
        }
      }
      break;
    }
  }
  return finish(out, ctx.prefix);
}
