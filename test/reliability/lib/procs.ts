// What the reliability tests observe about processes, read from /proc (Linux):
// dbt workers left behind, a process's memory, its network sockets. Nothing
// here starts or kills anything.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  cmdline: string[];
}

function readCmdline(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((s) => s !== '');
  } catch {
    return undefined; // gone meanwhile, or not ours to read
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Every other live (non-zombie) process, with its command line. */
function* liveProcesses(): Generator<ProcInfo> {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    const cmdline = readCmdline(pid);
    if (cmdline && !isZombie(pid)) yield { pid, cmdline };
  }
}

/** A process's environment block ('' when gone or not readable: the command line decides). */
function environOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return '';
  }
}

/** Live processes whose command line contains every one of `parts`. */
export function processesWith(...parts: string[]): ProcInfo[] {
  return [...liveProcesses()].filter((p) => parts.every((part) => p.cmdline.join(' ').includes(part)));
}

/**
 * dbt workers (dbt_worker.py) started for anything under `marker` (a test's
 * temp dir). A child of a worker is not another worker: between fork and exec
 * (dbt's multiprocessing helpers) it briefly shows its parent's command line.
 */
export function workersUnder(marker: string): ProcInfo[] {
  const found = processesWith('dbt_worker.py', marker);
  const pids = new Set(found.map((w) => w.pid));
  return found.filter((w) => !pids.has(parentOf(w.pid) ?? -1));
}

export interface ProcessCount {
  /** dbt_worker.py processes (not counting their own children). */
  workers: number;
  /** Every process started for the project, helpers included (matched by command line or environment). */
  all: number;
}

/** One pass over /proc: the processes of each marker (a project's temp dir). */
export function countByMarker(markers: readonly string[]): ProcessCount[] {
  const counts = markers.map(() => ({ workers: 0, all: 0 }));
  const workerPids = new Set<number>();
  const seen: { pid: number; ppid: number | undefined; index: number; worker: boolean }[] = [];
  for (const p of liveProcesses()) {
    const cmdline = p.cmdline.join(' ');
    const environ = environOf(p.pid);
    const index = markers.findIndex((m) => cmdline.includes(m) || environ.includes(m));
    if (index < 0) continue;
    const worker = cmdline.includes('dbt_worker.py');
    if (worker) workerPids.add(p.pid);
    seen.push({ pid: p.pid, ppid: parentOf(p.pid), index, worker });
  }
  for (const x of seen) {
    counts[x.index].all++;
    if (x.worker && !workerPids.has(x.ppid ?? -1)) counts[x.index].workers++;
  }
  return counts;
}

/**
 * Every live process whose command line or environment mentions `marker`:
 * workers, dbt CLI runs, probes, and their children (which inherit the
 * environment the runner gives dbt, e.g. DBT_DUCKDB_PATH in the temp dir,
 * even when their command line says nothing, like multiprocessing's
 * resource tracker).
 */
export function anyProcessUnder(marker: string): ProcInfo[] {
  return [...liveProcesses()].filter((p) => p.cmdline.join(' ').includes(marker) || environOf(p.pid).includes(marker));
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** True when `pid` is `ancestor` or one of its descendants. */
export function isWithin(pid: number, ancestor: number): boolean {
  for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 64; p = parentOf(p), hops++) {
    if (p === ancestor) return true;
  }
  return false;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch {
    return false;
  }
}

/** Resident set size in bytes (/proc/<pid>/statm: pages). */
export function rssOf(pid: number): number {
  const pages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
  return pages * 4096;
}

export interface InetSocket {
  table: string;
  local: string;
  state: string;
  inode: string;
}

/**
 * The IPv4/IPv6 TCP, UDP and raw sockets a process holds: its fd socket
 * inodes looked up in /proc/<pid>/net/*. Unix sockets and pipes are not
 * network ports and are not listed.
 */
export function inetSocketsOf(pid: number): InetSocket[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // fd closed meanwhile
    }
  }
  const found: InetSocket[] = [];
  for (const table of ['tcp', 'tcp6', 'udp', 'udp6', 'raw', 'raw6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      // columns: sl local_address rem_address st tx:rx tr:tm retrnsmt uid timeout inode
      if (inodes.has(cols[9])) found.push({ table, local: cols[1], state: cols[3], inode: cols[9] });
    }
  }
  return found;
}

/** Number of sockets of any kind (unix included) a process holds: proves the check above saw its fds. */
export function socketCount(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

/** Polls `check` every 100 ms until it returns a truthy value; throws after `timeoutMs` saying what it waited for. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined | null | false): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `promise`, or a rejection saying what did not happen within `ms`; the timer never outlives it. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
