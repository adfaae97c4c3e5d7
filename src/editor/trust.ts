// Workspace Trust: dbt executes the project's code (Jinja, Python models,
// hooks, profiles with env_var()), so an untrusted workspace runs neither
// Python nor dbt. Commands call `ensureTrusted()` first; it explains and
// offers to manage trust instead of running.
import * as vscode from 'vscode';

export function isTrusted(): boolean {
  return vscode.workspace.isTrusted;
}

/**
 * True when dbt may run. Otherwise tells the user why not and offers to
 * manage trust; it does not wait for the answer, so the command ends at once.
 */
export function ensureTrusted(what = 'dbt'): boolean {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  void vscode.window
    .showWarningMessage(
      `dbt Conductor does not run ${what} in an untrusted workspace: dbt executes the project's code (Jinja macros, hooks, Python models). Trust this workspace to run dbt.`,
      manage,
    )
    .then((choice) => (choice === manage ? manageTrust() : undefined));
  return false;
}

export async function manageTrust(): Promise<void> {
  await vscode.commands.executeCommand('workbench.trust.manage');
}
