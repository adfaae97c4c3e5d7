// Starts code-server (the VS Code workbench served to a browser, with a real
// Node extension host) isolated for one test run: loopback only, a free port,
// its own user-data/extensions/XDG/temp dirs, no telemetry, update check or
// gallery. It runs in its own process group; stop() ends the group and every
// descendant, and an exit/signal guard does the same if the test dies first.
import { spawn } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onExit } from './cleanup';
import { listTree, runCommand, stopTree, stopTreeSync, type ProcessInfo } from './processes';
import { codeServerBin } from './paths';

export interface CodeServerOptions {
  /** Folder the workbench opens. */
  folder: string;
  /** false: workspace trust stays enabled, so the folder opens untrusted. Default true. */
  trusted?: boolean;
  /** Extra user settings (merged over the isolation settings). */
  settings?: Record<string, unknown>;
  /** A packaged extension to install before starting. */
  vsix?: string;
  /** Extra environment for code-server; its extension host inherits it. */
  env?: Record<string, string>;
  /** Port on 127.0.0.1; default: a free one. */
  port?: number;
  /** Bound for code-server to answer /healthz. Default 30 s. */
  startTimeoutMs?: number;
}

export interface CodeServer {
  readonly port: number;
  readonly origin: string;
  /** Temp dir holding user-data, extensions, XDG dirs, TMPDIR and the log. */
  readonly baseDir: string;
  readonly userDataDir: string;
  readonly logFile: string;
  /** URL of the workbench for `folder`, optionally with an extension-development payload. */
  workbenchUrl(opts?: { folder?: string; devExtension?: string; testsModule?: string }): string;
  /** The code-server process and all its descendants, now. */
  processes(): ProcessInfo[];
  /** Copies code-server's log and the workbench/extension-host logs (the extension's output channel too) to `dest`. */
  saveLogs(dest: string): void;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

function isolationSettings(trusted: boolean): Record<string, unknown> {
  return {
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'workbench.enableExperiments': false,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'git.enabled': false,
    'security.workspace.trust.enabled': !trusted,
    'security.workspace.trust.startupPrompt': 'never',
  };
}

function envFor(baseDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    XDG_CONFIG_HOME: join(baseDir, 'xdg-config'),
    XDG_DATA_HOME: join(baseDir, 'xdg-data'),
    XDG_CACHE_HOME: join(baseDir, 'xdg-cache'),
    TMPDIR: join(baseDir, 'tmp'),
    // An empty gallery: no marketplace traffic at all.
    EXTENSIONS_GALLERY: '{"serviceUrl":""}',
  };
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const bin = codeServerBin();
  if (!existsSync(bin)) {
    throw new Error(`code-server is not installed (${bin} missing): run scripts/setup.sh --e2e`);
  }
  const trusted = opts.trusted ?? true;
  const baseDir = mkdtempSync(join(tmpdir(), 'dbtc-code-server-'));
  const keep = process.env.E2E_KEEP_TMP === '1';
  const removeBase = (): void => void (keep || rmSync(baseDir, { recursive: true, force: true }));
  let forget = onExit(removeBase);
  const userDataDir = join(baseDir, 'user-data');
  const extensionsDir = join(baseDir, 'extensions');
  for (const d of [join(userDataDir, 'User'), extensionsDir, ...['xdg-config', 'xdg-data', 'xdg-cache', 'tmp'].map((n) => join(baseDir, n))]) {
    mkdirSync(d, { recursive: true });
  }
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...isolationSettings(trusted), ...opts.settings }, null, 2),
  );
  const configFile = join(baseDir, 'config.yaml');
  writeFileSync(configFile, 'auth: none\ncert: false\n');
  const env = { ...envFor(baseDir), ...opts.env };
  const dirArgs = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  if (opts.vsix) {
    // Bounded: a broken VSIX or a hang must not stall the run.
    const r = await runCommand(bin, [...dirArgs, '--install-extension', opts.vsix, '--force'], { env, timeoutMs: 120_000 });
    if (r.code !== 0 || !/successfully installed/i.test(r.output)) {
      removeBase();
      forget();
      throw new Error(`installing ${opts.vsix} into code-server failed:\n${r.output}`);
    }
  }

  const port = opts.port ?? (await freePort());
  const logFile = join(baseDir, 'code-server.log');
  const logFd = openSync(logFile, 'a');
  const args = [
    ...dirArgs,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--disable-proxy',
    '--ignore-last-opened',
    ...(trusted ? ['--disable-workspace-trust'] : []),
    opts.folder,
  ];
  // detached: a new process group (setsid), so stop() can end all of it.
  const child = spawn(bin, args, { env, detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  forget();
  forget = onExit(() => {
    if (child.pid) stopTreeSync(child.pid);
    removeBase();
  });
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `code-server exited (code ${code}, signal ${signal})`;
  });

  const origin = `http://127.0.0.1:${port}`;
  let stopped = false;
  const server: CodeServer = {
    port,
    origin,
    baseDir,
    userDataDir,
    logFile,
    workbenchUrl(o = {}) {
      const params = new URLSearchParams({ folder: o.folder ?? opts.folder });
      if (o.devExtension) {
        // code-server's CLI rejects --extensionDevelopmentPath; the web
        // workbench takes it (and the tests module) as the `payload` parameter.
        const remote = (p: string): string => `vscode-remote://127.0.0.1:${port}${p}`;
        const payload: [string, string][] = [['extensionDevelopmentPath', remote(o.devExtension)]];
        if (o.testsModule) payload.push(['extensionTestsPath', remote(o.testsModule)]);
        params.set('payload', JSON.stringify(payload));
      }
      return `${origin}/?${params.toString()}`;
    },
    processes() {
      return child.pid ? listTree(child.pid) : [];
    },
    saveLogs(dest) {
      mkdirSync(dest, { recursive: true });
      cpSync(logFile, join(dest, 'code-server.log'));
      const logs = join(userDataDir, 'logs');
      if (existsSync(logs)) cpSync(logs, join(dest, 'logs'), { recursive: true });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.pid) await stopTree(child.pid);
      forget();
      removeBase();
    },
  };

  const bound = opts.startTimeoutMs ?? 30_000;
  const deadline = Date.now() + bound;
  for (;;) {
    if (exited) {
      const log = readFileSync(logFile, 'utf8');
      await server.stop();
      throw new Error(`${exited} before answering /healthz. Its log:\n${log.slice(-4000)}`);
    }
    try {
      const res = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      const log = readFileSync(logFile, 'utf8');
      await server.stop();
      throw new Error(`code-server did not answer ${origin}/healthz within ${bound / 1000} s. Its log:\n${log.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return server;
}
