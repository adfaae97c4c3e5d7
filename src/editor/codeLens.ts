// "Run | Build | Test | Compile | Preview" above each model, seed and
// snapshot file, and on each model entry of schema YAML files, of the project
// and of its installed packages (dbt_packages/<dir>/...). Which file is
// which node comes from the cached manifest; before dbt's first parse, from
// the index of the project's files (fileIndexes.ts); with neither there is
// simply no lens (and no error).
import { relative, sep } from 'node:path';
import * as vscode from 'vscode';
import type { ManifestEntry, ManifestIndex } from '../dbt/manifest';
import { packageOfPath, readPackageRoots, type PackageRoot } from '../dbt/packageRoots';
import { entryLines } from '../dbt/schemaYaml';
import type { CodeLensAction, Config } from './config';
import type { Projects } from './projects';
import type { NodeTarget } from './target';

const LENS_NODE_TYPES = new Set(['model', 'seed', 'snapshot']);

const ACTIONS: Record<CodeLensAction, { title: string; command: string }> = {
  run: { title: '$(play) Run', command: 'dbtConductor.run' },
  build: { title: 'Build', command: 'dbtConductor.build' },
  test: { title: 'Test', command: 'dbtConductor.test' },
  compile: { title: 'Compile', command: 'dbtConductor.compile' },
  preview: { title: 'Preview', command: 'dbtConductor.show' },
};

export const CODE_LENS_SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file', pattern: '**/*.sql' },
  { scheme: 'file', pattern: '**/*.py' },
  { scheme: 'file', pattern: '**/*.csv' },
  { scheme: 'file', pattern: '**/*.{yml,yaml}' },
];

export class DbtCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly config: Config,
    private readonly projects: Projects,
    /** The project's manifest, or the index of its files before dbt's first parse. */
    private readonly indexOf: (projectRoot: string) => ManifestIndex | undefined,
  ) {}

  /** Installed packages per project root, read again after every manifest load. */
  private readonly packageRoots = new Map<string, Promise<PackageRoot[]>>();

  /** Called when a manifest is (re)loaded or the lens settings change. */
  refresh(): void {
    this.packageRoots.clear();
    this.changed.fire();
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!this.config.codeLensEnabled(document.uri)) return [];
    const project = this.projects.forUri(document.uri);
    if (!project) return [];
    const index = this.indexOf(project.root);
    if (!index) return [];
    let rel = relative(project.root, document.uri.fsPath).split(sep).join('/');
    let packageName = index.projectName;
    if (rel.startsWith(`${project.packagesInstallPath}/`)) {
      // A file of an installed package: its path inside the package and the package's name.
      let roots = this.packageRoots.get(project.root);
      if (!roots) this.packageRoots.set(project.root, (roots = readPackageRoots(project.root, project.packagesInstallPath)));
      const inPackage = packageOfPath(await roots, document.uri.fsPath);
      if (!inPackage) return [];
      ({ relPath: rel, packageName } = inPackage);
    }
    const entries = index.entriesInFile(rel, packageName).filter((e) => LENS_NODE_TYPES.has(e.resourceType) && e.enabled);
    if (entries.length === 0) return [];
    const actions = this.config.codeLensActions(document.uri);

    if (/\.ya?ml$/i.test(rel)) {
      // Lens on each `- name:` entry the manifest says is documented in this file.
      const documented = new Map(entries.filter((e) => e.patchPath === rel).map((e) => [e.name, e]));
      const lenses: vscode.CodeLens[] = [];
      for (const y of entryLines(document.getText())) {
        const e = documented.get(y.name);
        if (!e || y.kind !== e.resourceType) continue;
        lenses.push(...lensesFor(e, project.root, new vscode.Range(y.line, 0, y.line, 0), actions));
      }
      return lenses;
    }
    // A model, seed or snapshot file: the nodes defined in it (a snapshot file may hold several).
    const defined = entries.filter((e) => e.originalFilePath === rel);
    return defined.flatMap((e) => {
      const line = lineOfDefinition(document, e);
      return lensesFor(e, project.root, new vscode.Range(line, 0, line, 0), actions);
    });
  }
}

function lensesFor(entry: ManifestEntry, projectRoot: string, range: vscode.Range, actions: CodeLensAction[]): vscode.CodeLens[] {
  const target: NodeTarget = { kind: 'node', projectRoot, name: entry.name, uniqueId: entry.uniqueId, resourceType: entry.resourceType };
  return actions
    // Seeds have no compile step worth showing.
    .filter((a) => !(entry.resourceType === 'seed' && a === 'compile'))
    .map((a) => new vscode.CodeLens(range, { title: ACTIONS[a].title, command: ACTIONS[a].command, arguments: [target], tooltip: `dbt ${a === 'preview' ? 'show' : a} --select ${entry.name}` }));
}

/** Line 0, except for `{% snapshot name %}` blocks, which get the lens on their own line. */
function lineOfDefinition(document: vscode.TextDocument, entry: ManifestEntry): number {
  if (entry.resourceType !== 'snapshot') return 0;
  const re = new RegExp(`\\{%-?\\s*snapshot\\s+${entry.name.replace(/\W/g, '\\$&')}\\s*-?%\\}`);
  for (let i = 0; i < document.lineCount; i++) if (re.test(document.lineAt(i).text)) return i;
  return 0;
}
