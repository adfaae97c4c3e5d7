// The language server (dist/server.js) started over stdio as the editor
// starts it, given a manifest, for latency and memory measurements.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { manifestChanged } from '../../src/dbt/lspProtocol';
import { repoRoot } from './paths';

const LSP_WAIT_MS = 120_000;

export interface Server {
  connection: MessageConnection;
  pid: number;
  stop(): Promise<void>;
}

/** Starts dist/server.js over stdio, gives it the manifest, resolves when it is indexed. */
export async function startServer(projectRoot: string, manifestPath: string): Promise<Server> {
  const serverJs = join(repoRoot(), 'dist', 'server.js');
  if (!existsSync(serverJs)) throw new Error(`${serverJs} is missing: run node scripts/build.mjs first`);
  const proc = spawn(process.execPath, [serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const connection = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  const loaded = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not index the manifest in time')), LSP_WAIT_MS);
    connection.onNotification('window/logMessage', (p: { message: string }) => {
      if (/^manifest for /.test(p.message)) {
        clearTimeout(timer);
        resolve();
      } else if (/not read/.test(p.message)) {
        clearTimeout(timer);
        reject(new Error(p.message));
      }
    });
  });
  connection.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => ({})));
  connection.listen();
  await connection.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(projectRoot).href, capabilities: {} });
  await connection.sendNotification('initialized', {});
  await connection.sendNotification(manifestChanged, { projectRoot, manifestPath, stale: false });
  await loaded;
  return {
    connection,
    pid: proc.pid ?? -1,
    stop: async () => {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      await Promise.race([connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]).catch(() => undefined);
      await connection.sendNotification('exit').catch(() => undefined);
      const kill = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(kill);
      connection.dispose();
    },
  };
}
