// The cold CLI baseline: a new `dbt` process, exactly what a terminal runs
// (the venv's dbt, in the project folder, with the same environment, profile
// and target as the worker).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec';
import { benchDbt } from './paths';
import type { BenchProject } from './projects';

/** Bound on any single dbt command (a full parse of 3,000 models on a busy 2-core machine takes minutes). */
export const COMMAND_TIMEOUT_MS = 15 * 60_000;

export interface ColdSample {
  wallMs: number;
  /** When dbt printed its first "START" line (what a terminal user sees first); run and test only. */
  firstNodeMs?: number;
  /** run: the node's execution_time from target/run_results.json, in ms. */
  nodeMs?: number;
}

/**
 * A new dbt process, as a terminal starts it. Rejects on exit codes above 1
 * (a broken set-up, not a measurement) unless `allowError` (a parse that is
 * meant to fail exits 2). With `stopAtFirstNode`, sends SIGINT (Ctrl-C) once
 * the first START line is printed and waits for the exit.
 */
export async function cold(project: BenchProject, args: string[], uniqueId?: string, opts: { allowError?: boolean; stopAtFirstNode?: boolean } = {}): Promise<ColdSample> {
  const started = performance.now();
  let firstNodeMs: number | undefined;
  const stop = new AbortController();
  const r = await run(benchDbt(), args, {
    cwd: project.dir,
    env: { ...process.env, ...project.env },
    timeoutMs: COMMAND_TIMEOUT_MS,
    signal: stop.signal,
    onStdout: (chunk) => {
      // dbt's logger flushes every line, so this sees the line when a terminal would.
      if (firstNodeMs === undefined && / START /.test(chunk.toString('utf8'))) {
        firstNodeMs = performance.now() - started;
        if (opts.stopAtFirstNode) stop.abort();
      }
    },
  });
  const wallMs = performance.now() - started;
  if (r.timedOut) throw new Error(`dbt ${args.join(' ')} did not finish within ${COMMAND_TIMEOUT_MS / 60_000} min.`);
  const interrupted = opts.stopAtFirstNode && stop.signal.aborted;
  if (!interrupted && !opts.allowError && r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`dbt ${args.join(' ')} failed (exit ${r.exitCode ?? r.signal}) in ${project.dir}:\n${r.tail}`);
  return { wallMs, firstNodeMs, nodeMs: args[0] === 'run' && uniqueId ? nodeTimeFromRunResults(project.dir, uniqueId) : undefined };
}

function nodeTimeFromRunResults(projectDir: string, uniqueId: string): number | undefined {
  try {
    const rr = JSON.parse(readFileSync(join(projectDir, 'target', 'run_results.json'), 'utf8')) as { results?: { unique_id?: string; execution_time?: number }[] };
    const hit = rr.results?.find((r) => r.unique_id === uniqueId);
    return typeof hit?.execution_time === 'number' ? hit.execution_time * 1000 : undefined;
  } catch {
    return undefined;
  }
}
