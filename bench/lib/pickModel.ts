// The "one model" every single-model measurement uses, read from the
// worker's slim manifest.
import { readFileSync } from 'node:fs';

export interface PickedModel {
  uniqueId: string;
  name: string;
  originalFilePath: string;
  ancestors: number;
  tests: number;
}

/**
 * The "one model": one with at least one parent and one test (so run, compile
 * and test all do real work), and the fewest ancestors (so building its
 * upstream is quick). Read from the worker's slim manifest.
 */
export function pickModel(manifestPath: string): PickedModel {
  const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    nodes: Record<string, { resource_type: string; name: string; original_file_path: string; depends_on?: { nodes?: string[] } }>;
    parent_map?: Record<string, string[]>;
    child_map?: Record<string, string[]>;
  };
  const parents = (id: string) => m.parent_map?.[id] ?? m.nodes[id]?.depends_on?.nodes ?? [];
  const ancestorCount = (id: string) => {
    const seen = new Set<string>();
    const stack = [...parents(id)];
    while (stack.length > 0) {
      const p = stack.pop()!;
      if (seen.has(p)) continue;
      seen.add(p);
      stack.push(...parents(p));
    }
    return seen.size;
  };
  let best: PickedModel | undefined;
  for (const [id, n] of Object.entries(m.nodes).sort(([a], [b]) => a.localeCompare(b))) {
    if (n.resource_type !== 'model') continue;
    const tests = (m.child_map?.[id] ?? []).filter((c) => c.startsWith('test.')).length;
    if (tests === 0 || parents(id).filter((p) => p.startsWith('model.')).length === 0) continue;
    const ancestors = ancestorCount(id);
    if (!best || ancestors < best.ancestors) best = { uniqueId: id, name: n.name, originalFilePath: n.original_file_path, ancestors, tests };
  }
  if (!best) throw new Error(`No model with a parent model and a test in ${manifestPath}: the generator's projects do not fit this bench.`);
  return best;
}
