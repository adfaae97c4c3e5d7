// Drawing a laid-out lineage graph as SVG, with text set through
// textContent only. Node classes carry the resource type, materialization
// and statuses; lineage.css maps them to theme colours.
import type { LineageNode, NodeBadges } from '../../dbt/lineage';
import type { Box, Laid } from './layout';
import { subtitle } from './layout';

const SVG = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Text cut with an ellipsis to fit `width` pixels. */
export function fit(text: string, width: number, measure: (t: string) => number): string {
  if (measure(text) <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (measure(text.slice(0, mid) + '…') <= width) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, lo) + '…';
}

export function drawEdges(laid: Laid): SVGGElement {
  const g = svg('g', { class: 'edges' });
  for (const e of laid.edges) {
    if (e.points.length === 0) continue;
    const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    g.append(svg('path', { class: 'edge', d, 'data-from': e.from, 'data-to': e.to, 'marker-end': 'url(#arrow)' }));
  }
  return g;
}

export function drawGroups(laid: Laid): SVGGElement {
  const g = svg('g', { class: 'groups' });
  for (const p of laid.groups) {
    g.append(svg('rect', { class: 'group', x: p.x, y: p.y, width: p.width, height: p.height, rx: 6 }));
    g.append(svg('text', { class: 'group-label', x: p.x + 8, y: p.y + 14 }, `package ${p.name}`));
  }
  return g;
}

/** One node's group; `focus` is the graph's centre. */
export function drawNode(box: Box, focus: string, compact: boolean, measure: (t: string) => number): SVGGElement {
  const n = box.node;
  const classes = ['node', `type-${cssWord(n.resourceType)}`, n.materialized ? `mat-${cssWord(n.materialized)}` : '', n.id === focus ? 'focus' : '', n.cluster ? 'cluster' : ''];
  const g = svg('g', { class: classes.filter(Boolean).join(' '), transform: `translate(${box.x.toFixed(1)},${box.y.toFixed(1)})`, 'data-id': n.id, role: 'button' });
  g.append(svg('title', {}, tooltip(n)));
  g.append(svg('rect', { class: 'box', width: box.width, height: box.height, rx: 4 }));
  if (!n.cluster) g.append(svg('rect', { class: 'stripe', width: 4, height: box.height, rx: 2 }));
  const textWidth = box.width - (compact ? 36 : 48);
  g.append(svg('text', { class: 'label', x: 12, y: compact ? 18 : 19 }, fit(n.label, textWidth, measure)));
  if (!compact) g.append(svg('text', { class: 'sub', x: 12, y: 36 }, fit(subtitle(n), textWidth, (t) => measure(t) * 0.85)));
  if (n.cluster) return g;
  g.append(svg('circle', { class: 'status', cx: box.width - 12, cy: compact ? 14 : 14, r: 4.5 }));
  if (!compact) g.append(svg('text', { class: 'duration', x: box.width - 8, y: 36, 'text-anchor': 'end' }));
  if (n.tests > 0) g.append(testsBadge(box, compact));
  if (n.hiddenParents > 0) g.append(expander(n, 'up', 0, box.height / 2));
  if (n.hiddenChildren > 0) g.append(expander(n, 'down', box.width, box.height / 2));
  return g;
}

function testsBadge(box: Box, compact: boolean): SVGGElement {
  const g = svg('g', { class: 'tests', transform: `translate(${box.width - (compact ? 48 : 52)},${compact ? 7 : 5})` });
  g.append(svg('rect', { width: compact ? 26 : 30, height: 14, rx: 7 }));
  g.append(svg('text', { x: compact ? 13 : 15, y: 11, 'text-anchor': 'middle' }, `✓${box.node.tests}`));
  return g;
}

function expander(n: LineageNode, direction: 'up' | 'down', x: number, y: number): SVGGElement {
  const count = direction === 'up' ? n.hiddenParents : n.hiddenChildren;
  const g = svg('g', { class: `expand ${direction}`, transform: `translate(${x},${y})`, 'data-direction': direction });
  g.append(svg('title', {}, `Show ${count} more ${direction === 'up' ? (count === 1 ? 'parent' : 'parents') : count === 1 ? 'child' : 'children'}`));
  g.append(svg('circle', { r: 7 }));
  g.append(svg('text', { y: 4, 'text-anchor': 'middle' }, '+'));
  return g;
}

function tooltip(n: LineageNode): string {
  if (n.cluster) return `${n.label}: ${subtitle(n)}. Raise the levels, or search a node, to see them.`;
  const lines = [`${n.label} (${subtitle(n)})`];
  if (n.packageName) lines.push(`package ${n.packageName}`);
  if (n.filePath) lines.push(n.filePath);
  if (n.tests > 0) lines.push(`${n.tests} test${n.tests === 1 ? '' : 's'}`);
  return lines.join('\n');
}

function cssWord(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

/** Applies a node's badges: status dot, duration, tests outcome. Returns the status shown. */
export function applyBadges(g: SVGGElement, badges: NodeBadges | undefined): string {
  const status = badges?.run?.status ?? 'none';
  g.dataset.status = status;
  g.querySelector('.status')?.setAttribute('class', `status s-${cssWord(status)}`);
  const duration = g.querySelector('.duration');
  if (duration) duration.textContent = badges?.run?.durationSeconds !== undefined ? formatSeconds(badges.run.durationSeconds) : '';
  const tests = g.querySelector('.tests');
  if (tests) tests.setAttribute('class', `tests t-${badges?.tests?.outcome ?? 'none'}`);
  const title = g.querySelector('title');
  if (title) title.textContent = `${title.textContent?.split('\n— ')[0] ?? ''}${describeBadges(badges)}`;
  return status;
}

function describeBadges(b: NodeBadges | undefined): string {
  const parts: string[] = [];
  if (b?.run) parts.push(`last run: ${b.run.status}${b.run.durationSeconds !== undefined ? ` in ${formatSeconds(b.run.durationSeconds)}` : ''}`);
  if (b?.tests) parts.push(`tests: ${b.tests.outcome === 'none' ? 'not run' : b.tests.outcome} (${b.tests.ran} of ${b.tests.count} ran)`);
  return parts.length > 0 ? `\n— ${parts.join('; ')}` : '';
}

export function formatSeconds(s: number): string {
  return s < 10 ? `${s.toFixed(1)} s` : s < 120 ? `${Math.round(s)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
