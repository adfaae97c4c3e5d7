// Shared by the extension-host suites: the extension's API, the fixture
// project, editors, and bounded waiting. Imported (bundled) by each
// *.suite.ts; not a suite itself.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ConductorApi } from '../../src/extension';
import type { InvocationEntry } from '../../src/dbt/treeModel';

export const EXTENSION_ID = 'dbt-conductor.dbt-conductor';

/** The activated extension's API, after its first project discovery. */
export async function conductor(): Promise<ConductorApi> {
  const ext = vscode.extensions.getExtension<ConductorApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not installed in this host`);
  const api = ext.isActive ? ext.exports : await ext.activate();
  await api.ready;
  return api;
}

/** The fixture project the workspace opened (the jaffle copy). */
export function projectRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the tests need a workspace folder (the jaffle fixture copy)');
  return folder.uri.fsPath;
}

export function fileUri(rel: string): vscode.Uri {
  return vscode.Uri.file(join(projectRoot(), rel));
}

export function fileText(rel: string): string {
  return readFileSync(join(projectRoot(), rel), 'utf8');
}

/** 0-based line of the first line containing `needle` (after `after`, when given). */
export function lineOf(rel: string, needle: string, after?: string): number {
  const lines = fileText(rel).split('\n');
  const start = after === undefined ? 0 : lines.findIndex((l) => l.includes(after));
  const i = lines.findIndex((l, n) => n > start && l.includes(needle));
  if (start < 0 || i < 0) throw new Error(`"${needle}" not found in ${rel}`);
  return i;
}

/** Opens a project file; with `select`, selects that text (first occurrence) or puts the cursor in it. */
export async function openFile(rel: string, select?: { text: string; cursorOnly?: boolean }): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(fileUri(rel));
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  if (select) {
    const offset = doc.getText().indexOf(select.text);
    if (offset < 0) throw new Error(`"${select.text}" not in ${rel}`);
    const start = doc.positionAt(offset);
    const end = doc.positionAt(offset + select.text.length);
    editor.selection = select.cursorOnly ? new vscode.Selection(start.translate(0, 1), start.translate(0, 1)) : new vscode.Selection(start, end);
  } else {
    editor.selection = new vscode.Selection(0, 0, 0, 0);
  }
  return editor;
}

/** Closes every editor, reverting unsaved edits first (a save prompt would block, or save a test's edit). */
export async function closeEditors(): Promise<void> {
  for (const doc of vscode.workspace.textDocuments.filter((d) => d.isDirty && d.uri.scheme === 'file')) {
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** Polls `check` until it returns a value (not undefined/false), at most `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until a tree view shows what `check` looks for: checked now, then each
 * time the view fires its own change event, at most `timeoutMs`. The test never
 * refreshes the view itself, so a missing refresh fails it.
 */
export function untilTreeShows<T>(tree: { onDidChangeTreeData: vscode.Event<unknown> }, what: string, check: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const now = check();
  if (now !== undefined && now !== false) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      listener.dispose();
      reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`));
    }, timeoutMs);
    const listener = tree.onDidChangeTreeData(() => {
      const v = check();
      if (v === undefined || v === false) return;
      clearTimeout(timer);
      listener.dispose();
      resolve(v);
    });
  });
}

/** Runs a dbtConductor command and returns the invocation it ran (throws when nothing ran). */
export async function runCommand(name: string, ...args: unknown[]): Promise<InvocationEntry> {
  const entry = await vscode.commands.executeCommand<InvocationEntry | undefined>(`dbtConductor.${name}`, ...args);
  if (!entry) throw new Error(`dbtConductor.${name} ran nothing`);
  return entry;
}

/** Loads the fixture's seeds (models read them through sources), once per suite that needs tables. */
export async function seedProject(): Promise<void> {
  const seeded = await runCommand('seed', { kind: 'project', projectRoot: projectRoot() });
  if (seeded.result?.exitCode !== 0) throw new Error(`dbt seed failed: ${seeded.error ?? seeded.result?.exitCode}`);
}

/** The manifest of the fixture project, parsing it first when needed. */
export async function ensureParsed(api: ConductorApi): Promise<void> {
  if (api.manifests.get(projectRoot())) return;
  await runCommand('parse');
  await waitFor('the parsed manifest to load', () => api.manifests.get(projectRoot()), 60_000);
}

/** Resolves at the project's next manifest load (a parse, asked for by nobody but the extension). */
export function nextManifest(api: ConductorApi): Promise<void> {
  return new Promise((resolve) => {
    const d = api.manifests.onDidChange((root) => {
      if (root !== projectRoot()) return;
      d.dispose();
      resolve();
    });
  });
}

/** Pids of dbt workers serving `root` (from /proc; Linux only, which is where these suites run). */
export function workerPids(root: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const parts = cmd.split('\0');
    if (parts.some((p) => p.endsWith('dbt_worker.py')) && parts.includes(root)) pids.push(Number(name));
  }
  return pids;
}

/** CPU seconds a process has used so far, all its threads (from /proc/<pid>/stat, in clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is the 3rd field, utime and stime the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
