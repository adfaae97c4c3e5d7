// The status bar while dbt parses (issue 13): a save re-parses the project in
// the background and the item says so (what dbt does, for how long; a click
// shows the output), then goes back to the project and target. A parse that
// fails or is cancelled clears it too, and the other views say the same.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ConductorApi } from '../../src/extension';
import type { InvocationEntry } from '../../src/dbt/treeModel';
import { closeEditors, conductor, ensureParsed, fileUri, waitFor } from './helpers';

const MODEL = 'models/staging/stg_orders.sql';
const PARSING = /^\$\(sync~spin\) dbt: parsing jaffle(: [^…]+)?… \d+ s$/;

/** Replaces MODEL's text and saves it (the language server then asks for a parse). */
async function saveModel(text: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(fileUri(MODEL));
  await vscode.window.showTextDocument(doc);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), text);
  assert.ok(await vscode.workspace.applyEdit(edit));
  assert.ok(await doc.save(), `${MODEL} saved`);
}

/** The next background parse's end, and every status bar text and hover seen until then (polled). */
async function watchBackgroundParse(api: ConductorApi, start: () => Promise<void>): Promise<{ entry: InvocationEntry; texts: string[]; hovers: string[] }> {
  let ended: InvocationEntry | undefined;
  // Only a parse that began once `start` did: one already running (a parse the last suite's edits asked for) read the old files.
  const since = Date.now();
  const d = api.host.onDidFinish((e) => {
    if (e.background && e.command === 'parse' && e.startedAt >= since) ended ??= e;
  });
  const texts: string[] = [];
  const hovers: string[] = [];
  const record = () => {
    if (texts.at(-1) !== api.statusBar.text) texts.push(api.statusBar.text);
    const h = api.statusBar.hover;
    if (PARSING.test(api.statusBar.text)) hovers.push(`${h.command}|${h.tooltip}`);
  };
  const sub = api.host.onDidChange(record);
  try {
    await start();
    const entry = await waitFor('the background parse to end', () => (record(), ended), 180_000);
    record();
    return { entry, texts, hovers };
  } finally {
    sub.dispose();
    d.dispose();
  }
}

suite('status bar: parse progress', () => {
  let original = '';

  suiteSetup(async () => {
    await ensureParsed(await conductor());
    original = (await vscode.workspace.openTextDocument(fileUri(MODEL))).getText();
  });

  suiteTeardown(async () => {
    const api = await conductor();
    const doc = await vscode.workspace.openTextDocument(fileUri(MODEL));
    if (doc.getText() !== original) {
      const { entry } = await watchBackgroundParse(api, () => saveModel(original));
      assert.equal(entry.status, 'success', 'the project parses again once the model is put back');
    }
    await closeEditors();
  });

  test('a save re-parses: the status bar says what dbt does and for how long, then clears', async () => {
    const api = await conductor();
    const { entry, texts, hovers } = await watchBackgroundParse(api, () => saveModel(`${original}\n-- a one-line edit\n`));
    assert.equal(entry.status, 'success', entry.error);
    const parsing = texts.filter((t) => PARSING.test(t));
    assert.ok(parsing.length > 0, `the status bar said it parsed: ${JSON.stringify(texts)}`);
    // Which stages show depends on how fast dbt goes (the view refreshes in batches); none may contradict dbt.
    assert.ok(parsing.every((t) => !/full parse|no file changed|files changed/.test(t)), JSON.stringify(parsing));
    assert.ok(hovers.every((h) => h.startsWith('dbtConductor.showOutput|dbt is parsing jaffle')), JSON.stringify(hovers));
    // What it was rendered from: dbt's partial parse of the one saved file.
    const p = entry.parse;
    assert.deepEqual([p?.stage === 'partial' || p?.stage === 'writing', p?.changed, p?.files, p?.done], [true, 1, [`updated ${MODEL}`], true]);
    assert.match(api.statusBar.text, /^\$\((database|sync~spin)\) jaffle \(/, 'back to the project and target once the parse ended');
    assert.equal(api.statusBar.hover.command, 'dbtConductor.switchProjectOrTarget');
  });

  test('a cancelled parse clears it', async () => {
    const api = await conductor();
    const running = vscode.commands.executeCommand<InvocationEntry | undefined>('dbtConductor.runCommand', 'parse --no-partial-parse');
    // A full parse takes seconds: cancel while the status bar says so.
    await waitFor('the full parse in the status bar', () => /^\$\(sync~spin\) dbt: parsing jaffle: full parse… /.test(api.statusBar.text), 180_000);
    assert.ok(api.host.cancelAll() >= 1);
    const entry = await running;
    assert.equal(entry?.status, 'cancelled');
    assert.doesNotMatch(api.statusBar.text, /parsing/);
    assert.equal(api.host.history.list()[0]?.status, 'cancelled', 'the Invocations view shows the cancel');
  });

  test('a failed parse clears it, and Problems shows the parse error', async () => {
    const api = await conductor();
    const { entry, texts } = await watchBackgroundParse(api, () => saveModel(`${original}\n{{ no_such_macro_for_status_bar( }}\n`));
    assert.equal(entry.status, 'error', 'the parse failed');
    // A parse that fails at once may end between two refreshes of the bar, so what the bar was
    // given is checked rather than what a poll happened to see: dbt's partial parse of the file.
    const p = entry.parse;
    assert.deepEqual([p?.stage, p?.files], ['partial', [`updated ${MODEL}`]], JSON.stringify(texts));
    assert.ok(texts.every((t) => !PARSING.test(t) || !/full parse|no file changed/.test(t)), JSON.stringify(texts));
    assert.doesNotMatch(api.statusBar.text, /parsing/);
    const problem = await waitFor('the parse error in Problems', () =>
      vscode.languages.getDiagnostics().flatMap(([, ds]) => ds).find((d) => d.message.startsWith('dbt parse failed')), 60_000);
    assert.ok(problem);
    assert.equal(api.host.history.parsing().length, 0);
  });
});
