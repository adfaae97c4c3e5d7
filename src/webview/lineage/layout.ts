// Layout of a lineage graph with dagre (left to right: parents on the left),
// nodes of other packages inside one box per package. Runs in the page.
import { graphlib, layout } from '@dagrejs/dagre';
import type { LineageGraph, LineageNode } from '../../dbt/lineage';

export interface Box {
  node: LineageNode;
  /** Top-left corner. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Laid {
  boxes: Map<string, Box>;
  edges: { from: string; to: string; points: { x: number; y: number }[] }[];
  groups: { name: string; x: number; y: number; width: number; height: number }[];
  width: number;
  height: number;
}

const MAX_WIDTH = 280;

/** Lays out `graph`; `measure` gives the width in pixels of a text in the node font. */
export function layoutGraph(graph: LineageGraph, measure: (text: string) => number, compact: boolean): Laid {
  const inPackage = (n: LineageNode) => !n.cluster && graph.rootPackage !== null && n.packageName !== graph.rootPackage && n.packageName !== '';
  // A compound graph (package boxes) costs dagre about twice the time: only when there is a package to box.
  // tight-tree ranks a dense graph (an "all" view with clusters) in about a third of network-simplex's time.
  const g = new graphlib.Graph({ compound: graph.nodes.some(inPackage), multigraph: false });
  g.setGraph({ rankdir: 'LR', nodesep: compact ? 8 : 14, ranksep: compact ? 36 : 56, marginx: 16, marginy: 16, ranker: 'tight-tree' });
  g.setDefaultEdgeLabel(() => ({}));
  const height = compact ? 28 : 46;
  for (const n of graph.nodes) {
    const text = Math.max(measure(n.label), compact ? 0 : measure(subtitle(n)) * 0.85);
    const width = Math.min(MAX_WIDTH, Math.max(compact ? 90 : 140, text + (compact ? 44 : 64)));
    g.setNode(n.id, { width, height });
    if (inPackage(n)) {
      const group = `package:${n.packageName}`;
      if (!g.hasNode(group)) g.setNode(group, { label: n.packageName, paddingTop: 18 });
      g.setParent(n.id, group);
    }
  }
  for (const [from, to] of graph.edges) g.setEdge(from, to);
  layout(g);

  const boxes = new Map<string, Box>();
  for (const n of graph.nodes) {
    const l = g.node(n.id) as { x: number; y: number; width: number; height: number };
    boxes.set(n.id, { node: n, x: l.x - l.width / 2, y: l.y - l.height / 2, width: l.width, height: l.height });
  }
  const groups = g
    .nodes()
    .filter((id) => id.startsWith('package:'))
    .map((id) => {
      const l = g.node(id) as { x: number; y: number; width: number; height: number };
      return { name: id.slice('package:'.length), x: l.x - l.width / 2, y: l.y - l.height / 2 - 14, width: l.width, height: l.height + 14 };
    });
  const edges = g.edges().map((e) => ({ from: e.v, to: e.w, points: ((g.edge(e) as { points?: { x: number; y: number }[] }).points ?? []) }));
  const size = g.graph() as { width?: number; height?: number };
  return { boxes, edges, groups, width: size.width ?? 0, height: size.height ?? 0 };
}

/** The second line of a node: its type and materialization. */
export function subtitle(n: LineageNode): string {
  if (n.cluster) return Object.entries(n.cluster.byType).map(([t, c]) => `${c} ${t}${c === 1 ? '' : 's'}`).join(', ');
  return n.materialized && n.resourceType === 'model' ? `${n.resourceType} · ${n.materialized}` : n.resourceType.replace('_', ' ');
}
