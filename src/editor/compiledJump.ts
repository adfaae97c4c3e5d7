// "Go to Compiled Line" and "Go to Source Line": jump between a model's
// source and its compiled SQL tab (`name.sql (compiled)`) at the line that
// corresponds, through the line mapping of src/dbt/compiledLines.ts. Where
// the mapping cannot name a line, the user is told, never sent somewhere
// plausible-looking without a word.
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { CompiledLineMap, firstSqlLine } from '../dbt/compiledLines';
import type { InvocationEntry } from '../dbt/treeModel';
import { COMPILED_SCHEME, compiledUri, nodeOfCompiledUri } from './compiled';
import { nodeFile, type ManifestStore } from './manifests';
import type { Projects } from './projects';
import { relPath, type NodeTarget } from './target';

export interface JumpDeps {
  projects: Projects;
  manifests: ManifestStore;
}

export function registerCompiledJump(deps: JumpDeps): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('dbtConductor.goToCompiledLine', () => goToCompiledLine(deps)),
    vscode.commands.registerCommand('dbtConductor.goToSourceLine', () => goToSourceLine(deps)),
  ];
}

/** From a model's source line to the compiled lines it produced: compiles the saved file (as dbt would) and selects them. */
async function goToCompiledLine(deps: JumpDeps): Promise<vscode.TextEditor | undefined> {
  const source = vscode.window.activeTextEditor;
  const target = source && nodeOfFile(deps, source.document.uri);
  if (!source || !target) return tell('Open a model file and put the cursor on a line to see its compiled line.');
  if (source.document.isDirty) return tell(`Save ${basename(source.document.uri)} first: dbt compiles the saved file.`);
  const sourceLine = source.selection.active.line;
  // The compile command compiles the model (never a ref under the cursor) and opens its compiled tab.
  const entry = await vscode.commands.executeCommand<InvocationEntry | undefined>('dbtConductor.openCompiledSql', target);
  const compiled = entry?.result?.output.kind === 'compile' ? entry.result.output.nodes : [];
  const node = compiled.length === 1 ? compiled[0] : undefined;
  if (!entry || !node) return undefined; // the compile reported its own failure
  const uri = compiledUri(entry.projectRoot, node.uniqueId);
  const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
  const editor = shown ? await vscode.window.showTextDocument(shown.document, shown.viewColumn) : await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.Beside });
  const lines = new CompiledLineMap(source.document.getText(), node.compiledCode).compiledLines(sourceLine);
  if (lines.length === 0) {
    void vscode.window.showInformationMessage(`Line ${sourceLine + 1} of ${basename(source.document.uri)} produced no compiled line that can be told apart (Jinja control, a comment, or text dbt rewrote).`);
    return editor;
  }
  select(editor, lines[0], lines[lines.length - 1]);
  return editor;
}

/** From a line of a compiled SQL tab to the source line that produced it. */
async function goToSourceLine(deps: JumpDeps): Promise<vscode.TextEditor | undefined> {
  const compiled = vscode.window.activeTextEditor;
  const node = compiled?.document.uri.scheme === COMPILED_SCHEME ? nodeOfCompiledUri(compiled.document.uri) : undefined;
  if (!compiled || !node) return tell('Open a compiled SQL tab (dbt: Open Compiled SQL) and put the cursor on a line to see its source line.');
  const uri = nodeFile(deps.manifests, deps.projects, node.projectRoot, node.uniqueId);
  if (!uri) return tell(`dbt did not record a file for ${node.uniqueId}.`);
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  let sourceText: string;
  try {
    // A dirty editor's lines may have moved since the compile: map against the saved file.
    sourceText = open && !open.isDirty ? open.getText() : await readFile(uri.fsPath, 'utf8');
  } catch (e) {
    return tell(`Could not read ${uri.fsPath}: ${(e as Error).message}`);
  }
  const at = new CompiledLineMap(sourceText, compiled.document.getText()).sourceLine(compiled.selection.active.line);
  const line = at?.line ?? firstSqlLine(sourceText);
  const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
  const editor = await vscode.window.showTextDocument(uri, { viewColumn: shown?.viewColumn ?? vscode.ViewColumn.One });
  select(editor, line, line);
  if (!at) void vscode.window.showInformationMessage('This compiled line cannot be traced to one source line; showing the model\'s first SQL line.');
  else if (at.how === 'injected') void vscode.window.showInformationMessage(`This line is part of the ephemeral model ${at.ephemeral ?? ''} that dbt inlined as a CTE; showing the ref() that pulled it in.`);
  else if (open?.isDirty) void vscode.window.showInformationMessage('The model has unsaved changes: the line shown is that of the saved file.');
  return editor;
}

/** The model, snapshot or analysis a file of the root project defines, as a compile target. */
function nodeOfFile(deps: JumpDeps, uri: vscode.Uri): NodeTarget | undefined {
  const project = uri.scheme === 'file' ? deps.projects.forUri(uri) : undefined;
  const index = project && deps.manifests.get(project.root)?.index;
  if (!project || !index) return undefined;
  const rel = relPath(project.root, uri.fsPath);
  const e = index.entriesInFile(rel).find((n) => n.originalFilePath === rel && COMPILABLE.has(n.resourceType));
  return e && { kind: 'node', projectRoot: project.root, name: e.name, uniqueId: e.uniqueId, resourceType: e.resourceType };
}

const COMPILABLE = new Set(['model', 'snapshot', 'analysis', 'test']);

function select(editor: vscode.TextEditor, first: number, last: number): void {
  const end = editor.document.lineAt(Math.min(last, editor.document.lineCount - 1)).range.end;
  editor.selection = new vscode.Selection(new vscode.Position(first, 0), end);
  editor.revealRange(editor.selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

function tell(message: string): undefined {
  void vscode.window.showInformationMessage(message);
  return undefined;
}

function basename(uri: vscode.Uri): string {
  return uri.path.split('/').pop() ?? uri.path;
}
