// Runs a program (never through a shell) with a bound on its run time,
// streaming its stdout to a callback and keeping the tail of its output for
// error messages.
import { spawn } from 'node:child_process';

export interface ExecOptions {
  cwd?: string;
  /** The complete environment (nothing is inherited beyond it). */
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  onStdout?: (chunk: Buffer) => void;
  /** Aborting sends SIGINT (what Ctrl-C in a terminal sends); the promise still waits for the exit. */
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  /** Last few kB of stdout and stderr, interleaved as they came. */
  tail: string;
}

const KEEP_STDOUT = 1 << 20;

export function run(program: string, args: string[], options: ExecOptions): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let tail = '';
    let timedOut = false;
    const keep = (text: string) => (tail = (tail + text).slice(-4000));
    child.stdout.on('data', (chunk: Buffer) => {
      options.onStdout?.(chunk);
      const text = chunk.toString('utf8');
      if (stdout.length < KEEP_STDOUT) stdout += text;
      keep(text);
    });
    child.stderr.on('data', (chunk: Buffer) => keep(chunk.toString('utf8')));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    options.signal?.addEventListener('abort', () => child.kill('SIGINT'), { once: true });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`Could not start ${program}: ${e.message}`));
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ exitCode, signal, timedOut, stdout, tail });
    });
  });
}
