// The process tree under a pid, read from /proc (Linux), so tests can check
// what the extension host started and stop() can end all of it.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** Full command line, arguments joined by spaces. */
  cmdline: string;
}

function readProc(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state ppid pgrp ...; comm may contain spaces.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z') return undefined;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return { pid, ppid: Number(rest[1]), pgid: Number(rest[2]), cmdline };
  } catch {
    return undefined; // gone meanwhile
  }
}

export function allProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(Number(name));
    if (p) out.push(p);
  }
  return out;
}

/** `root` and all its descendants, plus anything still in its process group. */
export function listTree(root: number): ProcessInfo[] {
  const all = allProcesses();
  const keep = new Set<number>([root]);
  // Parents may appear after children in /proc order: iterate to a fixpoint.
  for (let changed = true; changed; ) {
    changed = false;
    for (const p of all) {
      if (!keep.has(p.pid) && (keep.has(p.ppid) || p.pgid === root)) {
        keep.add(p.pid);
        changed = true;
      }
    }
  }
  return all.filter((p) => keep.has(p.pid));
}

/** Signal the process group `root` leads and the given (or current) descendants. */
export function killTree(root: number, signal: NodeJS.Signals, pids?: number[]): void {
  const victims = pids ?? listTree(root).map((p) => p.pid);
  try {
    process.kill(-root, signal);
  } catch {
    // group already gone
  }
  for (const pid of victims) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

function alive(pid: number): boolean {
  const p = readProc(pid); // undefined when gone or a zombie
  return p !== undefined;
}

/**
 * SIGTERM the group and all descendants (some, like terminals, start their own
 * session), wait up to `graceMs` for them to go, then SIGKILL what is left.
 */
export async function stopTree(root: number, graceMs = 5000): Promise<void> {
  const victims = listTree(root).map((p) => p.pid);
  killTree(root, 'SIGTERM', victims);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && victims.some(alive)) await new Promise((r) => setTimeout(r, 100));
  killTree(root, 'SIGKILL', victims);
}

/** stopTree for exit handlers, where nothing asynchronous runs any more. */
export function stopTreeSync(root: number, graceMs = 2000): void {
  const victims = listTree(root).map((p) => p.pid);
  killTree(root, 'SIGTERM', victims);
  const deadline = Date.now() + graceMs;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  while (Date.now() < deadline && victims.some(alive)) Atomics.wait(nap, 0, 0, 50);
  killTree(root, 'SIGKILL', victims);
}

export interface RunResult {
  code: number | null;
  /** stdout and stderr, interleaved. */
  output: string;
}

/** Runs a command (argument array, no shell) to completion, killed after `timeoutMs`. */
export function runCommand(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      output += `\n[killed after ${opts.timeoutMs / 1000} s]`;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
