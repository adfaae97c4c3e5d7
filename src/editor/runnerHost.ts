// Runs dbt for the editor: one ProjectRunner per project (created on the
// first command, never on activation; kept in src/runner/pool.ts's
// RunnerPool), and for each invocation the output header and lines, the
// live views, a progress notification with Cancel, the status bar spinner,
// and the result's diagnostics. A cancelled invocation lists the nodes it
// never ran. Runner failures (no Python, no dbt, a crashed worker) become
// one actionable notification. Workers are restarted when the settings they
// were started with change, or on request.
import * as vscode from 'vscode';
import { listArgsFor, listedNodes } from '../dbt/commandTargets';
import { withFastTestEdges } from '../dbt/fastTestEdges';
import { readProfileTargets } from '../dbt/profileTargets';
import type { InvocationResult, RawDbtEvent } from '../dbt/protocol';
import type { InvocationHistory, InvocationEntry } from '../dbt/treeModel';
import type { ProjectRunner, RunnerError } from '../runner/api';
import { RunnerPool } from '../runner/pool';
import { Config } from './config';
import type { ResultDiagnostics } from './diagnostics';
import { isRunnerError, loadRunner } from './lazyParts';
import type { ManifestStore } from './manifests';
import type { Output } from './output';
import type { DbtProject } from './projects';
import type { PythonResolver, ResolvedPython } from './python';
import type { StatusBar } from './statusBar';
import { ensureTrusted, isTrusted } from './trust';

export interface RunOptions {
  /** Shown in the tree, the output and the progress notification. */
  label: string;
  /** Background work (a parse for the language server): no notification, no tree entry. */
  background?: boolean;
  /** Every dbt event of the invocation as it arrives (Run Selected SQL reads the error events). */
  onEvent?: (event: RawDbtEvent) => void;
  /** The invocation's entry, once it is in the history (the run timeline follows it live). */
  onStart?: (entry: InvocationEntry) => void;
}

interface ProjectRunnerEntry {
  runner: ProjectRunner;
  python: ResolvedPython;
}

/** How often the views and the progress notification are refreshed while events stream in. */
const REFRESH_MS = 150;

export class RunnerHost implements vscode.Disposable {
  /** One runner per project, replaced when the settings it was made from change. */
  private readonly runners = new RunnerPool<ProjectRunnerEntry>();
  /** Projects dbt was asked to run for in this session (even when it could not start). */
  private readonly used = new Set<string>();
  private readonly controllers = new Map<number, AbortController>();
  private readonly shownErrors = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly finished = new vscode.EventEmitter<InvocationEntry>();
  private readonly changed = new vscode.EventEmitter<void>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private active = 0;
  /** The error notifications shown, newest last (the last 20; tests check that failures do not cascade). */
  readonly notified: string[] = [];
  /** Fires after every invocation ends (tests wait on it). */
  readonly onDidFinish = this.finished.event;
  /** Fires at most every REFRESH_MS while invocations run, and when one starts or ends. */
  readonly onDidChange = this.changed.event;

  constructor(
    readonly history: InvocationHistory,
    private readonly deps: {
      config: Config;
      python: PythonResolver;
      output: Output;
      manifests: ManifestStore;
      diagnostics: ResultDiagnostics;
      statusBar: StatusBar;
      workerScript: string;
      /** A new manifest was loaded for a project (language server, code lens). */
      onManifest: (projectRoot: string, manifestPath: string) => void;
      /** The last parse failed (message) or worked again (null). */
      onParseOutcome: (projectRoot: string, error: string | null) => void;
      /** Opens Select Interpreter (offered when no Python with dbt was found). */
      selectInterpreter: () => void;
    },
  ) {
    this.disposables.push(
      this.finished,
      this.changed,
      deps.python.onDidChange(() => this.runners.markOutdated()),
    );
  }

  /**
   * Runs one dbt invocation and resolves with its entry (undefined when
   * nothing ran: untrusted workspace, or the runner could not start).
   */
  async run(project: DbtProject, requested: string[], options: RunOptions): Promise<InvocationEntry | undefined> {
    if (!options.background && !ensureTrusted()) return undefined;
    if (!isTrusted()) return undefined;
    this.used.add(project.root);
    let entry: ProjectRunnerEntry;
    try {
      entry = await this.runnerFor(project);
    } catch (e) {
      this.reportError(e);
      return undefined;
    }
    // Needs the dbt version, known once the runner is: added here, shown in the output and the tree like any argument.
    const args = this.deps.config.fastTestEdges(vscode.Uri.file(project.root)) ? withFastTestEdges(requested, entry.python.dbtVersion, process.env) : requested;
    const record = this.history.start(
      { label: options.label, args, projectRoot: project.root, projectName: project.name, background: !!options.background },
      { testSubject: (testId) => this.testSubject(project.root, testId) },
    );
    options.onStart?.(record);
    const controller = new AbortController();
    this.controllers.set(record.id, controller);
    this.setActive(+1);
    this.deps.output.header({
      label: options.label,
      args,
      projectName: project.name,
      projectRoot: project.root,
      target: this.deps.statusBar.targetFor(project),
      dbtVersion: entry.python.dbtVersion,
      python: entry.python.python,
    });
    let manifestDuring = false;
    const manifestListener = entry.runner.onManifest(() => (manifestDuring = true));
    const invoke = (onEvent: (e: RawDbtEvent) => void) => entry.runner.invoke({ args, label: options.label }, { onEvent, signal: controller.signal });
    const onEvent = (e: RawDbtEvent) => {
      this.deps.output.event(e);
      this.history.event(record, e);
      options.onEvent?.(e);
      this.scheduleRefresh();
    };
    try {
      const result = options.background ? await invoke(onEvent) : await this.withProgress(record, controller, () => invoke(onEvent));
      this.history.finish(record, result);
      if (result.cancelled && !options.background) await this.listNotRun(project, entry, record);
      this.deps.output.summary(options.label, result, record);
      this.deps.diagnostics.update(project.root, result, record.state);
      if (manifestDuring) this.deps.onParseOutcome(project.root, null);
      else if (result.parsed && result.exitCode === 2 && !result.cancelled && result.exception) this.deps.onParseOutcome(project.root, result.exception.message);
      if (!options.background && result.exitCode === 2 && !result.cancelled) this.offerOutput(`${options.label} failed: ${firstLine(result.exception?.message ?? 'dbt stopped with an error')}`);
      if (!options.background && record.status === 'nothing') this.warnNothingToDo(record);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (controller.signal.aborted) {
        // The user cancelled and the runner had to stop dbt the hard way: still a cancel, not an error.
        this.history.fail(record, message, true);
        this.deps.output.warn(message);
        if (!options.background) await this.listNotRun(project, undefined, record);
      } else {
        this.history.fail(record, message);
        this.reportError(e);
      }
    } finally {
      manifestListener.dispose();
      this.controllers.delete(record.id);
      this.setActive(-1);
      this.changed.fire();
      this.finished.fire(record);
    }
    return record;
  }

  /**
   * A cancelled invocation: asks dbt (`dbt ls` with the same selection, on
   * the same runner) which nodes it had selected, and lists those that never
   * started as "not run". Ephemeral models are left out: dbt never runs them.
   */
  private async listNotRun(project: DbtProject, entry: ProjectRunnerEntry | undefined, record: InvocationEntry): Promise<void> {
    const args = listArgsFor(record.args);
    if (!args) return;
    try {
      const runner = entry?.runner ?? (await this.runnerFor(project)).runner;
      const listed = await runner.invoke({ args, label: `${record.label} (nodes it selected)` });
      if (listed.output.kind !== 'list') return;
      const index = this.deps.manifests.get(project.root)?.index;
      this.history.addNotRun(record, listedNodes(listed.output.items).filter((n) => index?.get(n.uniqueId)?.materialized !== 'ephemeral'));
    } catch (e) {
      this.deps.output.warn(`Could not list the nodes ${record.label} did not run: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private warnNothingToDo(record: InvocationEntry): void {
    const unmatched = record.state.summary.unmatched ?? [];
    const why = unmatched.length > 0 ? `: ${unmatched.map((u) => `"${u}"`).join(', ')} matched no enabled node` : ': the selection matched nothing this command runs';
    void vscode.window.showWarningMessage(`${record.label}: nothing to do${why}.`);
  }

  /** True when dbt was asked to run for the project in this session (even if it could not start). */
  wasUsed(projectRoot: string): boolean {
    return this.used.has(projectRoot) || this.runners.has(projectRoot);
  }

  /**
   * Restarts the dbt workers: idle ones stop now (the next command starts a
   * new one with the current settings and interpreter), busy ones once
   * their work is done. Returns how many were running.
   */
  restartWorkers(): Promise<number> {
    return this.runners.restartAll();
  }

  /** Project files changed: the cached manifest is stale. */
  invalidate(projectRoot: string): void {
    void this.runners.existing(projectRoot)?.then((e) => e.runner.invalidate(), () => undefined);
  }

  cancel(invocationId: number): boolean {
    const c = this.controllers.get(invocationId);
    c?.abort();
    return c !== undefined;
  }

  cancelAll(): number {
    const n = this.controllers.size;
    for (const c of [...this.controllers.values()]) c.abort();
    return n;
  }

  get runningCount(): number {
    return this.active;
  }

  /** What a test checks, from the manifest, for events that do not say (dbt < 1.9, singular tests). */
  private testSubject(projectRoot: string, testId: string): string | undefined {
    const entry = this.deps.manifests.get(projectRoot)?.index.get(testId);
    return entry?.attachedNode ?? entry?.dependsOnNodes.find((id) => !id.startsWith('macro.'));
  }

  private runnerFor(project: DbtProject): Promise<ProjectRunnerEntry> {
    return this.runners.get(project.root, { settings: this.runnerSettings(project), create: () => this.createRunner(project) });
  }

  private async createRunner(project: DbtProject): Promise<ProjectRunnerEntry> {
    const { config, output, manifests } = this.deps;
    const { createProjectRunner } = loadRunner();
    const python = await this.deps.python.resolve(project.root);
    const profile = readProfileTargets(project.profile ?? project.name, project.root, config.profilesDir(vscode.Uri.file(project.root)));
    if (profile) output.addSecrets(profile.secrets);
    output.info(`${project.name}: using ${python.python} (${python.where}), Python ${python.pythonVersion}, dbt-core ${python.dbtVersion}, adapters: ${python.adapters.join(', ') || 'none'}`);
    const runner = createProjectRunner({
      projectRoot: project.root,
      python: python.python,
      workerScript: this.deps.workerScript,
      manifestPath: manifests.manifestPath(project.root),
      backend: config.backend(),
      idleTimeoutMs: config.idleTimeoutMs(),
      // dbt's own cancel path (partial run_results, closing connections) can take seconds on a busy machine.
      cancelGraceMs: 10_000,
      log: (level, message) => {
        if (level === 'error') output.error(message);
        else if (level === 'warn') output.warn(message);
        else if (level === 'info') output.info(message);
        else output.channel.debug(message);
      },
    });
    runner.onManifest((path) => this.deps.onManifest(project.root, path));
    return { runner, python };
  }

  /** The settings a runner is made from, compared on each use (a change event may come late). */
  private runnerSettings(project: DbtProject): string {
    const { config, python } = this.deps;
    return JSON.stringify([config.pythonPath(vscode.Uri.file(project.root)), python.selected(project.root), config.backend(), config.idleTimeoutMs()]);
  }

  private withProgress(record: InvocationEntry, controller: AbortController, work: () => Promise<InvocationResult>): Promise<InvocationResult> {
    return Promise.resolve(
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: record.label, cancellable: true }, async (progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        let reported = 0;
        const timer = setInterval(() => {
          const { done, total } = this.history.progress(record);
          if (total > 0 && done !== reported) {
            progress.report({ message: `node ${done} of ${total}`, increment: ((done - reported) / total) * 100 });
            reported = done;
          }
        }, REFRESH_MS * 2);
        try {
          return await work();
        } finally {
          clearInterval(timer);
        }
      }),
    );
  }

  private scheduleRefresh(): void {
    // Many events arrive per second on big builds: refresh the views in batches.
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = undefined;
      this.changed.fire();
    }, REFRESH_MS);
  }

  private setActive(delta: number): void {
    this.active += delta;
    this.deps.statusBar.setRunning(this.active);
    this.changed.fire();
  }

  /** One notification per distinct problem while it is on screen; everything goes to the output. */
  private reportError(e: unknown): void {
    const err: Pick<RunnerError, 'message' | 'code' | 'detail'> = isRunnerError(e) ? e : { message: e instanceof Error ? e.message : String(e), code: 'worker-crashed' };
    this.deps.output.error(err.detail ? `${err.message}\n${err.detail}` : err.message);
    if (err.code === 'cancelled' || err.code === 'disposed') return;
    const key = `${err.code}:${err.message}`;
    if (this.shownErrors.has(key)) return;
    this.shownErrors.add(key);
    const pythonFix = err.code === 'python-not-found' || err.code === 'dbt-not-installed' || err.code === 'dbt-version-unsupported';
    const buttons = pythonFix ? ['Select Interpreter', 'Open Settings', 'Show Output'] : ['Show Output'];
    this.remember(err.message);
    void vscode.window.showErrorMessage(err.message, ...buttons).then(async (choice) => {
      this.shownErrors.delete(key);
      if (choice === 'Select Interpreter') this.deps.selectInterpreter();
      else if (choice === 'Open Settings') await Config.open('pythonPath');
      else if (choice === 'Show Output') this.deps.output.show();
    });
  }

  private offerOutput(message: string): void {
    if (this.shownErrors.has(message)) return;
    this.shownErrors.add(message);
    this.remember(message);
    void vscode.window.showErrorMessage(message, 'Show Output').then((choice) => {
      this.shownErrors.delete(message);
      if (choice) this.deps.output.show();
    });
  }

  private remember(message: string): void {
    this.notified.push(message);
    if (this.notified.length > 20) this.notified.shift();
  }

  async dispose(): Promise<void> {
    clearTimeout(this.refreshTimer);
    this.cancelAll();
    for (const d of this.disposables) d.dispose();
    await this.runners.dispose();
  }
}

function firstLine(s: string): string {
  const line = s.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
