// Hover text (markdown) for what the cursor points at. Pure.
import type { ColumnInfo, ManifestEntry, ManifestIndex } from '../dbt/manifest';
import type { Target } from './targets';

/** Columns listed in a hover before "and N more". */
const MAX_COLUMNS = 25;

/** Text safe inside a markdown table cell. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').trim();
}

function code(s: string): string {
  return '`' + s.replace(/`/g, "'") + '`';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function testLabel(t: ManifestEntry): string {
  if (t.resourceType === 'unit_test') return `unit test ${t.name}`;
  const name = t.testName ?? t.name;
  return t.columnName ? `${name} (${t.columnName})` : name;
}

/** A description's first line, short enough for a table cell. */
function summary(description: string): string {
  const first = description.trim().split(/\r?\n/)[0] ?? '';
  const line = first.length > 120 ? first.slice(0, 120) + '…' : first;
  return cell(description.trim().includes('\n') && line === first ? line + ' …' : line);
}

function columnsTable(columns: ColumnInfo[]): string[] {
  if (columns.length === 0) return [];
  // No type column when dbt knows no types (types come from YAML data_type).
  const typed = columns.some((c) => c.dataType);
  const lines = ['', typed ? '| column | type | description |' : '| column | description |', typed ? '|---|---|---|' : '|---|---|'];
  for (const c of columns.slice(0, MAX_COLUMNS)) {
    lines.push(typed ? `| ${cell(c.name)} | ${cell(c.dataType ?? '')} | ${summary(c.description)} |` : `| ${cell(c.name)} | ${summary(c.description)} |`);
  }
  if (columns.length > MAX_COLUMNS) lines.push(`| … ${columns.length - MAX_COLUMNS} more |${typed ? ' |' : ''} |`);
  return lines;
}

function facts(rows: [string, string | null | undefined][]): string[] {
  const present = rows.filter((r): r is [string, string] => typeof r[1] === 'string' && r[1] !== '');
  if (present.length === 0) return [];
  return ['', '| | |', '|---|---|', ...present.map(([k, v]) => `| ${k} | ${v} |`)];
}

/** "2 parents, 3 children", as a link that opens the lineage panel on the node. */
function lineage(index: ManifestIndex, id: string): string {
  const children = index.children(id).length;
  const text = `${plural(index.parents(id).length, 'parent')}, ${children} ${children === 1 ? 'child' : 'children'}`;
  return `[${text}](command:dbtConductor.showLineage?${encodeURIComponent(JSON.stringify([{ uniqueId: id }]))} "Show the lineage")`;
}

function title(e: ManifestEntry, index: ManifestIndex): string {
  const pkg = e.packageName && e.packageName !== index.projectName ? ` (package ${code(e.packageName)})` : '';
  let version = '';
  if (e.version !== null) {
    const all = index.versionsOf(e).map((v) => v.version);
    version = ` — version ${e.version}${e.version === e.latestVersion ? ' (latest)' : ''}${all.length > 1 ? `, versions ${all.join(', ')}` : ''}`;
  }
  const disabled = e.enabled ? '' : ' — **disabled**';
  return `**${e.resourceType.replace('_', ' ')}** ${code(e.name)}${pkg}${version}${disabled}`;
}

export function nodeHover(index: ManifestIndex, e: ManifestEntry): string {
  const tests = index.testsOf(e.uniqueId);
  const lines = [title(e, index)];
  if (e.description) lines.push('', e.description);
  lines.push(
    ...facts([
      ['materialized', e.materialized],
      ['relation', e.relationName ? code(e.relationName) : null],
      ['access', e.resourceType === 'model' ? e.access : null],
      ['tags', e.tags.length > 0 ? e.tags.join(', ') : null],
      ['file', e.originalFilePath ? code(e.originalFilePath) : null],
      ['documented in', e.patchPath && e.patchPath !== e.originalFilePath ? code(e.patchPath) : null],
      ['lineage', lineage(index, e.uniqueId)],
      ['tests', tests.length > 0 ? cell(tests.map(testLabel).join(', ')) : e.resourceType === 'model' ? 'none' : null],
    ]),
  );
  lines.push(...columnsTable(e.columns));
  return lines.join('\n');
}

export function columnHover(index: ManifestIndex, owner: ManifestEntry, column: ColumnInfo): string {
  const tests = index.testsOf(owner.uniqueId).filter((t) => t.columnName !== null && t.columnName.toLowerCase() === column.name.toLowerCase());
  const ownerLabel = owner.resourceType === 'source' ? `${owner.sourceName}.${owner.name}` : owner.name;
  const lines = [`**column** ${code(column.name)} of ${owner.resourceType} ${code(ownerLabel)}`];
  if (column.description) lines.push('', column.description);
  lines.push(
    ...facts([
      ['type', column.dataType],
      ['tests', tests.length > 0 ? cell(tests.map((t) => t.testName ?? t.name).join(', ')) : 'none'],
      ['relation', owner.relationName ? code(owner.relationName) : null],
    ]),
  );
  return lines.join('\n');
}

export function sourceHover(index: ManifestIndex, e: ManifestEntry): string {
  const tests = index.testsOf(e.uniqueId);
  const lines = [`**source** ${code(`${e.sourceName ?? '?'}.${e.name}`)}${e.enabled ? '' : ' — **disabled**'}`];
  if (e.description) lines.push('', e.description);
  lines.push(
    ...facts([
      ['relation', e.relationName ? code(e.relationName) : null],
      ['identifier', e.identifier && e.identifier !== e.name ? code(e.identifier) : null],
      ['loader', e.loader],
      ['loaded at field', e.loadedAtField ? code(e.loadedAtField) : null],
      ['file', e.originalFilePath ? code(e.originalFilePath) : null],
      ['used by', plural(index.children(e.uniqueId).length, 'node')],
      ['tests', tests.length > 0 ? cell(tests.map(testLabel).join(', ')) : null],
    ]),
  );
  lines.push(...columnsTable(e.columns));
  return lines.join('\n');
}

export function sourceGroupHover(sourceName: string, tables: ManifestEntry[]): string {
  const names = tables.map((t) => t.name).sort();
  const file = tables[0]?.originalFilePath;
  return [`**source** ${code(sourceName)}`, '', `${plural(names.length, 'table')}: ${names.map(code).join(', ')}`, ...(file ? ['', `file ${code(file)}`] : [])].join('\n');
}

export function macroHover(e: ManifestEntry): string {
  const signature = `${e.packageName}.${e.name}(${e.arguments.map((a) => a.name).join(', ')})`;
  const lines = ['**macro**', '```jinja', signature, '```'];
  if (e.description) lines.push('', e.description);
  const documented = e.arguments.filter((a) => a.type || a.description);
  if (documented.length > 0) {
    lines.push('', '| argument | type | description |', '|---|---|---|');
    for (const a of documented) lines.push(`| ${cell(a.name)} | ${cell(a.type ?? '')} | ${cell(a.description)} |`);
  }
  if (e.originalFilePath) lines.push('', `file ${code(e.originalFilePath)}`);
  return lines.join('\n');
}

export function docHover(e: ManifestEntry): string {
  const lines = [`**doc** ${code(e.name)}`, '', (e.blockContents ?? '').trim() || '*(empty docs block)*'];
  if (e.originalFilePath) lines.push('', `file ${code(e.originalFilePath)}`);
  return lines.join('\n');
}

/** The hover markdown for a target. */
export function hoverMarkdown(index: ManifestIndex, target: Target): string {
  switch (target.kind) {
    case 'node':
      return nodeHover(index, target.entry);
    case 'column':
      return columnHover(index, target.entry, target.column);
    case 'source':
      return sourceHover(index, target.entry);
    case 'source-group':
      return sourceGroupHover(target.sourceName, target.tables);
    case 'macro':
      return macroHover(target.entry);
    case 'doc':
      return docHover(target.entry);
  }
}
