// Messages between the lineage webview's page (src/webview/lineage.ts) and
// its host (src/editor/lineagePanel.ts). Node-free: both sides import it.
import type { Levels, LineageGraph, LineageNode, NodeBadges } from './lineage';

export interface LineageViewState {
  upstream: Levels;
  downstream: Levels;
  locked: boolean;
  /** The compact view in the side bar: smaller boxes, fewer controls. */
  compact: boolean;
}

/** What the page needs to put on a node for VS Code's webview context menu (`data-vscode-context`). */
export interface NodeMenuContext {
  webviewSection: 'dbtLineageNode';
  preventDefaultContextMenuItems: true;
  /** The command's target (src/editor/target.ts): one node, or the selected nodes as a selector. */
  kind: 'node' | 'selector';
  projectRoot: string;
  name?: string;
  uniqueId?: string;
  resourceType?: string;
  selector?: string;
  /** For `when` clauses: 'model', 'seed', ..., or 'selection' for several nodes. */
  lineageKind: string;
}

export type ToLineagePage =
  /** A new graph to lay out and draw; `seq` comes back in `rendered`. */
  | { type: 'graph'; seq: number; projectRoot: string; graph: LineageGraph; badges: Record<string, NodeBadges>; state: LineageViewState }
  /** Run statuses changed (a run is going on): no new layout. */
  | { type: 'badges'; seq: number; badges: Record<string, NodeBadges> }
  | { type: 'state'; state: LineageViewState }
  | { type: 'searchResults'; query: string; results: { id: string; label: string; resourceType: string }[] }
  /** Nothing to show, and why (no project, not parsed, not a node). */
  | { type: 'empty'; message: string };

export type FromLineagePage =
  | { type: 'ready' }
  /** The page drew graph `seq` (and applied badges `badgesSeq`): the ids drawn with their run status as shown. */
  | { type: 'rendered'; seq: number; badgesSeq: number; nodes: number; shown: Record<string, string> }
  | { type: 'open'; id: string }
  | { type: 'docs'; id: string }
  | { type: 'focus'; id: string }
  | { type: 'expand'; id: string; direction: 'up' | 'down' }
  | { type: 'levels'; upstream: Levels; downstream: Levels }
  | { type: 'lock'; locked: boolean }
  | { type: 'search'; query: string }
  | { type: 'selection'; ids: string[] };

/** The menu context for a right-click on `clicked`: the whole selection when the clicked node is part of it. */
export function menuContext(projectRoot: string, clicked: LineageNode, selection: readonly LineageNode[]): NodeMenuContext {
  const base = { webviewSection: 'dbtLineageNode', preventDefaultContextMenuItems: true, projectRoot } as const;
  const nodes = selection.length > 1 && selection.some((n) => n.id === clicked.id) ? selection : [clicked];
  if (nodes.length > 1) return { ...base, kind: 'selector', selector: nodes.map((n) => n.selector).join(' '), lineageKind: 'selection' };
  const one = nodes[0]!;
  // Models, seeds and snapshots are selected by name, as the code lens does; the rest by method (source:, exposure:).
  if (one.selector === one.name || one.selector.startsWith(`${one.name}.v`)) {
    return { ...base, kind: 'node', name: one.selector, uniqueId: one.id, resourceType: one.resourceType, lineageKind: one.resourceType };
  }
  return { ...base, kind: 'selector', selector: one.selector, uniqueId: one.id, resourceType: one.resourceType, lineageKind: one.resourceType };
}
