// Typed getters over the `dbtConductor` settings section. Every read goes
// through here, so no other module calls getConfiguration itself.
import * as vscode from 'vscode';
import { isJsonObject } from '../dbt/json';
import { settingsCommandFor } from '../dbt/settingEffects';

const SECTION = 'dbtConductor';

export type CodeLensAction = 'run' | 'build' | 'test' | 'compile' | 'preview';
export type BackendSetting = 'auto' | 'worker' | 'cli';

const CODE_LENS_ACTIONS: readonly CodeLensAction[] = ['run', 'build', 'test', 'compile', 'preview'];

export class Config {
  private section(scope?: vscode.Uri): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SECTION, scope);
  }

  pythonPath(scope?: vscode.Uri): string {
    return expandVariables(this.section(scope).get<string>('pythonPath', '').trim(), scope);
  }

  profilesDir(scope?: vscode.Uri): string {
    return expandVariables(this.section(scope).get<string>('profilesDir', '').trim(), scope);
  }

  target(scope?: vscode.Uri): string {
    return this.section(scope).get<string>('target', '').trim();
  }

  /** Extra arguments per command; the key "*" applies to every command. Non-string entries are dropped. */
  extraArgs(scope?: vscode.Uri): Record<string, string[]> {
    const raw = this.section(scope).get<unknown>('extraArgs', {});
    const out: Record<string, string[]> = {};
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return out;
    for (const [command, value] of Object.entries(raw as Record<string, unknown>)) {
      if (Array.isArray(value)) out[command] = value.filter((v): v is string => typeof v === 'string');
      else if (typeof value === 'string' && value.trim() !== '') out[command] = [value];
    }
    return out;
  }

  /** Add dbt's --use-fast-test-edges to `dbt build` on dbt-core 1.10+ (src/dbt/fastTestEdges.ts). */
  fastTestEdges(scope?: vscode.Uri): boolean {
    return this.section(scope).get<boolean>('build.fastTestEdges', true);
  }

  threads(scope?: vscode.Uri): number | undefined {
    const n = this.section(scope).get<number | null>('threads', null);
    return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
  }

  vars(scope?: vscode.Uri): Record<string, unknown> {
    const v = this.section(scope).get<unknown>('vars', {});
    return isJsonObject(v) ? v : {};
  }

  previewLimit(scope?: vscode.Uri): number {
    const n = this.section(scope).get<number>('preview.limit', 100);
    return Number.isInteger(n) && n > 0 ? Math.min(n, 10_000) : 100;
  }

  codeLensEnabled(scope?: vscode.Uri): boolean {
    return this.section(scope).get<boolean>('codeLens.enabled', true);
  }

  /** Open dbt project .sql files as Jinja SQL (src/editor/jinjaSql.ts). */
  jinjaSqlEnabled(scope?: vscode.Uri): boolean {
    return this.section(scope).get<boolean>('jinjaSql.enabled', true);
  }

  codeLensActions(scope?: vscode.Uri): CodeLensAction[] {
    const list = this.section(scope).get<unknown>('codeLens.commands', CODE_LENS_ACTIONS);
    if (!Array.isArray(list)) return [...CODE_LENS_ACTIONS];
    return list.filter((a): a is CodeLensAction => CODE_LENS_ACTIONS.includes(a as CodeLensAction));
  }

  parseOnOpen(): boolean {
    return this.section().get<boolean>('parseOnOpen', true);
  }

  idleTimeoutMs(): number {
    const s = this.section().get<number>('idleTimeoutSeconds', 300);
    return (Number.isFinite(s) && s >= 10 ? s : 300) * 1000;
  }

  backend(): BackendSetting {
    const b = this.section().get<string>('backend', 'auto');
    return b === 'worker' || b === 'cli' ? b : 'auto';
  }

  /** Opens the Settings UI at one of our settings, on a tab where this window can set it. */
  static async open(key: string): Promise<void> {
    const command = settingsCommandFor({
      remote: vscode.env.remoteName !== undefined,
      web: vscode.env.uiKind === vscode.UIKind.Web,
      hasWorkspace: (vscode.workspace.workspaceFolders?.length ?? 0) > 0,
    });
    await vscode.commands.executeCommand(command, `${SECTION}.${key}`);
  }
}

/** Expands ${workspaceFolder}, ${userHome} and a leading ~ in path settings. */
function expandVariables(value: string, scope?: vscode.Uri): string {
  if (value === '') return value;
  const folder = (scope && vscode.workspace.getWorkspaceFolder(scope)) ?? vscode.workspace.workspaceFolders?.[0];
  const home = process.env.HOME ?? process.env.USERPROFILE ?? '';
  let out = value.replace(/\$\{userHome\}/g, home);
  if (folder) out = out.replace(/\$\{workspaceFolder\}/g, folder.uri.fsPath);
  if (out === '~' || out.startsWith('~/')) out = home + out.slice(1);
  return out;
}
