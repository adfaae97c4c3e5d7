// Problems view entries from dbt (see dbt/diagnosticsModel.ts for what goes
// where): per project, the errors of models and other nodes, the failing
// tests of the test results (the same record the Test Results view reads,
// so the two never disagree, stale results marked), and dbt's deprecation
// warnings. A project's entries are recomputed and republished together.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { cachedSources, deprecationProblems, nodeProjectFile, ProblemsModel, testLocation, testProblems, type Problem, type ProblemSources } from '../dbt/diagnosticsModel';
import type { InvocationResult } from '../dbt/protocol';
import type { InvocationState } from '../dbt/results';
import { isStale, type TestResult, type TestState } from '../dbt/testState';
import { nodePaths, type ManifestStore } from './manifests';
import { readProjectFile, type Projects } from './projects';

type Deprecation = InvocationState['deprecations'][number];

export interface SavedProblems {
  nodes: Record<string, Problem[]>;
  deprecations: Record<string, Deprecation[]>;
}

export class ResultDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('dbt-results');
  private readonly models = new Map<string, ProblemsModel>();
  private readonly deprecations = new Map<string, Deprecation[]>();
  /** Files published per project, to clear the ones that have no problem any more. */
  private readonly published = new Map<string, Set<string>>();

  constructor(
    private readonly manifests: ManifestStore,
    private readonly projects: Projects,
    private readonly tests: TestState,
    saved?: SavedProblems,
  ) {
    for (const [root, list] of Object.entries(saved?.nodes ?? {})) this.models.set(root, ProblemsModel.from(list));
    for (const [root, list] of Object.entries(saved?.deprecations ?? {})) if (Array.isArray(list)) this.deprecations.set(root, list);
  }

  /** One invocation ended: its node results and deprecation warnings. */
  update(projectRoot: string, result: InvocationResult, state: InvocationState): void {
    let model = this.models.get(projectRoot);
    if (!model) this.models.set(projectRoot, (model = new ProblemsModel()));
    model.apply(result, this.sources(projectRoot));
    // A full parse reports every deprecation it meets (the worker shows them as a cold
    // process would), so its set replaces the last one; a partial parse reports only
    // those of the files it re-read, which are added.
    if (state.parse?.partial === false) this.deprecations.set(projectRoot, state.deprecations);
    else if (state.deprecations.length > 0) this.deprecations.set(projectRoot, mergeDeprecations(this.deprecations.get(projectRoot) ?? [], state.deprecations));
    this.publish(projectRoot);
  }

  /** Republishes every project (test results or manifests changed, files were edited). */
  refresh(): void {
    for (const root of new Set([...this.models.keys(), ...this.published.keys(), ...this.tests.all().map((t) => t.projectRoot)])) this.publish(root);
  }

  /** A project file was edited: test results older than the edit are now stale. */
  fileChanged(projectRoot: string): void {
    this.publish(projectRoot);
  }

  /** Every diagnostic of a project (tests use it to check what the Problems view shows). */
  problems(projectRoot: string): Problem[] {
    const sources = this.sources(projectRoot);
    return [
      ...(this.models.get(projectRoot)?.toJSON() ?? []),
      ...testProblems(this.tests.all(projectRoot), sources, this.staleCheck()),
      ...deprecationProblems(this.deprecations.get(projectRoot) ?? [], sources),
    ];
  }

  /** Clear History: the node problems and deprecations go too (test problems follow the cleared test results). */
  clear(): void {
    this.models.clear();
    this.deprecations.clear();
    this.refresh();
  }

  forget(projectRoot: string): void {
    this.models.delete(projectRoot);
    this.deprecations.delete(projectRoot);
    this.publish(projectRoot);
  }

  toJSON(): SavedProblems {
    return {
      nodes: Object.fromEntries([...this.models].map(([root, m]) => [root, m.toJSON()])),
      deprecations: Object.fromEntries(this.deprecations),
    };
  }

  /**
   * A checker for test results older than the last edit of the test's file
   * or of the file of what it tests (the Test Results view asks here too, so
   * both views agree). File times are read once per checker.
   */
  staleCheck(): (r: TestResult) => boolean {
    const times = new Map<string, number | undefined>();
    const edited = (root: string, rel: string) => {
      const key = `${root}\0${rel}`;
      if (!times.has(key)) times.set(key, lastEdit(root, rel));
      return times.get(key);
    };
    const sources = new Map<string, ProblemSources>();
    return (r) => {
      let s = sources.get(r.projectRoot);
      if (!s) sources.set(r.projectRoot, (s = this.sources(r.projectRoot)));
      const file = nodeProjectFile(r.uniqueId, s, r.filePath);
      const subjectFile = r.subject ? nodeProjectFile(r.subject, s) : undefined;
      return isStale({ ...r, filePath: file }, (rel) => edited(r.projectRoot, rel), subjectFile);
    };
  }

  /** Where a test is declared, for "go to definition" in the Test Results view: the file and line its Problems entry is on. */
  testDefinition(test: TestResult): { uri: vscode.Uri; line: number } | undefined {
    const where = testLocation(test, this.sources(test.projectRoot));
    return where && { uri: vscode.Uri.file(join(test.projectRoot, where.file)), line: where.line };
  }

  /** Sources for one pass over a project: many failed tests may share a schema file, read and parsed once. */
  private sources(projectRoot: string): ProblemSources {
    return cachedSources({
      index: this.manifests.get(projectRoot)?.index,
      readFile: (rel) => readProjectFile(projectRoot, rel),
      nodePath: nodePaths(this.manifests, this.projects, projectRoot),
    });
  }

  private publish(projectRoot: string): void {
    const byFile = new Map<string, Problem[]>();
    for (const p of this.problems(projectRoot)) {
      const list = byFile.get(p.file) ?? [];
      list.push(p);
      byFile.set(p.file, list);
    }
    const before = this.published.get(projectRoot) ?? new Set<string>();
    for (const file of before) if (!byFile.has(file)) this.collection.delete(vscode.Uri.file(join(projectRoot, file)));
    for (const [file, list] of byFile) {
      const diagnostics = list
        .sort((a, b) => a.line - b.line)
        .map((p) => {
          const d = new vscode.Diagnostic(new vscode.Range(p.line, 0, p.line, Number.MAX_SAFE_INTEGER), p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
          d.source = 'dbt';
          d.code = p.status;
          return d;
        });
      this.collection.set(vscode.Uri.file(join(projectRoot, file)), diagnostics);
    }
    this.published.set(projectRoot, new Set(byFile.keys()));
  }

  dispose(): void {
    this.collection.dispose();
  }
}

function mergeDeprecations(old: Deprecation[], added: Deprecation[]): Deprecation[] {
  const key = (d: Deprecation) => `${d.name}\0${d.file ?? ''}\0${d.message}`;
  const seen = new Set(old.map(key));
  return [...old, ...added.filter((d) => !seen.has(key(d)))];
}

/** A project file's modification time (epoch ms), undefined when it does not exist. */
export function lastEdit(projectRoot: string, relPath: string): number | undefined {
  try {
    return statSync(join(projectRoot, relPath)).mtimeMs;
  } catch {
    return undefined;
  }
}
