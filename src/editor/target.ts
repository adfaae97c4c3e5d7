// What is the user looking at? Turns a command's arguments and the editor
// state into one Target: a node (code lens, tree, ref under the cursor, the
// active file's model), a selector (selected text, tag or selector pick),
// paths (explorer files and folders), or the whole project.
import { relative, sep } from 'node:path';
import * as vscode from 'vscode';
import { isTarget, type Target } from '../dbt/commandTargets';
import { referenceAt } from '../dbt/jinjaRefs';
import type { ManifestIndex } from '../dbt/manifest';
import { entryLines } from '../dbt/schemaYaml';
import type { ManifestStore } from './manifests';
import type { DbtProject, Projects } from './projects';

export type { NodeTarget, PathsTarget, ProjectTarget, SelectorTarget, Target } from '../dbt/commandTargets';

export interface TargetContext {
  projects: Projects;
  manifests: ManifestStore;
}

/**
 * The target of a command invoked with `args` (as VS Code passes them:
 * a Target from a lens or tree item; (uri, uris[]) from the explorer;
 * nothing from the palette or a keybinding).
 */
export function resolveTarget(ctx: TargetContext, args: unknown[], editor = vscode.window.activeTextEditor): Target | undefined {
  const [first, second] = args;
  if (isTarget(first)) return first;
  if (first instanceof vscode.Uri) {
    const uris = Array.isArray(second) && second.every((u) => u instanceof vscode.Uri) && second.length > 0 ? (second as vscode.Uri[]) : [first];
    return targetOfUris(ctx.projects, uris);
  }
  if (editor && editor.document.uri.scheme === 'file') {
    const project = ctx.projects.forUri(editor.document.uri);
    if (project) return targetOfEditor(project, editor, ctx.manifests.get(project.root)?.index);
  }
  const project = ctx.projects.active();
  return project ? { kind: 'project', projectRoot: project.root } : undefined;
}

/** Explorer selection: files and folders of one project (the first uri's) as path selectors. */
function targetOfUris(projects: Projects, uris: vscode.Uri[]): Target | undefined {
  const project = projects.forUri(uris[0]!) ?? projectBelow(projects, uris[0]!);
  if (!project) return undefined;
  const paths: string[] = [];
  for (const uri of uris) {
    if (projects.forUri(uri)?.root !== project.root) continue;
    const rel = relPath(project.root, uri.fsPath);
    if (rel === '') return { kind: 'project', projectRoot: project.root };
    paths.push(rel);
  }
  return paths.length > 0 ? { kind: 'paths', projectRoot: project.root, paths } : { kind: 'project', projectRoot: project.root };
}

/** A workspace folder that holds a project deeper down: running on it means that project. */
function projectBelow(projects: Projects, uri: vscode.Uri): DbtProject | undefined {
  const inside = projects.list().filter((p) => p.root.startsWith(uri.fsPath + sep));
  return inside.length === 1 ? inside[0] : undefined;
}

function targetOfEditor(project: DbtProject, editor: vscode.TextEditor, index: ManifestIndex | undefined): Target {
  const doc = editor.document;
  const projectRoot = project.root;
  const rel = relPath(projectRoot, doc.uri.fsPath);
  const isYaml = /\.ya?ml$/i.test(rel);

  // 1. Selected text is a selector (one line, e.g. "orders+" or "tag:nightly").
  const selected = doc.getText(editor.selection).trim();
  if (selected !== '' && !selected.includes('\n')) return { kind: 'selector', projectRoot, selector: selected };

  // 2. The ref() or source() under the cursor.
  const offset = doc.offsetAt(editor.selection.active);
  const ref = referenceAt(doc.getText(), offset, { yaml: isYaml });
  if (ref?.kind === 'ref' && offset >= ref.nameStart && offset <= ref.nameEnd) {
    return { kind: 'node', projectRoot, name: ref.version ? `${ref.name}.v${ref.version}` : ref.name };
  }
  if (ref?.kind === 'source') return { kind: 'selector', projectRoot, selector: `source:${ref.sourceName}.${ref.tableName}` };

  // 3. The file's own node(s).
  if (isYaml) {
    // The `- name:` entry around the cursor, else every node documented here.
    const documented = index?.entriesInFile(rel).filter((e) => e.patchPath === rel && ['model', 'seed', 'snapshot'].includes(e.resourceType)) ?? [];
    const cursorLine = editor.selection.active.line;
    const entries = entryLines(doc.getText()).filter((e) => documented.some((d) => d.name === e.name && d.resourceType === e.kind));
    const around = entries.filter((e) => e.line <= cursorLine).pop();
    if (around) return { kind: 'node', projectRoot, name: around.name };
    if (documented.length > 0) return { kind: 'selector', projectRoot, selector: documented.map((d) => d.name).join(' ') };
    return { kind: 'project', projectRoot };
  }
  const defined = index?.entriesInFile(rel).filter((e) => e.originalFilePath === rel && e.resourceType !== 'macro' && e.resourceType !== 'doc') ?? [];
  if (defined.length === 1) {
    const e = defined[0]!;
    return { kind: 'node', projectRoot, name: e.name, uniqueId: e.uniqueId, resourceType: e.resourceType };
  }
  // Not parsed yet, or several nodes in one file: let dbt select by path (works for models, seeds, snapshots, tests).
  if (/\.(sql|py|csv)$/i.test(rel) && !rel.startsWith('macros/')) return { kind: 'paths', projectRoot, paths: [rel] };
  return { kind: 'project', projectRoot };
}

export function relPath(projectRoot: string, fsPath: string): string {
  return relative(projectRoot, fsPath).split(sep).join('/');
}
