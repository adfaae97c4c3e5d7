// Entry of dist/lspClient.js: the vscode-languageclient side of the dbt
// language server, loaded by languageClient.ts when the first dbt project is
// found (lazyParts.ts), never on activation. It only connects; what the
// server has been told is kept by DbtLanguageClient in the main bundle.
import * as vscode from 'vscode';
import { LanguageClient, State, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

/** Files whose change on disk may change the manifest (the server filters out target/ and packages). */
const WATCHED = '**/*.{sql,yml,yaml,md,csv,py}';

export interface LspConnection {
  /** Starts the server; resolves once it has answered `initialize`. */
  start(): Promise<void>;
  sendNotification(method: string, params: object): Promise<void>;
  onNotification<P>(method: string, listener: (params: P) => void): vscode.Disposable;
  /** Fires when the server runs again after a crash (it then knows nothing). */
  onDidRestart(listener: () => void): vscode.Disposable;
  /** A line in the language server's output channel. */
  warn(message: string): void;
  dispose(timeoutMs: number): Promise<void>;
}

/** `serverModule`: dist/server.js. */
export function createLspConnection(serverModule: string, outputChannel?: vscode.LogOutputChannel): LspConnection {
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const watcher = vscode.workspace.createFileSystemWatcher(WATCHED);
  const clientOptions: LanguageClientOptions = {
    // The server answers only for files inside a dbt project it knows; others get nothing.
    documentSelector: [
      { scheme: 'file', language: 'sql' },
      { scheme: 'file', language: 'jinja-sql' },
      { scheme: 'file', language: 'yaml' },
    ],
    synchronize: { fileEvents: watcher },
    outputChannel,
    // The hover's lineage line is a link to this command; no other command runs from hovers.
    markdown: { isTrusted: { enabledCommands: ['dbtConductor.showLineage'] } },
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
    sendNotification: (method, params) => client.sendNotification(method, params),
    onNotification: (method, listener) => client.onNotification(method, listener),
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
