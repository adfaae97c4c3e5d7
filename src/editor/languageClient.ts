// The extension's side of the dbt language server: starts dist/server.js
// over IPC, tells it where each project's manifest is, and reports its
// re-parse requests. Messages are declared in src/dbt/lspProtocol.ts.
//
// Wiring (in activation):
//   const lsp = createDbtLanguageClient(context, outputChannel);
//   await lsp.start();
//   runner.onManifest((path) => lsp.notifyManifest(root, path, false));
//   lsp.onParseRequested((root) => runnerFor(root).parse());
//   context.subscriptions.push(lsp);
import * as vscode from 'vscode';
import { LanguageClient, State, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import {
  manifestChanged,
  parseError,
  parseRequested,
  projectRemoved,
  type ManifestChangedParams,
  type ParseErrorInfo,
  type ParseErrorParams,
  type ParseRequestedParams,
  type ProjectRemovedParams,
} from '../dbt/lspProtocol';

/** Files whose change on disk may change the manifest (the server filters out target/ and packages). */
const WATCHED = '**/*.{sql,yml,yaml,md,csv,py}';

export class DbtLanguageClient implements vscode.Disposable {
  /** Last state told per project, re-sent when the server restarts. */
  private readonly manifests = new Map<string, ManifestChangedParams>();
  private readonly parseErrors = new Map<string, ParseErrorParams>();
  private readonly disposables: vscode.Disposable[] = [];
  private started: Promise<void> | null = null;
  private ranBefore = false;

  constructor(private readonly client: LanguageClient) {
    this.disposables.push(
      client.onDidChangeState((e) => {
        if (e.newState !== State.Running) return;
        // After a crash the client restarts the server, which knows nothing: tell it again.
        if (this.ranBefore) this.replay();
        this.ranBefore = true;
      }),
    );
  }

  start(): Promise<void> {
    this.started ??= this.client.start();
    return this.started;
  }

  /** A project's manifest is (newly) available at `manifestPath`; `stale` when it may not match the files. */
  notifyManifest(projectRoot: string, manifestPath: string, stale: boolean): void {
    const params: ManifestChangedParams = { projectRoot, manifestPath, stale };
    this.manifests.set(projectRoot, params);
    this.send(manifestChanged, params);
  }

  /** The last parse failed (`error`) or succeeded again (null). */
  notifyParseError(projectRoot: string, error: ParseErrorInfo | null): void {
    const params: ParseErrorParams = { projectRoot, error };
    if (error) this.parseErrors.set(projectRoot, params);
    else this.parseErrors.delete(projectRoot);
    this.send(parseError, params);
  }

  notifyProjectRemoved(projectRoot: string): void {
    this.manifests.delete(projectRoot);
    this.parseErrors.delete(projectRoot);
    const params: ProjectRemovedParams = { projectRoot };
    this.send(projectRemoved, params);
  }

  /** The server saw project files saved, created or deleted (debounced): re-parse that project. */
  onParseRequested(listener: (projectRoot: string, files: string[]) => void): vscode.Disposable {
    return this.client.onNotification(parseRequested, (p: ParseRequestedParams) => listener(p.projectRoot, p.files));
  }

  async dispose(): Promise<void> {
    for (const d of this.disposables.splice(0)) d.dispose();
    if (this.started) await this.client.dispose(2000).catch(() => undefined);
  }

  private replay(): void {
    for (const p of this.manifests.values()) this.send(manifestChanged, p);
    for (const p of this.parseErrors.values()) this.send(parseError, p);
  }

  private send(method: string, params: object): void {
    // Before start() resolves the client queues nothing: wait for it, and never throw into the caller.
    const ready = this.started ?? this.start();
    void ready
      .then(() => this.client.sendNotification(method, params))
      .catch((err: unknown) => this.client.warn(`dbt language server: ${method} not delivered: ${String(err)}`));
  }
}

export function createDbtLanguageClient(context: vscode.ExtensionContext, outputChannel?: vscode.LogOutputChannel): DbtLanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const watcher = vscode.workspace.createFileSystemWatcher(WATCHED);
  context.subscriptions.push(watcher);
  const clientOptions: LanguageClientOptions = {
    // The server answers only for files inside a dbt project it knows; others get nothing.
    documentSelector: [
      { scheme: 'file', language: 'sql' },
      { scheme: 'file', language: 'jinja-sql' },
      { scheme: 'file', language: 'yaml' },
    ],
    synchronize: { fileEvents: watcher },
    outputChannel,
  };
  return new DbtLanguageClient(new LanguageClient('dbtConductor', 'dbt Conductor language server', serverOptions, clientOptions));
}
