// Commands of the language features, registered apart from the dbt command
// table (src/editor/commands.ts): restarting the language server.
import * as vscode from 'vscode';
import type { DbtLanguageClient } from './languageClient';

export function registerLanguageCommands(lsp: DbtLanguageClient, log: (message: string) => void): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('dbtConductor.restartLanguageServer', async () => {
      log('Restarting the dbt language server');
      try {
        await lsp.restart();
      } catch (e) {
        void vscode.window.showErrorMessage(`The dbt language server did not restart: ${e instanceof Error ? e.message : String(e)}`);
      }
    }),
  ];
}
