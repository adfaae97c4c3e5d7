// What runner.ts needs from a backend (worker or CLI). Both answer with the
// same InvocationResult shape; the runner guarantees one call at a time.
import type { InvocationResult, RawDbtEvent } from '../dbt/protocol';

/** What every way of running dbt is given: which Python, where, with what environment, and how to scrub and log. */
export interface DbtProcessOptions {
  python: string;
  projectRoot: string;
  /** The complete environment of the dbt process. */
  env: Record<string, string | undefined>;
  scrub: (text: string) => string;
  log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

export interface BackendRequest {
  args: string[];
  /** The worker's `parse` method: parse only if the cached manifest is stale. */
  ensureParsed?: boolean;
  /** Re-parse even if nothing looks changed (after ProjectRunner.invalidate()). */
  forceParse?: boolean;
  /** Deliver the noise events too (SQLQuery etc.). */
  verboseEvents?: boolean;
}

export interface BackendCall {
  onEvent?: (event: RawDbtEvent) => void;
  signal?: AbortSignal;
}

export interface Backend {
  readonly kind: 'worker' | 'cli';
  run(request: BackendRequest, call: BackendCall): Promise<InvocationResult>;
  dispose(): Promise<void>;
}

/** The answer for an invocation cancelled before it started. */
export function cancelledBeforeStart(command: string, backend: 'worker' | 'cli'): InvocationResult {
  return {
    command,
    success: false,
    exitCode: 2,
    nodes: [],
    output: { kind: 'none' },
    exception: { type: 'Cancelled', message: 'Cancelled before it started.' },
    elapsedSeconds: 0,
    parsed: false,
    cancelled: true,
    backend,
  };
}
