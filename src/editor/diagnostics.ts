// Problems view entries from dbt results (see dbt/diagnosticsModel.ts for
// what goes where). One model per project; a file's diagnostics are
// recomputed only when an invocation touched it.
import { join } from 'node:path';
import * as vscode from 'vscode';
import { cachedSources, ProblemsModel, type Problem } from '../dbt/diagnosticsModel';
import type { InvocationResult } from '../dbt/protocol';
import type { ManifestStore } from './manifests';
import { readProjectFile } from './projects';

export class ResultDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('dbt-results');
  private readonly models = new Map<string, ProblemsModel>();

  constructor(private readonly manifests: ManifestStore) {}

  update(projectRoot: string, result: InvocationResult): void {
    let model = this.models.get(projectRoot);
    if (!model) this.models.set(projectRoot, (model = new ProblemsModel()));
    // Many failed tests may share a schema file: each file is read and parsed once.
    const touched = model.apply(result, cachedSources(this.manifests.get(projectRoot)?.index, (rel) => readProjectFile(projectRoot, rel)));
    for (const file of touched) this.publish(projectRoot, model, file);
  }

  /** Every diagnostic of a project (tests use it to check what the Problems view shows). */
  problems(projectRoot: string): Problem[] {
    const model = this.models.get(projectRoot);
    return model ? [...model.files()].flatMap((f) => model.forFile(f)) : [];
  }

  clear(): void {
    this.collection.clear();
    this.models.clear();
  }

  private publish(projectRoot: string, model: ProblemsModel, file: string): void {
    const uri = vscode.Uri.file(join(projectRoot, file));
    const diagnostics = model.forFile(file).map((p) => {
      const d = new vscode.Diagnostic(new vscode.Range(p.line, 0, p.line, Number.MAX_SAFE_INTEGER), p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
      d.source = 'dbt';
      d.code = p.status;
      return d;
    });
    this.collection.set(uri, diagnostics);
  }

  dispose(): void {
    this.collection.dispose();
  }
}
