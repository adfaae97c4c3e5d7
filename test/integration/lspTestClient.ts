// A test client for the language server over LSP in plain Node: starts
// dist/server.js (`node scripts/build.mjs` first) with --stdio and records
// what the server sends on its own (diagnostics, logs, re-parse requests).
// Shared by the integration tests of the server.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { manifestChanged, parseRequested, type ChecksSettings } from '../../src/dbt/lspProtocol';
import { copyJaffle, extraFiles, repoRoot, writeFiles } from '../unit/server-fixture';

export const WAIT_MS = 15_000;
export const serverJs = join(repoRoot, 'dist', 'server.js');

export interface Diagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  severity: number;
  code: string;
  message: string;
}
export interface Location {
  uri: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

/** A test client: the LSP connection plus what the server sent on its own. */
export class Client {
  readonly connection: MessageConnection;
  readonly diagnostics = new Map<string, Diagnostic[]>();
  readonly logs: string[] = [];
  readonly parseRequests: { projectRoot: string; files: string[] }[] = [];
  settings: Partial<ChecksSettings> = {};
  private readonly listeners = new Set<() => void>();

  constructor(readonly proc: ChildProcess) {
    this.connection = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    this.connection.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Diagnostic[] }) => {
      this.diagnostics.set(p.uri, p.diagnostics);
      this.changed();
    });
    this.connection.onNotification('window/logMessage', (p: { message: string }) => {
      this.logs.push(p.message);
      this.changed();
    });
    this.connection.onNotification(parseRequested, (p: { projectRoot: string; files: string[] }) => {
      this.parseRequests.push(p);
      this.changed();
    });
    this.connection.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => p.items.map(() => this.settings));
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.listen();
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  /** Resolves when `check` returns a value (checked on every message from the server); fails after WAIT_MS. */
  waitFor<T>(what: string, check: () => T | undefined | null | false): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        const v = check();
        if (v) {
          this.listeners.delete(attempt);
          clearTimeout(timer);
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        this.listeners.delete(attempt);
        reject(new Error(`timed out waiting for ${what}; server log:\n${this.logs.join('\n')}`));
      }, WAIT_MS);
      this.listeners.add(attempt);
      attempt();
    });
  }

  /** Waits for the next log line matching `re` after this call. */
  nextLog(re: RegExp): Promise<string> {
    const from = this.logs.length;
    return this.waitFor(`a log line matching ${re}`, () => this.logs.slice(from).find((l) => re.test(l)));
  }

  async start(rootPath: string): Promise<void> {
    await this.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(rootPath).href,
      workspaceFolders: [{ uri: pathToFileURL(rootPath).href, name: 'ws' }],
      capabilities: {
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true }, didChangeWatchedFiles: { dynamicRegistration: false } },
        textDocument: { hover: { contentFormat: ['markdown'] }, completion: { completionItem: { snippetSupport: false } }, publishDiagnostics: {} },
      },
    });
    await this.connection.sendNotification('initialized', {});
  }

  open(path: string, text = readFileSync(path, 'utf8'), languageId = path.endsWith('.sql') ? 'sql' : 'yaml'): Promise<void> {
    return this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(path), languageId, version: 1, text } });
  }

  request<T>(method: string, path: string, text: string, needle: string, delta = 1, extra: object = {}): Promise<T> {
    const offset = text.indexOf(needle);
    assert.ok(offset >= 0, `${needle} in ${path}`);
    return this.connection.sendRequest(method, { textDocument: { uri: uri(path) }, position: positionAt(text, offset + delta), ...extra });
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.proc.exitCode !== null) resolve();
      else this.proc.once('exit', () => resolve());
    });
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]);
      await this.connection.sendNotification('exit');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    this.connection.dispose();
  }
}

export function uri(path: string): string {
  return pathToFileURL(path).href;
}

export function positionAt(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

export function startServer(): Client {
  assert.ok(existsSync(serverJs), `${serverJs} is missing: run \`node scripts/build.mjs\` first`);
  const proc = spawn(process.execPath, [serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  proc.stderr!.resume();
  return new Client(proc);
}

/** A server for `root`, handed the manifest (or index of the files) at `manifestPath`, once it logged `loaded`. */
export async function startServerOn(root: string, manifestPath: string, loaded: RegExp): Promise<Client> {
  const client = startServer();
  await client.start(root);
  const logged = client.nextLog(loaded);
  await client.connection.sendNotification(manifestChanged, { projectRoot: root, manifestPath, stale: false });
  await logged;
  return client;
}

export interface JaffleServer {
  /** The copy's project root (in a temp folder of its own). */
  root: string;
  /** Where the manifest the server was handed is: <temp folder>/conductor/<file>. */
  manifestPath: string;
  client: Client;
  /** Stops the server and removes the copy. */
  stop(): Promise<void>;
}

/**
 * A suite's language server: a fresh copy of jaffle with extraFiles (and
 * `files`), the manifest (or index of the files) `make` returns written as
 * the worker writes it, and a server handed it, once it logged `loaded`.
 */
export async function serverOnJaffle(make: (root: string) => unknown, options: { loaded: RegExp; file?: string; files?: Record<string, string> }): Promise<JaffleServer> {
  const root = copyJaffle();
  const remove = () => rmSync(dirname(root), { recursive: true, force: true });
  try {
    writeFiles(root, { ...extraFiles, ...options.files });
    const manifestPath = join(dirname(root), 'conductor', options.file ?? 'manifest.json');
    writeAtomically(manifestPath, await make(root));
    const client = await startServerOn(root, manifestPath, options.loaded);
    const stop = async () => {
      await client.stop();
      remove();
    };
    return { root, manifestPath, client, stop };
  } catch (e) {
    remove();
    throw e;
  }
}

/** Writes JSON the way the worker does: temp file, then rename. */
export function writeAtomically(path: string, data: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path + '.tmp', JSON.stringify(data));
  renameSync(path + '.tmp', path);
}

