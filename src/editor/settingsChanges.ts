// Makes every setting take effect at once, without a window reload: each
// change is mapped to its effects (dbt/settingEffects.ts) and they are
// applied here: look for Python again, restart the dbt workers, mark the
// manifests stale and parse again every project in use (the failed ones
// too), redraw the code lens. "dbt: Restart dbt Workers" and "dbt: Select
// Interpreter" go through the same path.
import * as vscode from 'vscode';
import { effectsOf, type SettingEffect } from '../dbt/settingEffects';
import type { DbtCodeLensProvider } from './codeLens';
import type { Output } from './output';
import type { ParseScheduler } from './parseScheduler';
import type { Projects } from './projects';
import type { PythonResolver } from './python';
import type { RunnerHost } from './runnerHost';

export interface SettingsChangesDeps {
  python: PythonResolver;
  host: RunnerHost;
  parser: ParseScheduler;
  codeLens: DbtCodeLensProvider;
  projects: Projects;
  output: Output;
}

export class SettingsChanges implements vscode.Disposable {
  private readonly listener: vscode.Disposable;
  private readonly applied = new vscode.EventEmitter<Set<SettingEffect>>();
  /** Fires once the effects of a change are applied (tests wait on it). */
  readonly onDidApply = this.applied.event;

  constructor(private readonly deps: SettingsChangesDeps) {
    this.listener = vscode.workspace.onDidChangeConfiguration((e) => {
      const effects = effectsOf((key) => e.affectsConfiguration(key));
      if (effects.size > 0) void this.apply(effects, 'settings changed');
    });
  }

  /** Applies effects in order: interpreter, workers, parse, views. */
  async apply(effects: Set<SettingEffect>, why: string): Promise<void> {
    const { python, host, parser, codeLens, projects, output } = this.deps;
    const done: string[] = [];
    if (effects.has('find-python')) {
      python.reset();
      done.push('looking for Python again');
    }
    if (effects.has('restart-workers')) {
      const n = await host.restartWorkers();
      if (n > 0) done.push(`restarting ${n} dbt worker${n === 1 ? '' : 's'}`);
    }
    if (effects.has('reparse')) {
      for (const p of projects.list()) host.invalidate(p.root);
      parser.reparseAll();
      done.push('parsing the projects in use again');
    }
    if (effects.has('code-lens')) codeLens.refresh();
    if (effects.has('parse-on-open')) parser.parseIfOpened(vscode.window.activeTextEditor);
    if (done.length > 0) output.info(`${why}: ${done.join(', ')}`);
    this.applied.fire(effects);
  }

  dispose(): void {
    this.listener.dispose();
    this.applied.dispose();
  }
}
