// When to parse a project in the background, for the language server and
// the code lens: once when one of its files is first opened
// (dbtConductor.parseOnOpen), when the language server sees files saved,
// when its target changes, and again for every project in use when a
// setting or the interpreter changed: also the ones whose parse failed for
// want of that setting. Never in an untrusted workspace.
import * as vscode from 'vscode';
import { buildArgs } from '../dbt/args';
import { commonOptions } from './commands';
import type { Config } from './config';
import type { DbtLanguageClient } from './languageClient';
import type { DbtProject, Projects } from './projects';
import type { RunnerHost } from './runnerHost';
import type { StatusBar } from './statusBar';
import { isTrusted } from './trust';

const PARSE_DEBOUNCE_MS = 800;

export class ParseScheduler implements vscode.Disposable {
  /** Projects whose file was opened (parse on open was asked for, whether it worked or not). */
  private readonly opened = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly deps: { config: Config; projects: Projects; host: RunnerHost; statusBar: StatusBar; lsp: DbtLanguageClient },
  ) {
    this.disposables = [
      deps.lsp.onParseRequested((root) => this.parseIfUsed(root)),
      deps.statusBar.onDidChangeTarget((root) => {
        deps.host.invalidate(root);
        this.parseIfUsed(root);
      }),
      vscode.window.onDidChangeActiveTextEditor((e) => this.parseIfOpened(e)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.parseIfOpened(vscode.window.activeTextEditor)),
    ];
  }

  /** Background parses waiting for their debounce (the untrusted suite checks that none is). */
  get pending(): number {
    return this.timers.size;
  }

  /** A file was opened (or trust was granted): parse its project once, if parse on open is on. */
  parseIfOpened(editor: vscode.TextEditor | undefined): void {
    const project = editor && this.deps.projects.forUri(editor.document.uri);
    if (!project || this.opened.has(project.root) || !this.deps.config.parseOnOpen() || !isTrusted()) return;
    this.opened.add(project.root);
    this.parseSoon(project);
  }

  /** Parses a project again if it is in use (opened, or dbt ran for it): files saved, target changed. */
  parseIfUsed(root: string): void {
    const project = this.deps.projects.get(root);
    if (project && this.inUse(root)) this.parseSoon(project);
  }

  /** Settings or the interpreter changed: parse every project in use again, the failed ones too. */
  reparseAll(): void {
    for (const p of this.deps.projects.list()) if (this.inUse(p.root)) this.parseSoon(p);
  }

  private inUse(root: string): boolean {
    return this.opened.has(root) || this.deps.host.wasUsed(root);
  }

  private parseSoon(project: DbtProject): void {
    if (!isTrusted()) return;
    clearTimeout(this.timers.get(project.root));
    this.timers.set(
      project.root,
      setTimeout(() => {
        this.timers.delete(project.root);
        const args = buildArgs({ ...commonOptions(this.deps, project, 'parse'), command: 'parse', threads: undefined, extraArgs: [] });
        void this.deps.host.run(project, args, { label: 'dbt parse', background: true });
      }, PARSE_DEBOUNCE_MS),
    );
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}
