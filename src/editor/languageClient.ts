// The extension's side of the dbt language server: tells it where each
// project's manifest is, and reports its re-parse requests. Messages are
// declared (typed) in src/dbt/lspProtocol.ts; this file imports only their
// types, so the protocol library stays out of the activation bundle. The
// client itself (vscode-languageclient) is a bundle of its own, loaded by
// start() after activation (lazyParts.ts); what is told before the server
// runs is kept and sent once it does, and again after a crash or a restart,
// since a new server knows nothing.
//
// Wiring (in activation):
//   const lsp = new DbtLanguageClient(context.asAbsolutePath('dist/server.js'), outputChannel);
//   runner.onManifest((path) => lsp.notifyManifest(root, path, false));
//   lsp.onParseRequested((root) => runnerFor(root).parse());
//   once a project is found: void lsp.start();
import * as vscode from 'vscode';
import type { ClientNotification, ClientNotificationParams, ManifestChangedParams, ParseErrorInfo, ParseErrorParams, ParseRequestedParams } from '../dbt/lspProtocol';
import type { InvocationEntry } from '../dbt/treeModel';
import { loadLspClient } from './lazyParts';
import type { LspConnection } from './lspClientPart';

export class DbtLanguageClient implements vscode.Disposable {
  /** Last state told per project, sent when the server (re)starts. */
  private readonly manifests = new Map<string, ManifestChangedParams>();
  private readonly parseErrors = new Map<string, ParseErrorParams>();
  /** Columns seen by `dbt show`, per project root and node. */
  private readonly columns = new Map<string, ClientNotificationParams['columnsSeen']>();
  private readonly parseRequests = new vscode.EventEmitter<ParseRequestedParams>();
  private readonly disposables: vscode.Disposable[] = [this.parseRequests];
  private connection: LspConnection | undefined;
  private started: Promise<void> | undefined;
  /** Set once the server has answered: from then on notifications go out as they come. */
  private running = false;
  private disposed = false;

  /** `serverModule`: dist/server.js. */
  constructor(
    private readonly serverModule: string,
    private readonly outputChannel?: vscode.LogOutputChannel,
  ) {}

  /** Loads the client and starts the server; later calls return the same promise. */
  start(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.started ??= this.connect();
    return this.started;
  }

  /** Stops the server and starts a new one, which is then told everything again. */
  async restart(): Promise<void> {
    if (!this.started) return this.start();
    await this.started;
    this.running = false;
    try {
      await this.connection?.restart();
    } finally {
      this.running = true;
    }
    this.replay();
  }

  /** A project's manifest is (newly) available at `manifestPath`; `stale` when it may not match the files. */
  notifyManifest(projectRoot: string, manifestPath: string, stale: boolean): void {
    const params: ManifestChangedParams = { projectRoot, manifestPath, stale };
    this.manifests.set(projectRoot, params);
    this.send('manifestChanged', params);
  }

  /** The last parse failed (`error`) or succeeded again (null). */
  notifyParseError(projectRoot: string, error: ParseErrorInfo | null): void {
    const params: ParseErrorParams = { projectRoot, error };
    if (error) this.parseErrors.set(projectRoot, params);
    else this.parseErrors.delete(projectRoot);
    this.send('parseError', params);
  }

  /** The columns of each node a `dbt show` returned (for the "add to schema YAML" quick fix). */
  notifyShowColumns(entry: InvocationEntry): void {
    const output = entry.result?.output;
    if (output?.kind !== 'show') return;
    for (const t of output.tables) if (t.uniqueId && t.columns.length > 0) this.notifyColumns(entry.projectRoot, t.uniqueId, t.columns);
  }

  /** `dbt show` of a node returned these columns. */
  notifyColumns(projectRoot: string, uniqueId: string, columns: string[]): void {
    const params = { projectRoot, uniqueId, columns };
    this.columns.set(`${projectRoot}\0${uniqueId}`, params);
    this.send('columnsSeen', params);
  }

  notifyProjectRemoved(projectRoot: string): void {
    this.manifests.delete(projectRoot);
    this.parseErrors.delete(projectRoot);
    for (const key of [...this.columns.keys()]) if (key.startsWith(`${projectRoot}\0`)) this.columns.delete(key);
    this.send('projectRemoved', { projectRoot });
  }

  /** The server saw project files saved, created or deleted (debounced): re-parse that project. */
  onParseRequested(listener: (projectRoot: string, files: string[]) => void): vscode.Disposable {
    return this.parseRequests.event((p) => listener(p.projectRoot, p.files));
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const d of this.disposables.splice(0)) d.dispose();
    await this.connection?.dispose(2000);
  }

  private async connect(): Promise<void> {
    const connection = loadLspClient().createLspConnection(this.serverModule, this.outputChannel);
    this.connection = connection;
    this.disposables.push(
      connection.onParseRequested((p) => this.parseRequests.fire(p)),
      connection.onDidRestart(() => this.replay()),
    );
    await connection.start();
    this.running = true;
    this.replay();
  }

  private replay(): void {
    for (const p of this.manifests.values()) this.send('manifestChanged', p);
    for (const p of this.parseErrors.values()) this.send('parseError', p);
    for (const p of this.columns.values()) this.send('columnsSeen', p);
  }

  private send<K extends ClientNotification>(name: K, params: ClientNotificationParams[K]): void {
    // Before the server runs, the maps above hold what it must be told; never throw into the caller.
    const connection = this.connection;
    if (!this.running || !connection) return;
    void connection.notify(name, params).catch((err: unknown) => connection.warn(`dbt language server: ${name} not delivered: ${String(err)}`));
  }
}
