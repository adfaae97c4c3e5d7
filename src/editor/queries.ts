// Queries whose rows go to the results panel: Preview (dbt show of a
// model), Show Failing Rows (dbt show of a test), and ad-hoc SQL ("Run
// Selected SQL": the selection or the CTE under the cursor, compiled in the
// project's context by `dbt show --inline`), with the query history.
import { relative } from 'node:path';
import * as vscode from 'vscode';
import { adhocQuery, type AdhocQuery } from '../dbt/adhocSql';
import { lineFromMessage } from '../dbt/diagnosticsModel';
import { gridColumns } from '../dbt/grid';
import type { RawDbtEvent } from '../dbt/protocol';
import { addToHistory, historyLabel, readHistory, type QueryHistoryEntry } from '../dbt/queryHistory';
import type { QueryError, ResultsContent } from '../dbt/resultsPage';
import type { InvocationEntry } from '../dbt/treeModel';
import { noProject, run, runOn, type CommandContext } from './commands';
import type { DbtProject } from './projects';
import type { Target } from './target';

const HISTORY_KEY = 'dbtConductor.queryHistory';

/** An ad-hoc query and where it came from, so that an error's line can be shown in the file. */
interface InlineQuery extends AdhocQuery {
  uri?: vscode.Uri;
}

/** `dbt show` of a node: a model's rows, or a test's failing rows. */
export async function previewTarget(ctx: CommandContext, target: Target | undefined, title?: string, limitOverride?: number): Promise<InvocationEntry | undefined> {
  if (!target) return noProject();
  const project = ctx.projects.get(target.projectRoot);
  if (!project) return noProject();
  if (target.kind === 'project') {
    void vscode.window.showInformationMessage('Preview needs a model: open a model file, put the cursor on a ref, or select a query.');
    return undefined;
  }
  if (target.kind === 'selector' && /\bselect\b/i.test(target.selector) && /\s/.test(target.selector)) {
    // Selected SQL: preview the query itself.
    return runInline(ctx, project, { sql: target.selector, startLine: 0, what: 'selection' });
  }
  const limit = limitOverride ?? ctx.config.previewLimit(vscode.Uri.file(project.root));
  const name = target.kind === 'node' ? target.name : target.kind === 'selector' ? target.selector : target.paths.join(' ');
  const heading = title ?? `Preview: ${name}`;
  void ctx.results.running(heading, `dbt show --limit ${limit} · ${project.name}`);
  // The tests of a previewed model are left out: they would run too, and fail on a model never built.
  const isTest = target.kind === 'node' && (target.resourceType === 'test' || target.resourceType === 'unit_test');
  const errors = errorCollector();
  const entry = await runOn(ctx, 'show', target, { withoutTests: !isTest }, limit, errors.onEvent);
  if (!entry) return undefined;
  const tables = entry.result?.output.kind === 'show' ? entry.result.output.tables : [];
  const table = (target.kind === 'node' && tables.find((t) => t.uniqueId.split('.').pop() === target.name)) || tables[0];
  if (!table && !entry.error && entry.result?.exitCode !== 2) {
    void vscode.window.showWarningMessage(`${entry.label} returned no table. Check the selection in the dbt output.`);
    return entry;
  }
  await ctx.results.show(
    {
      ...baseContent(ctx, project, entry, heading, limit),
      columns: table ? gridColumns(table.columns, table.rows, table.types) : [],
      rows: table?.rows ?? [],
      error: table ? undefined : { message: errors.message(entry) },
    },
    { rerun: (more) => previewTarget(ctx, target, title, more) },
  );
  return entry;
}

/** `dbt show --inline` of ad-hoc SQL; the result, or dbt's error with its line, goes to the panel and the history. */
export async function runInline(ctx: CommandContext, project: DbtProject, query: InlineQuery, limitOverride?: number): Promise<InvocationEntry | undefined> {
  const limit = limitOverride ?? ctx.config.previewLimit(vscode.Uri.file(project.root));
  const heading = `Query: ${query.what}${query.uri ? ` in ${vscode.workspace.asRelativePath(query.uri, false)}` : ''}`;
  void ctx.results.running(heading, `dbt show --inline --limit ${limit} · ${project.name}`);
  const errors = errorCollector();
  const entry = await run(ctx, project, { command: 'show', selection: { kind: 'inline', sql: query.sql }, limit }, [], errors.onEvent);
  if (!entry) return undefined;
  const table = entry.result?.output.kind === 'show' ? entry.result.output.tables[0] : undefined;
  let error: QueryError | undefined;
  if (!table) {
    const message = errors.message(entry);
    const line = lineFromMessage(message, query.sql);
    error = { message, line: line === undefined ? undefined : line + 1 };
  }
  const content = await ctx.results.show(
    {
      ...baseContent(ctx, project, entry, heading, limit),
      columns: table ? gridColumns(table.columns, table.rows, table.types) : [],
      rows: table?.rows ?? [],
      error,
    },
    {
      rerun: (more) => runInline(ctx, project, query, more),
      revealError: () => revealLine(query, error?.line),
    },
  );
  await remember(ctx, project, query, content);
  return entry;
}

function baseContent(ctx: CommandContext, project: DbtProject, entry: InvocationEntry, title: string, limit: number): Pick<ResultsContent, 'title' | 'subtitle' | 'limit' | 'elapsedSeconds' | 'canRerun'> {
  const target = ctx.statusBar.targetFor(project);
  return {
    title,
    subtitle: `${entry.label} --limit ${limit} · ${project.name}${target ? ` (${target})` : ''}`,
    limit,
    elapsedSeconds: entry.result?.elapsedSeconds,
    canRerun: true,
  };
}

/**
 * dbt's error text for a failed query. The exception of a Jinja error only
 * says "Error parsing inline query"; the event before it has the detail.
 */
function errorCollector() {
  const texts: string[] = [];
  return {
    onEvent: (e: RawDbtEvent) => {
      if (e.info.level !== 'error') return;
      const text = typeof e.data.exc === 'string' ? e.data.exc : e.info.msg;
      if (text && !texts.includes(text)) texts.push(text);
    },
    message: (entry: InvocationEntry) => {
      const fallback = entry.error ?? entry.result?.exception?.message ?? 'dbt returned no rows and no error; see the dbt output.';
      const longest = texts.reduce((a, b) => (b.length > a.length ? b : a), '');
      return longest || fallback;
    },
  };
}

async function revealLine(query: InlineQuery, line: number | undefined): Promise<void> {
  if (line === undefined) return;
  const at = new vscode.Position(query.startLine + line - 1, 0);
  const doc = query.uri ? await vscode.workspace.openTextDocument(query.uri) : await vscode.workspace.openTextDocument({ content: query.sql, language: 'sql' });
  const pos = query.uri ? at : new vscode.Position(line - 1, 0);
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, doc.lineAt(Math.min(pos.line, doc.lineCount - 1)).range.end), viewColumn: vscode.ViewColumn.One });
}

async function remember(ctx: CommandContext, project: DbtProject, query: InlineQuery, content: ResultsContent): Promise<void> {
  const entry: QueryHistoryEntry = {
    sql: query.sql,
    projectRoot: project.root,
    file: query.uri ? relative(project.root, query.uri.fsPath).split('\\').join('/') : undefined,
    ranAt: Date.now(),
    rows: content.error ? undefined : content.rows.length,
    elapsedSeconds: content.elapsedSeconds,
    error: content.error?.message.split('\n').find((l) => l.trim()),
  };
  await ctx.state.update(HISTORY_KEY, addToHistory(readHistory(ctx.state.get(HISTORY_KEY)), entry));
}

export function queryHistory(state: vscode.Memento): QueryHistoryEntry[] {
  return readHistory(state.get(HISTORY_KEY));
}

/** "dbt: Run Selected SQL": the selection, or the CTE under the cursor, or the whole file. */
export async function runSelectedSql(ctx: CommandContext): Promise<InvocationEntry | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('Open a SQL file and select a query (or put the cursor in a CTE) to run it.');
    return undefined;
  }
  const project = ctx.projects.forUri(editor.document.uri) ?? ctx.projects.active();
  if (!project) return noProject();
  const doc = editor.document;
  const query = adhocQuery(doc.getText(), { start: doc.offsetAt(editor.selection.start), end: doc.offsetAt(editor.selection.end) });
  if (!query) {
    void vscode.window.showInformationMessage('There is no SQL to run here.');
    return undefined;
  }
  return runInline(ctx, project, { ...query, uri: doc.isUntitled ? undefined : doc.uri });
}

type HistoryItem = vscode.QuickPickItem & { entry: QueryHistoryEntry };

/** "dbt: Query History": pick a recent query to run again, or open it in an editor (the item's button). */
export async function pickFromHistory(ctx: CommandContext): Promise<InvocationEntry | undefined> {
  const entries = queryHistory(ctx.state);
  if (entries.length === 0) {
    void vscode.window.showInformationMessage('No queries yet: select SQL in a model and run "dbt: Run Selected SQL".');
    return undefined;
  }
  const open: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('go-to-file'), tooltip: 'Open in an editor' };
  const qp = vscode.window.createQuickPick<HistoryItem>();
  qp.title = 'dbt: Query History (Enter runs it again)';
  qp.matchOnDetail = true;
  qp.items = entries.map((entry) => ({
    entry,
    label: historyLabel(entry),
    description: entry.error ? `error: ${entry.error}` : entry.rows !== undefined ? `${entry.rows} rows` : '',
    detail: `${new Date(entry.ranAt).toLocaleString()}${entry.file ? ` · ${entry.file}` : ''}`,
    buttons: [open],
  }));
  const picked = await new Promise<{ entry: QueryHistoryEntry; open: boolean } | undefined>((resolve) => {
    qp.onDidTriggerItemButton((e) => resolve({ entry: e.item.entry, open: true }));
    qp.onDidAccept(() => resolve(qp.selectedItems[0] && { entry: qp.selectedItems[0].entry, open: false }));
    qp.onDidHide(() => resolve(undefined));
    qp.show();
  });
  qp.dispose();
  if (!picked) return undefined;
  if (picked.open) {
    const doc = await vscode.workspace.openTextDocument({ content: picked.entry.sql, language: 'sql' });
    await vscode.window.showTextDocument(doc);
    return undefined;
  }
  const project = ctx.projects.get(picked.entry.projectRoot);
  if (!project) return noProject();
  return runInline(ctx, project, { sql: picked.entry.sql, startLine: 0, what: 'history', uri: undefined });
}
