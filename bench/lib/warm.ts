// One warm invocation as the benches time it: ProjectRunner.invoke on a warm
// worker, with when the first event carrying a node arrived (what a user sees
// first) and when dbt's FoundStats did (the DAG linked and checked).
import type { InvocationResult, RawDbtEvent } from '../../src/dbt/protocol';
import type { ProjectRunner } from '../../src/runner/api';
import { COMMAND_TIMEOUT_MS } from './coldCli';

export interface WarmSample {
  wallMs: number;
  firstNodeMs?: number;
  /** When dbt's FoundStats event arrived: project loaded, DAG linked and checked for cycles. */
  graphReadyMs?: number;
  /** The worker's own clock around the invocation (dbt plus our staleness check). */
  workerMs: number;
  /** The node's execution_time, when `uniqueId` names one that ran. */
  nodeMs?: number;
}

/**
 * `args` through the warm worker, timed from the request. Rejects when dbt
 * fails beyond exit 1 (a failing generated node does not matter to a
 * measurement) or when a command other than parse re-parsed (the manifest
 * cache did not hold, so the sample would not be warm).
 */
export async function warm(runner: ProjectRunner, args: string[], uniqueId?: string): Promise<{ sample: WarmSample; result: InvocationResult }> {
  const started = performance.now();
  let firstNodeMs: number | undefined;
  let graphReadyMs: number | undefined;
  const onEvent = (e: RawDbtEvent) => {
    if (firstNodeMs === undefined && hasNode(e)) firstNodeMs = performance.now() - started;
    if (graphReadyMs === undefined && e.info.name === 'FoundStats') graphReadyMs = performance.now() - started;
  };
  const result = await withTimeout((signal) => runner.invoke({ args }, { onEvent, signal }), `dbt ${args.join(' ')}`);
  const wallMs = performance.now() - started;
  expectOk(result, `worker: dbt ${args.join(' ')}`, true);
  if (args[0] !== 'parse' && result.parsed) throw new Error(`The worker re-parsed for dbt ${args.join(' ')}: its manifest cache did not hold.`);
  const node = uniqueId ? result.nodes.find((n) => n.uniqueId === uniqueId) : undefined;
  return {
    sample: { wallMs, firstNodeMs, graphReadyMs, workerMs: result.elapsedSeconds * 1000, nodeMs: node ? node.executionTime * 1000 : undefined },
    result,
  };
}

/** Runs `work` with an abort signal that fires after COMMAND_TIMEOUT_MS: every wait has a bound. */
export async function withTimeout(work: (signal: AbortSignal) => Promise<InvocationResult>, what: string): Promise<InvocationResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), COMMAND_TIMEOUT_MS);
  try {
    const result = await work(controller.signal);
    if (result.cancelled) throw new Error(`${what} did not finish within ${COMMAND_TIMEOUT_MS / 60_000} min.`);
    return result;
  } finally {
    clearTimeout(timer);
  }
}

export function expectOk(result: InvocationResult, what: string, allowFailures = false): void {
  if (result.exitCode === 0 || (allowFailures && result.exitCode === 1)) return;
  throw new Error(`${what} failed (exit ${result.exitCode}): ${result.exception?.message ?? result.nodes.find((n) => n.message)?.message ?? ''}`);
}

/** The event names a node (what a user sees first). */
export function hasNode(e: RawDbtEvent): boolean {
  const info = e.data?.node_info as { unique_id?: unknown } | undefined;
  return typeof info?.unique_id === 'string' && info.unique_id !== '';
}

export function isNum(v: number | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** A duration for progress lines. */
export function ms(v: number | undefined): string {
  return v === undefined ? 'n/a' : `${Math.round(v)} ms`;
}
