// Entry of dist/lspClient.js: the vscode-languageclient side of the dbt
// language server, loaded by languageClient.ts when the first dbt project is
// found (lazyParts.ts), never on activation. It connects, sends the typed
// messages of src/dbt/lspProtocol.ts, and restarts a server that died
// (telling the user once); what the server has been told is kept by
// DbtLanguageClient in the main bundle and replayed after every (re)start.
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  State,
  TransportKind,
  type CloseHandlerResult,
  type ErrorHandler,
  type ErrorHandlerResult,
  type LanguageClientOptions,
  type NotificationType,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { RestartBudget } from '../dbt/restartBudget';
import { clientNotifications, parseRequested, type ClientNotification, type ClientNotificationParams, type ParseRequestedParams } from '../dbt/lspProtocol';

/** Files whose change on disk may change the manifest (the server filters out target/ and packages). */
const WATCHED = '**/*.{sql,yml,yaml,md,csv,py}';

/** Languages the server serves (it answers only for files inside a dbt project it knows). */
export const SERVED_LANGUAGES = ['sql', 'jinja-sql', 'yaml'];

export interface LspConnection {
  /** Starts the server; resolves once it has answered `initialize`. */
  start(): Promise<void>;
  /** Stops the server and starts a new one (dbt: Restart Language Server). */
  restart(): Promise<void>;
  notify<K extends ClientNotification>(name: K, params: ClientNotificationParams[K]): Promise<void>;
  onParseRequested(listener: (params: ParseRequestedParams) => void): vscode.Disposable;
  /** Fires when the server runs again after a crash or a restart (it then knows nothing). */
  onDidRestart(listener: () => void): vscode.Disposable;
  /** A line in the language server's output channel. */
  warn(message: string): void;
  dispose(timeoutMs: number): Promise<void>;
}

/**
 * Restarts a server that stopped, telling the user once per session; past
 * the RestartBudget it stops trying and says how to restart by hand.
 * Connection errors are logged by the client and let pass.
 */
function restartingErrorHandler(tell: (message: string, offerRestart: boolean) => void): ErrorHandler {
  const budget = new RestartBudget();
  return {
    error: (): ErrorHandlerResult => ({ action: ErrorAction.Continue, handled: true }),
    closed: (): CloseHandlerResult => {
      const decision = budget.onStopped(Date.now());
      if (decision === 'give-up') {
        tell(`The dbt language server stopped ${budget.max + 1} times in ${budget.windowMs / 60_000} minutes and is not restarted again. See its log in the output, then run "dbt: Restart Language Server".`, true);
        return { action: CloseAction.DoNotRestart, handled: true };
      }
      if (decision === 'restart-and-tell') tell('The dbt language server stopped unexpectedly and was restarted. Its log is in the dbt output.', false);
      return { action: CloseAction.Restart, handled: true };
    },
  };
}

/** `serverModule`: dist/server.js. */
export function createLspConnection(serverModule: string, outputChannel?: vscode.LogOutputChannel): LspConnection {
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const watcher = vscode.workspace.createFileSystemWatcher(WATCHED);
  const restartCommand = 'Restart Language Server';
  const clientOptions: LanguageClientOptions = {
    documentSelector: SERVED_LANGUAGES.map((language) => ({ scheme: 'file', language })),
    synchronize: { fileEvents: watcher },
    outputChannel,
    // The hover's lineage line is a link to this command; no other command runs from hovers.
    markdown: { isTrusted: { enabledCommands: ['dbtConductor.showLineage'] } },
    errorHandler: restartingErrorHandler((message, offerRestart) => {
      const pick = offerRestart ? vscode.window.showErrorMessage(message, restartCommand) : vscode.window.showWarningMessage(message);
      void pick.then((choice) => choice === restartCommand && vscode.commands.executeCommand('dbtConductor.restartLanguageServer'));
    }),
  };
  const client = new LanguageClient('dbtConductor', 'dbt Conductor language server', serverOptions, clientOptions);
  const restarted = new vscode.EventEmitter<void>();
  let ranBefore = false;
  const stateListener = client.onDidChangeState((e) => {
    if (e.newState !== State.Running) return;
    if (ranBefore) restarted.fire();
    ranBefore = true;
  });
  let started = false;
  return {
    start() {
      started = true;
      return client.start();
    },
    async restart() {
      if (!started) return this.start();
      await client.restart();
    },
    // The interface ties each name to its params; the table ties each name to its message type.
    notify: (name, params) => client.sendNotification(clientNotifications[name] as NotificationType<object>, params),
    onParseRequested: (listener) => client.onNotification(parseRequested, listener),
    onDidRestart: restarted.event,
    warn: (message) => client.warn(message),
    async dispose(timeoutMs) {
      stateListener.dispose();
      restarted.dispose();
      if (started) await client.dispose(timeoutMs).catch(() => undefined);
      watcher.dispose();
    },
  };
}
