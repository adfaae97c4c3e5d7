// The status bar item: the active project and target, a spinner while dbt
// runs; a click switches project or target. While a project parses, it says
// so instead (what dbt does, for how long) and a click shows the output.
// The chosen target is kept per project in workspace state and wins over
// the `dbtConductor.target` setting.
import * as vscode from 'vscode';
import { parseStatusText, parseTooltip, type ParseNow } from '../dbt/parseProgress';
import { readProfileTargets } from '../dbt/profileTargets';
import type { Config } from './config';
import type { DbtProject, Projects } from './projects';

const STATE_KEY = 'dbtConductor.targets';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('dbtConductor.status', vscode.StatusBarAlignment.Left, 50);
  private readonly disposables: vscode.Disposable[] = [this.item];
  private readonly targetChanged = new vscode.EventEmitter<string>();
  private running = 0;
  private parses: () => ParseNow[] = () => [];
  /** Ticks the parse's seconds while one runs. */
  private ticker: NodeJS.Timeout | undefined;
  /** The profile's default target per project, read once (profiles.yml is not watched). */
  private readonly profileDefaults = new Map<string, string | undefined>();
  /** Fires with the project root whose target changed. */
  readonly onDidChangeTarget = this.targetChanged.event;

  constructor(
    private readonly projects: Projects,
    private readonly config: Config,
    private readonly state: vscode.Memento,
  ) {
    this.item.name = 'dbt project and target';
    this.item.command = 'dbtConductor.switchProjectOrTarget';
    this.disposables.push(
      this.targetChanged,
      projects.onDidChange(() => this.render()),
      projects.onDidChangeActive(() => this.render()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('dbtConductor.profilesDir')) this.profileDefaults.clear();
        if (e.affectsConfiguration('dbtConductor.target') || e.affectsConfiguration('dbtConductor.profilesDir')) this.render();
      }),
    );
    this.render();
  }

  /** What the item shows now (for tests). */
  get text(): string {
    return this.item.text;
  }

  /** Its tooltip and the command a click runs (for tests). */
  get hover(): { tooltip: string; command: string | undefined } {
    const command = this.item.command;
    return { tooltip: String(this.item.tooltip ?? ''), command: typeof command === 'string' ? command : command?.command };
  }

  /** The target to pass as --target for a project; undefined lets dbt use the profile's default. */
  targetFor(project: DbtProject): string | undefined {
    const chosen = this.state.get<Record<string, string>>(STATE_KEY, {})[project.root];
    return chosen || this.config.target(vscode.Uri.file(project.root)) || undefined;
  }

  /** Number of invocations running or queued; shows a spinner while above 0. */
  setRunning(count: number): void {
    this.running = count;
    void vscode.commands.executeCommand('setContext', 'dbtConductor.running', count > 0);
    this.render();
  }

  /** Shows the parses `parsing` lists, read again when `onChange` fires (the invocations' own source). */
  followParses(parsing: () => ParseNow[], onChange: vscode.Event<void>): void {
    this.parses = parsing;
    this.disposables.push(onChange(() => this.render()));
    this.render();
  }

  async pickProjectOrTarget(): Promise<void> {
    const projects = this.projects.list();
    if (projects.length <= 1) return this.pickTarget();
    const choice = await vscode.window.showQuickPick(
      [
        { label: '$(folder) Switch project...', action: 'project' as const },
        { label: '$(target) Switch target...', action: 'target' as const },
      ],
      { title: 'dbt' },
    );
    if (choice?.action === 'project') await this.pickProject();
    else if (choice?.action === 'target') await this.pickTarget();
  }

  async pickProject(): Promise<void> {
    const active = this.projects.active();
    const items = this.projects.list().map((p) => ({
      label: p.name,
      description: vscode.workspace.asRelativePath(p.root),
      detail: p.root === active?.root ? 'active' : undefined,
      root: p.root,
    }));
    const choice = await vscode.window.showQuickPick(items, { title: 'dbt: switch project', placeHolder: 'Project for commands when the active file belongs to none' });
    if (choice) this.projects.choose(choice.root);
  }

  async pickTarget(project = this.projects.active()): Promise<void> {
    if (!project) {
      void vscode.window.showInformationMessage('No dbt project in this workspace.');
      return;
    }
    const profile = readProfileTargets(project.profile ?? project.name, project.root, this.config.profilesDir(vscode.Uri.file(project.root)));
    this.profileDefaults.set(project.root, profile?.defaultTarget);
    if (!profile || profile.targets.length === 0) {
      void vscode.window.showWarningMessage(
        `No targets found for project ${project.name}: profiles.yml was not found or has no outputs for its profile. Set dbtConductor.profilesDir if profiles.yml is elsewhere.`,
      );
      return;
    }
    const current = this.targetFor(project) ?? profile.defaultTarget;
    const items = profile.targets.map((t) => ({
      label: t,
      description: [t === profile.defaultTarget ? 'profile default' : '', t === current ? 'current' : ''].filter(Boolean).join(', ') || undefined,
    }));
    const choice = await vscode.window.showQuickPick(items, { title: `dbt: target for ${project.name}`, placeHolder: profile.profilesFile });
    if (choice) await this.setTarget(project, choice.label);
  }

  async setTarget(project: DbtProject, target: string | undefined): Promise<void> {
    const all = { ...this.state.get<Record<string, string>>(STATE_KEY, {}) };
    if (target) all[project.root] = target;
    else delete all[project.root];
    await this.state.update(STATE_KEY, all);
    this.targetChanged.fire(project.root);
    this.render();
  }

  private render(): void {
    const project = this.projects.active();
    const parses = this.parses();
    this.tick(parses.length > 0);
    if (parses.length > 0) return this.renderParse(parses, project?.root);
    this.item.command = 'dbtConductor.switchProjectOrTarget';
    if (!project) {
      this.item.hide();
      return;
    }
    if (!this.profileDefaults.has(project.root)) {
      this.profileDefaults.set(project.root, readProfileTargets(project.profile ?? project.name, project.root, this.config.profilesDir(vscode.Uri.file(project.root)))?.defaultTarget);
    }
    const target = this.targetFor(project) ?? this.profileDefaults.get(project.root) ?? 'default';
    const icon = this.running > 0 ? '$(sync~spin)' : '$(database)';
    this.item.text = `${icon} ${project.name} (${target})`;
    const runningText = this.running > 0 ? `\n\n${this.running} dbt invocation${this.running === 1 ? '' : 's'} running or queued` : '';
    this.item.tooltip = `dbt project ${project.name} at ${project.root}, target ${target}${runningText}\n\nClick to switch project or target.`;
    this.item.show();
  }

  private renderParse(parses: ParseNow[], activeRoot: string | undefined): void {
    const now = Date.now();
    const shown = parses.find((p) => p.projectRoot === activeRoot) ?? parses[0];
    this.item.text = `$(sync~spin) dbt: ${parseStatusText(shown, now)}`;
    this.item.tooltip = parseTooltip(parses, now);
    this.item.command = 'dbtConductor.showOutput';
    this.item.show();
  }

  private tick(on: boolean): void {
    if (on && !this.ticker) this.ticker = setInterval(() => this.render(), 1000);
    else if (!on && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  dispose(): void {
    clearInterval(this.ticker);
    for (const d of this.disposables) d.dispose();
  }
}
