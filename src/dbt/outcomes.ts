// One vocabulary for outcomes in every view and in the log: dbt's own words
// for results (pass, warn, fail, error, skipped, plus no-op and reused), and
// for what never finished: running, queued, cancelled (stopped while it
// ran), not run (selected, but the invocation was cancelled first). A model
// that succeeded is a "pass", like dbt's PASS= count. Also how rows are
// labelled so that outcome and time stay visible in a narrow side bar.
import type { NodeStatus } from './results';

export type Outcome = 'pass' | 'warn' | 'fail' | 'error' | 'skipped' | 'no-op' | 'reused' | 'cancelled' | 'not run' | 'running' | 'queued' | 'unknown';

/** The order counts are listed in. */
const ORDER: readonly Outcome[] = ['pass', 'warn', 'fail', 'error', 'skipped', 'no-op', 'reused', 'cancelled', 'not run', 'running', 'queued', 'unknown'];

export function outcomeOf(status: NodeStatus | string): Outcome {
  switch (status) {
    case 'success':
    case 'pass':
      return 'pass';
    case 'warn':
    case 'partial success':
      return 'warn';
    case 'runtime error':
    case 'error':
      return 'error';
    case 'fail':
    case 'skipped':
    case 'no-op':
    case 'reused':
    case 'cancelled':
    case 'not run':
    case 'running':
    case 'queued':
      return status;
    default:
      return 'unknown';
  }
}

/** "25 pass, 1 warn, 1 fail" from counts per status (zero counts left out). */
export function countsText(counts: Partial<Record<NodeStatus, number>>): string {
  const byOutcome = new Map<Outcome, number>();
  for (const [status, n] of Object.entries(counts)) {
    if (!n) continue;
    const o = outcomeOf(status);
    byOutcome.set(o, (byOutcome.get(o) ?? 0) + n);
  }
  return ORDER.filter((o) => byOutcome.has(o)).map((o) => `${byOutcome.get(o)} ${o}`).join(', ');
}

/** "0.42 s", "12.3 s", "3 min 5 s"; '' when unknown. */
export function formatSeconds(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '';
  return s < 10 ? `${s.toFixed(2)} s` : s < 120 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export interface RowText {
  /** Shown first: outcome and time, so a long name cannot push them out of sight. */
  label: string;
  /** The full text for screen readers and tooltips, name first. */
  accessible: string;
}

/**
 * A tree row: "fail 1 · 0.05 s  accepted_values_orders_status…". The
 * outcome (and failing rows) and the time come before the name; the side bar
 * cuts what does not fit at the end, and the tooltip has the full name.
 */
export function rowText(name: string, outcome: Outcome, seconds: number | undefined, extras: { failures?: number; stale?: boolean } = {}): RowText {
  const word = `${outcome}${extras.failures ? ` ${extras.failures}` : ''}${extras.stale ? ' (stale)' : ''}`;
  const untimed = outcome === 'running' || outcome === 'queued' || outcome === 'not run' || outcome === 'cancelled' || outcome === 'skipped';
  const time = untimed ? '' : formatSeconds(seconds);
  const lead = time ? `${word} · ${time}` : word;
  return { label: `${lead}  ${name}`, accessible: `${name}, ${lead}` };
}
