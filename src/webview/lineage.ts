// The lineage page (panel beside the editor, and the compact view in the dbt
// side bar): lays out the graph the host sends (dagre), draws it as SVG,
// and turns clicks, keys and the native context menu into messages. It
// never reads files or runs anything itself.
import type { Levels, LineageGraph, LineageNode, NodeBadges } from '../dbt/lineage';
import { menuContext, type FromLineagePage, type LineageViewState, type ToLineagePage } from '../dbt/lineageProtocol';
import { connect, el } from './lib/host';
import { applyBadges, drawEdges, drawGroups, drawNode, svg } from './lineage/draw';
import { layoutGraph, type Box, type Laid } from './lineage/layout';

const host = connect<FromLineagePage, ToLineagePage>();

interface Current {
  seq: number;
  badgesSeq: number;
  projectRoot: string;
  graph: LineageGraph;
  laid: Laid;
  badges: Record<string, NodeBadges>;
  state: LineageViewState;
}

let current: Current | undefined;
const selection = new Set<string>();
let cursor: string | undefined;
const view = { x: 0, y: 0, k: 1 };

// ---- page structure ----

const LEVELS: Levels[] = [1, 2, 3, 4, 5, 'all'];
const search = el('input', { type: 'search', class: 'search', placeholder: 'Search a node', 'aria-label': 'Search a node by name' });
const results = el('div', { class: 'results', role: 'listbox', hidden: '' });
const upSelect = levelSelect('Upstream levels');
const downSelect = levelSelect('Downstream levels');
const lockButton = el('button', { class: 'lock', 'aria-pressed': 'false', title: 'Keep the graph on this node while you open other files' }, 'Lock');
const fitButton = el('button', { title: 'Fit the graph to the view (F)' }, 'Fit');
const zoomIn = el('button', { title: 'Zoom in (+)', 'aria-label': 'Zoom in' }, '+');
const zoomOut = el('button', { title: 'Zoom out (-)', 'aria-label': 'Zoom out' }, '−');
const docsButton = el('button', { title: 'Open the docs of the centred node (Shift+Enter on a node)' }, 'Docs');
const canvas = el('div', { class: 'canvas', tabindex: '0', role: 'application', 'aria-label': 'Lineage graph: arrow keys move between nodes, Enter opens the file' });
const root = svg('svg', { class: 'graph', 'data-vscode-context': JSON.stringify({ webviewSection: 'graph', preventDefaultContextMenuItems: true }) });
const viewport = svg('g', { class: 'viewport' });
const message = el('div', { class: 'message', hidden: '' });
const announce = el('div', { class: 'announce', 'aria-live': 'polite' });

function levelSelect(label: string): HTMLSelectElement {
  const s = el('select', { 'aria-label': label, title: label });
  for (const l of LEVELS) s.append(el('option', { value: String(l) }, l === 'all' ? 'all' : String(l)));
  return s;
}

function buildPage(): void {
  const defs = svg('defs');
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow' }));
  defs.append(marker);
  root.append(defs, viewport);
  canvas.append(root);
  const find = el('div', { class: 'find' });
  find.append(search, results);
  const levels = el('div', { class: 'levels' });
  levels.append(el('span', {}, '↑'), upSelect, el('span', {}, '↓'), downSelect);
  const toolbar = el('div', { class: 'toolbar', role: 'toolbar' });
  toolbar.append(find, levels, lockButton, fitButton, zoomOut, zoomIn, docsButton);
  document.body.append(toolbar, canvas, message, announce);
}

// ---- messages from the host ----

function onMessage(m: ToLineagePage): void {
  switch (m.type) {
    case 'graph': {
      const measure = measurer();
      const laid = layoutGraph(m.graph, measure, m.state.compact);
      const previousFocus = current?.graph.focus;
      current = { seq: m.seq, badgesSeq: m.seq, projectRoot: m.projectRoot, graph: m.graph, laid, badges: m.badges, state: m.state };
      selection.clear();
      if (previousFocus !== m.graph.focus || !cursor || !laid.boxes.has(cursor)) cursor = m.graph.focus;
      showState(m.state);
      draw(measure);
      break;
    }
    case 'badges':
      if (!current) return;
      current.badges = m.badges;
      current.badgesSeq = m.seq;
      reportRendered(applyAllBadges());
      break;
    case 'state':
      if (current) current.state = m.state;
      showState(m.state);
      break;
    case 'searchResults':
      showResults(m.results);
      break;
    case 'empty':
      current = undefined;
      viewport.replaceChildren();
      message.textContent = m.message;
      message.hidden = false;
      break;
  }
}

function showState(state: LineageViewState): void {
  upSelect.value = String(state.upstream);
  downSelect.value = String(state.downstream);
  lockButton.setAttribute('aria-pressed', String(state.locked));
  lockButton.textContent = state.locked ? 'Locked' : 'Lock';
  document.body.classList.toggle('compact', state.compact);
}

// ---- drawing ----

let measureContext: CanvasRenderingContext2D | null = null;

function measurer(): (text: string) => number {
  measureContext ??= document.createElement('canvas').getContext('2d');
  const style = getComputedStyle(document.body);
  const ctx = measureContext;
  if (!ctx) return (t) => t.length * 7;
  ctx.font = `12px ${style.getPropertyValue('--vscode-font-family') || 'sans-serif'}`;
  return (t) => ctx.measureText(t).width;
}

function draw(measure: (t: string) => number): void {
  if (!current) return;
  const { laid, graph, state } = current;
  message.hidden = true;
  const nodes = svg('g', { class: 'nodes' });
  for (const box of laid.boxes.values()) nodes.append(drawNode(box, graph.focus, state.compact, measure));
  viewport.replaceChildren(drawGroups(laid), drawEdges(laid), nodes);
  updateSelection();
  fitView(true);
  const shown = applyAllBadges();
  describeGraph();
  reportRendered(shown);
}

function applyAllBadges(): Record<string, string> {
  const shown: Record<string, string> = {};
  if (!current) return shown;
  for (const g of viewport.querySelectorAll<SVGGElement>('g.node:not(.cluster)')) {
    const id = g.dataset.id!;
    shown[id] = applyBadges(g, current.badges[id]);
  }
  return shown;
}

function reportRendered(shown: Record<string, string>): void {
  if (!current) return;
  host.post({ type: 'rendered', seq: current.seq, badgesSeq: current.badgesSeq, nodes: current.laid.boxes.size, shown });
}

function describeGraph(): void {
  if (!current) return;
  const { graph } = current;
  const focus = current.laid.boxes.get(graph.focus)?.node;
  announce.textContent = `${focus?.label ?? ''}: ${graph.reachable.up} upstream, ${graph.reachable.down} downstream, ${current.laid.boxes.size} boxes`;
}

function nodeElement(id: string): SVGGElement | null {
  for (const g of viewport.querySelectorAll<SVGGElement>('g.node')) if (g.dataset.id === id) return g;
  return null;
}

/** Selection and cursor classes, and the context-menu target of every node (the selection when it is clicked). */
function updateSelection(): void {
  if (!current) return;
  const selected = [...selection].map((id) => current!.laid.boxes.get(id)?.node).filter((n): n is LineageNode => n !== undefined);
  for (const g of viewport.querySelectorAll<SVGGElement>('g.node')) {
    const id = g.dataset.id!;
    g.classList.toggle('selected', selection.has(id));
    g.classList.toggle('cursor', id === cursor);
    const node = current.laid.boxes.get(id)!.node;
    if (!node.cluster) g.dataset.vscodeContext = JSON.stringify(menuContext(current.projectRoot, node, selected));
  }
}

function setSelection(ids: Iterable<string>): void {
  selection.clear();
  for (const id of ids) selection.add(id);
  updateSelection();
  host.post({ type: 'selection', ids: [...selection] });
}

// ---- view transform ----

function applyView(): void {
  viewport.setAttribute('transform', `translate(${view.x.toFixed(1)},${view.y.toFixed(1)}) scale(${view.k.toFixed(3)})`);
}

function fitView(onlyShrink = false): void {
  if (!current) return;
  const { width, height } = canvas.getBoundingClientRect();
  const { laid } = current;
  if (width === 0 || height === 0 || laid.width === 0) {
    applyView();
    return;
  }
  const k = Math.min(width / laid.width, height / laid.height, onlyShrink ? 1 : 2);
  view.k = Math.max(0.1, k);
  view.x = (width - laid.width * view.k) / 2;
  view.y = (height - laid.height * view.k) / 2;
  applyView();
}

function zoom(factor: number, cx?: number, cy?: number): void {
  const { width, height } = canvas.getBoundingClientRect();
  const px = cx ?? width / 2;
  const py = cy ?? height / 2;
  const k = Math.min(4, Math.max(0.05, view.k * factor));
  view.x = px - ((px - view.x) * k) / view.k;
  view.y = py - ((py - view.y) * k) / view.k;
  view.k = k;
  applyView();
}

/** Pans just enough for a box to be in view. */
function reveal(box: Box): void {
  const { width, height } = canvas.getBoundingClientRect();
  const left = box.x * view.k + view.x;
  const top = box.y * view.k + view.y;
  const right = left + box.width * view.k;
  const bottom = top + box.height * view.k;
  if (left < 8) view.x += 8 - left;
  else if (right > width - 8) view.x -= right - (width - 8);
  if (top < 8) view.y += 8 - top;
  else if (bottom > height - 8) view.y -= bottom - (height - 8);
  applyView();
}

// ---- pointer ----

function nodeOfEvent(e: Event): { id: string; expand?: 'up' | 'down' } | undefined {
  const target = e.target as Element | null;
  const g = target?.closest<SVGGElement>('g.node');
  if (!g) return undefined;
  const expand = target?.closest<SVGGElement>('g.expand')?.dataset.direction as 'up' | 'down' | undefined;
  return { id: g.dataset.id!, expand };
}

function onClick(e: MouseEvent): void {
  const hit = nodeOfEvent(e);
  if (!hit || !current) return;
  if (hit.expand) {
    host.post({ type: 'expand', id: hit.id, direction: hit.expand });
    return;
  }
  if (current.laid.boxes.get(hit.id)?.node.cluster) return;
  cursor = hit.id;
  if (e.ctrlKey || e.metaKey || e.shiftKey) {
    const ids = new Set(selection);
    if (ids.has(hit.id)) ids.delete(hit.id);
    else ids.add(hit.id);
    setSelection(ids);
    return;
  }
  setSelection([hit.id]);
  host.post({ type: 'open', id: hit.id });
}

function onContextMenu(e: MouseEvent): void {
  // VS Code's own listener (on the window, after this one) reads data-vscode-context: make it name what was clicked.
  const hit = nodeOfEvent(e);
  if (!hit || selection.has(hit.id)) return;
  cursor = hit.id;
  setSelection([hit.id]);
}

let drag: { x: number; y: number; vx: number; vy: number } | undefined;

function installPointer(): void {
  canvas.addEventListener('click', onClick);
  canvas.addEventListener('dblclick', (e) => {
    const hit = nodeOfEvent(e);
    if (hit && !hit.expand && !current?.laid.boxes.get(hit.id)?.node.cluster) host.post({ type: 'focus', id: hit.id });
  });
  canvas.addEventListener('contextmenu', onContextMenu);
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    const r = canvas.getBoundingClientRect();
    zoom(e.deltaY < 0 ? 1.1 : 1 / 1.1, e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  canvas.addEventListener('pointerdown', (e) => {
    if (e.button !== 0 || nodeOfEvent(e)) return;
    drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y };
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drag) return;
    view.x = drag.vx + e.clientX - drag.x;
    view.y = drag.vy + e.clientY - drag.y;
    applyView();
  });
  canvas.addEventListener('pointerup', () => (drag = undefined));
  new ResizeObserver(() => fitView(true)).observe(canvas);
}

// ---- keyboard ----

/** The box next to the cursor: along an edge (left = parent, right = child) or in the same column (up, down). */
function neighbour(key: string): string | undefined {
  if (!current || !cursor) return undefined;
  const { laid } = current;
  const from = laid.boxes.get(cursor);
  if (!from) return undefined;
  const cy = from.y + from.height / 2;
  let candidates: Box[];
  if (key === 'ArrowLeft') candidates = laid.edges.filter((e) => e.to === cursor).map((e) => laid.boxes.get(e.from)!);
  else if (key === 'ArrowRight') candidates = laid.edges.filter((e) => e.from === cursor).map((e) => laid.boxes.get(e.to)!);
  else {
    const column = [...laid.boxes.values()].filter((b) => Math.abs(b.x + b.width / 2 - (from.x + from.width / 2)) < 1);
    candidates = column.filter((b) => (key === 'ArrowUp' ? b.y < from.y : b.y > from.y));
  }
  candidates = candidates.filter(Boolean);
  candidates.sort((a, b) => Math.abs(a.y + a.height / 2 - cy) - Math.abs(b.y + b.height / 2 - cy));
  return candidates[0]?.node.id;
}

function onKey(e: KeyboardEvent): void {
  if (!current) return;
  const id = cursor;
  const node = id ? current.laid.boxes.get(id)?.node : undefined;
  switch (e.key) {
    case 'ArrowLeft':
    case 'ArrowRight':
    case 'ArrowUp':
    case 'ArrowDown': {
      const next = neighbour(e.key);
      if (next) moveCursor(next);
      break;
    }
    case 'Enter':
      if (node && !node.cluster) host.post({ type: e.shiftKey ? 'docs' : 'open', id: node.id });
      break;
    case ' ':
      if (node && !node.cluster) {
        const ids = new Set(selection);
        if (ids.has(node.id)) ids.delete(node.id);
        else ids.add(node.id);
        setSelection(ids);
      }
      break;
    case 'c':
      if (node && !node.cluster) host.post({ type: 'focus', id: node.id });
      break;
    case '+':
    case '=':
      zoom(1.2);
      break;
    case '-':
      zoom(1 / 1.2);
      break;
    case 'f':
    case '0':
      fitView();
      break;
    case '/':
      search.focus();
      break;
    case 'Escape':
      setSelection([]);
      break;
    case 'ContextMenu':
      if (id) openMenuAt(id);
      break;
    default:
      if (e.key === 'F10' && e.shiftKey && id) openMenuAt(id);
      else return;
  }
  e.preventDefault();
}

function moveCursor(id: string): void {
  cursor = id;
  updateSelection();
  const box = current?.laid.boxes.get(id);
  if (box) {
    reveal(box);
    announce.textContent = `${box.node.label}, ${box.node.resourceType}${current?.badges[id]?.run ? `, last run ${current.badges[id].run.status}` : ''}`;
  }
}

/** The keyboard way to the native context menu: a contextmenu event on the node, as a right-click would send. */
function openMenuAt(id: string): void {
  const g = nodeElement(id);
  if (!g) return;
  const r = g.getBoundingClientRect();
  g.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 }));
}

// ---- search ----

let searchTimer: ReturnType<typeof setTimeout> | undefined;

function showResults(list: { id: string; label: string; resourceType: string }[]): void {
  results.replaceChildren();
  for (const r of list) {
    const option = el('button', { class: 'result', role: 'option', 'data-id': r.id }, r.label);
    option.append(el('span', { class: 'kind' }, r.resourceType));
    results.append(option);
  }
  if (list.length === 0 && search.value.trim() !== '') results.append(el('div', { class: 'none' }, 'No node matches'));
  results.hidden = search.value.trim() === '';
}

function pick(id: string): void {
  search.value = '';
  results.hidden = true;
  host.post({ type: 'focus', id });
  canvas.focus();
}

function installControls(): void {
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => host.post({ type: 'search', query: search.value }), 120);
  });
  search.addEventListener('keydown', (e) => {
    const first = results.querySelector<HTMLButtonElement>('button.result');
    if (e.key === 'Enter' && first) pick(first.dataset.id!);
    else if (e.key === 'ArrowDown' && first) first.focus();
    else if (e.key === 'Escape') {
      search.value = '';
      results.hidden = true;
      canvas.focus();
    } else return;
    e.preventDefault();
  });
  results.addEventListener('click', (e) => {
    const b = (e.target as Element).closest<HTMLButtonElement>('button.result');
    if (b) pick(b.dataset.id!);
  });
  results.addEventListener('keydown', (e) => {
    const b = document.activeElement as HTMLElement | null;
    if (e.key === 'ArrowDown') (b?.nextElementSibling as HTMLElement | null)?.focus();
    else if (e.key === 'ArrowUp') ((b?.previousElementSibling as HTMLElement | null) ?? search).focus();
    else return;
    e.preventDefault();
  });
  const levels = () => host.post({ type: 'levels', upstream: parseLevels(upSelect.value), downstream: parseLevels(downSelect.value) });
  upSelect.addEventListener('change', levels);
  downSelect.addEventListener('change', levels);
  lockButton.addEventListener('click', () => host.post({ type: 'lock', locked: lockButton.getAttribute('aria-pressed') !== 'true' }));
  fitButton.addEventListener('click', () => fitView());
  zoomIn.addEventListener('click', () => zoom(1.2));
  zoomOut.addEventListener('click', () => zoom(1 / 1.2));
  docsButton.addEventListener('click', () => current && host.post({ type: 'docs', id: current.graph.focus }));
  canvas.addEventListener('keydown', onKey);
}

function parseLevels(v: string): Levels {
  return v === 'all' ? 'all' : Number(v);
}

buildPage();
installPointer();
installControls();
host.onMessage(onMessage);
host.post({ type: 'ready' });
