// The run timeline page: one lane per dbt thread, one bar per node (hover
// for its timing and rows, click to open it), the critical path outlined,
// and the comparison with an earlier run of the same command.
import type { NodeDiff } from '../dbt/runCompare';
import type { TimelineBar, TimelineLayout } from '../dbt/timeline';
import type { FromTimelinePage, TimelineContent, ToTimelinePage } from '../dbt/timelinePage';
import { connect, el } from './lib/host';

const host = connect<FromTimelinePage, ToTimelinePage>();
const root = el('div', { class: 'timeline' });
document.body.append(root);

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function statusClass(status: string): string {
  if (status === 'success' || status === 'pass' || status === 'no-op' || status === 'reused') return 'ok';
  if (status === 'warn' || status === 'partial success') return 'warn';
  if (status === 'error' || status === 'fail' || status === 'runtime error') return 'bad';
  if (status === 'running' || status === 'queued') return 'running';
  return 'other';
}

function button(label: string, action: string, onClick: () => void, disabled = false): HTMLButtonElement {
  const b = el('button', { 'data-action': action }, label);
  b.disabled = disabled;
  b.addEventListener('click', onClick);
  return b;
}

function render(c: TimelineContent): void {
  const { run, layout } = c;
  const header = el('header');
  const elapsed = run.elapsedSeconds !== undefined ? ` · ${run.elapsedSeconds.toFixed(1)} s` : '';
  header.append(el('h1', {}, run.label), el('div', { class: 'subtitle' }, `${run.projectName} · ${run.status}${elapsed} · ${new Date(run.startedAt).toLocaleString()}`));
  const actions = el('div', { class: 'actions' });
  actions.append(
    button('Re-run', 'rerun', () => host.post({ type: 'rerun' }), run.running),
    button('Retry failed', 'retry', () => host.post({ type: 'retry' }), run.running || !run.canRetry),
  );
  if (c.comparable.length > 0) {
    const pick = el('select', { 'aria-label': 'Compare with', 'data-action': 'compare' });
    pick.append(el('option', { value: '' }, 'Compare with…'));
    for (const r of c.comparable) pick.append(el('option', { value: String(r.id) }, `#${r.id} ${new Date(r.startedAt).toLocaleTimeString()} · ${r.status}${r.elapsedSeconds !== undefined ? ` · ${r.elapsedSeconds.toFixed(1)} s` : ''}`));
    pick.value = c.compare ? String(c.compare.against.id) : '';
    pick.addEventListener('change', () => host.post({ type: 'compare', against: pick.value ? Number(pick.value) : null }));
    actions.append(pick);
  }
  header.append(actions);
  root.replaceChildren(header, chart(layout), criticalLine(layout));
  if (c.compare) root.append(comparison(c.compare.against.label, c.compare.diffs));
}

function chart(layout: TimelineLayout): HTMLElement {
  const box = el('div', { class: 'chart', role: 'figure', 'aria-label': 'Run timeline' });
  if (layout.bars.length === 0) {
    box.append(el('p', { class: 'empty' }, 'No node has started yet.'));
    return box;
  }
  const span = Math.max(layout.span, 1);
  box.append(axis(span));
  layout.lanes.forEach((lane, i) => {
    const row = el('div', { class: 'lane' });
    const track = el('div', { class: 'track' });
    for (const b of layout.bars.filter((x) => x.lane === i)) track.append(bar(b, span));
    row.append(el('div', { class: 'lane-name', title: lane }, lane.replace(/ \(worker\)$/, '')), track);
    box.append(row);
  });
  return box;
}

function axis(span: number): HTMLElement {
  const row = el('div', { class: 'lane axis' });
  const track = el('div', { class: 'track' });
  const step = niceStep(span / 8);
  for (let t = 0; t <= span; t += step) {
    const tick = el('span', { class: 'tick' }, seconds(t));
    tick.style.left = `${(t / span) * 100}%`;
    track.append(tick);
  }
  row.append(el('div', { class: 'lane-name' }), track);
  return row;
}

function niceStep(raw: number): number {
  const pow = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  return [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
}

function bar(b: TimelineBar, span: number): HTMLElement {
  const e = el('div', {
    class: `bar ${statusClass(b.status)}${b.critical ? ' critical' : ''}${b.open ? ' open' : ''}`,
    'data-id': b.uniqueId,
    role: 'button',
    tabindex: '0',
    title: tooltip(b),
  });
  e.style.left = `${(b.start / span) * 100}%`;
  e.style.width = `max(3px, ${((b.end - b.start) / span) * 100}%)`;
  e.append(el('span', {}, b.name));
  const open = () => host.post({ type: 'openNode', uniqueId: b.uniqueId });
  e.addEventListener('click', open);
  e.addEventListener('keydown', (k) => k.key === 'Enter' && open());
  return e;
}

function tooltip(b: TimelineBar): string {
  const lines = [`${b.name} (${b.resourceType})`, `${b.status}${b.critical ? ' · on the critical path' : ''}`, `start +${seconds(b.start)}, ${b.open ? 'running for' : 'took'} ${seconds(b.end - b.start)}`];
  if (b.rowsAffected !== undefined) lines.push(`rows affected: ${b.rowsAffected}`);
  if (b.failures) lines.push(`failing rows: ${b.failures}`);
  if (b.message && !/^(OK|SUCCESS)/i.test(b.message)) lines.push(b.message.split('\n')[0]!);
  return lines.join('\n');
}

function criticalLine(layout: TimelineLayout): HTMLElement {
  const p = el('p', { class: 'critical-path' });
  if (layout.criticalPath.length === 0) return p;
  const names = layout.criticalPath.map((id) => layout.bars.find((b) => b.uniqueId === id)?.name ?? id);
  p.append(el('strong', {}, 'Critical path: '), el('span', {}, `${names.join(' → ')} (${seconds(layout.criticalMs)} of ${seconds(layout.span)})`));
  return p;
}

function comparison(against: string, diffs: NodeDiff[]): HTMLElement {
  const box = el('section', { class: 'compare' });
  const changed = diffs.filter((d) => d.kind !== 'same');
  box.append(el('h2', {}, `Compared with ${against}: ${changed.length} change${changed.length === 1 ? '' : 's'}`));
  const table = el('table');
  const head = el('tr');
  for (const h of ['node', 'change', 'before', 'after', 'Δ']) head.append(el('th', {}, h));
  table.append(head);
  const fmt = (s?: { status: string; seconds?: number }) => (s ? `${s.status}${s.seconds !== undefined ? ` · ${s.seconds.toFixed(2)} s` : ''}` : '—');
  for (const d of diffs) {
    const tr = el('tr', { class: `diff ${d.kind}` });
    const delta = d.deltaSeconds === undefined ? '' : `${d.deltaSeconds > 0 ? '+' : ''}${d.deltaSeconds.toFixed(2)} s`;
    tr.append(el('td', {}, d.name), el('td', {}, d.kind), el('td', {}, fmt(d.before)), el('td', {}, fmt(d.after)), el('td', { class: 'num' }, delta));
    tr.addEventListener('click', () => host.post({ type: 'openNode', uniqueId: d.uniqueId }));
    table.append(tr);
  }
  box.append(table);
  return box;
}

host.onMessage((m) => {
  if (m.type === 'show') render(m.content);
});
host.post({ type: 'ready' });
