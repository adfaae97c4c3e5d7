// The model docs panel: one node's description (Markdown), columns, config,
// owner, files, parents and children. Markdown goes through markdown-it with
// raw HTML off, so every tag in a description is shown as text; the strict
// CSP would block scripts and remote images anyway.
import MarkdownIt from 'markdown-it';
import type { DocsColumn, DocsLink, FromDocsPage, ModelDocs, ToDocsPage } from '../dbt/modelDocs';
import { connect, el } from './lib/host';

const host = connect<FromDocsPage, ToDocsPage>();
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
const main = el('main', { class: 'docs' });
document.body.append(main);

/** Rendered Markdown: markdown-it's output with html off is escaped text and its own tags only. */
function markdown(text: string, inline = false): HTMLElement {
  const box = el(inline ? 'span' : 'div', { class: 'markdown' });
  box.innerHTML = inline ? md.renderInline(text) : md.render(text);
  return box;
}

function linkButton(l: DocsLink): HTMLElement {
  const b = el('button', { class: `link type-${l.resourceType}`, title: `Show the docs of ${l.label}` }, l.label);
  b.addEventListener('click', () => host.post({ type: 'show', id: l.id }));
  const kind = el('span', { class: 'kind' }, ` ${l.resourceType.replace('_', ' ')}`);
  const item = el('li');
  item.append(b, kind);
  return item;
}

function section(title: string, ...content: HTMLElement[]): HTMLElement {
  const s = el('section');
  s.append(el('h2', {}, title), ...content);
  return s;
}

function columnsTable(columns: DocsColumn[], fromCatalog: boolean): HTMLElement {
  const table = el('table', { class: 'columns' });
  const head = el('tr');
  head.append(el('th', {}, 'column'), el('th', {}, fromCatalog ? 'type (catalog)' : 'type'), el('th', {}, 'description'), el('th', {}, 'tests'));
  table.append(head);
  for (const c of columns) {
    const row = el('tr');
    const description = el('td');
    description.append(markdown(c.description));
    row.append(el('td', { class: 'name' }, c.name), el('td', { class: 'type' }, c.type ?? ''), description, el('td', { class: 'tests' }, c.tests.join(', ')));
    table.append(row);
  }
  return table;
}

function fileLine(docs: ModelDocs, label: string, path: string): HTMLElement {
  const p = el('p', { class: 'file' });
  const b = el('button', { class: 'link', title: `Open ${path}` }, path);
  b.addEventListener('click', () => host.post({ type: 'openFile', id: docs.id, path }));
  p.append(el('span', {}, `${label} `), b);
  return p;
}

function render(docs: ModelDocs): void {
  const header = el('header');
  const title = el('h1', {}, docs.label);
  const kind = el('span', { class: `kind type-${docs.resourceType}` }, docs.resourceType.replace('_', ' '));
  const lineage = el('button', { class: 'action', title: 'Show this node in the lineage panel' }, 'Lineage');
  lineage.addEventListener('click', () => host.post({ type: 'lineage', id: docs.id }));
  header.append(title, kind, lineage);
  const parts: HTMLElement[] = [header];
  parts.push(docs.description.trim() ? markdown(docs.description) : el('p', { class: 'missing' }, 'No description. Add one in schema YAML (`description:`).'));
  if (docs.facts.length > 0) {
    const dl = el('dl', { class: 'facts' });
    for (const [k, v] of docs.facts) dl.append(el('dt', {}, k), el('dd', {}, v));
    parts.push(section('Details', dl));
  }
  if (docs.columns.length > 0) parts.push(section(`Columns (${docs.columns.length})`, columnsTable(docs.columns, docs.typesFromCatalog)));
  if (docs.tests.length > 0) parts.push(section('Tests', el('p', {}, docs.tests.join(', '))));
  const files: HTMLElement[] = [];
  if (docs.file) files.push(fileLine(docs, 'defined in', docs.file));
  if (docs.documentedIn && docs.documentedIn !== docs.file) files.push(fileLine(docs, 'documented in', docs.documentedIn));
  if (files.length > 0) parts.push(section('Files', ...files));
  for (const [name, links] of [['Parents', docs.parents], ['Children', docs.children]] as const) {
    const list = el('ul', { class: 'links' });
    for (const l of links) list.append(linkButton(l));
    parts.push(section(`${name} (${links.length})`, links.length > 0 ? list : el('p', { class: 'missing' }, 'none')));
  }
  main.replaceChildren(...parts);
  document.title = `Docs: ${docs.label}`;
  host.post({ type: 'rendered', id: docs.id });
}

host.onMessage((m) => {
  if (m.type === 'docs') render(m.docs);
  else main.replaceChildren(el('p', { class: 'missing' }, m.message));
});
host.post({ type: 'ready' });
