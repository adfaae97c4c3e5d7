// The shape of one benchmark measurement, shared by every bench entry and the
// report. Each entry writes its rows as a JSON array; bench/report.main.ts
// merges them into bench/results.json and bench/results.md.
import { writeFileSync } from 'node:fs';

export interface Summary {
  runs: number;
  median: number;
  min: number;
  max: number;
  p95: number;
}

export interface BenchRow {
  /** What was measured, e.g. "dbt run -s one_model: latency". */
  name: string;
  /** Number of models in the synthetic project (null when size does not apply). */
  projectSize: number | null;
  /** Median of the baseline measured side by side in the same run (null when there is no baseline). */
  baseline: number | null;
  /** Median of our measurement. */
  value: number;
  /**
   * How many times better ours is than the baseline: baseline/value when lower
   * is better, value/baseline when higher is better. Null without a baseline.
   */
  ratio: number | null;
  unit: string;
  /** Number of measured runs of ours (warm-ups excluded). */
  runs: number;
  median: number;
  min: number;
  max: number;
  /** p95 of ours, where the row is a latency distribution. */
  p95?: number;
  better: 'lower' | 'higher';
  /** The baseline's own spread, when there is one. */
  baselineStats?: Summary;
  /** What the baseline is, in words. */
  baselineLabel?: string;
  /** The target from the spec, e.g. "< 100 ms", and whether it was met. */
  target?: string;
  targetMet?: boolean;
  /** Which target of issue 13's table this row decides (bench/report.main.ts lists them together). */
  issueTarget?: IssueTarget;
  note?: string;
}

/** The rows of issue 13's target table, in its order. */
export const ISSUE_TARGETS = {
  'codelens-vs-cli': 'code-lens Run of one model, click to success icon, vs cold CLI in a terminal: >= 10x',
  'editor-vs-runner': 'same, editor path vs runner-level latency: <= 1.3x',
  'first-node': 'warm request to first node event: < 150 ms',
  reparse: 're-parse after a one-line edit, vs cold `dbt parse`: >= 10x',
  'open-no-manifest': 'file open to code lens, no manifest yet: < 1 s',
  'lsp-p95': 'hover / definition p95 over LSP, 15 MB manifest: < 5 ms',
} as const;

export type IssueTarget = keyof typeof ISSUE_TARGETS;

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('summarize: no values');
  const sorted = [...values].sort((a, b) => a - b);
  return {
    runs: sorted.length,
    median: quantile(sorted, 0.5),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    p95: quantile(sorted, 0.95),
  };
}

/** Linear-interpolated quantile of sorted values (q in 0..1). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 1) return sorted[0]!;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export interface RowInput {
  name: string;
  projectSize: number | null;
  unit: string;
  better?: 'lower' | 'higher';
  ours: readonly number[];
  baseline?: readonly number[];
  baselineLabel?: string;
  /** A threshold on our median: "< 100" style check done by the caller-provided predicate. */
  target?: { text: string; met: (s: Summary) => boolean };
  issueTarget?: IssueTarget;
  note?: string;
}

export function makeRow(input: RowInput): BenchRow {
  const better = input.better ?? 'lower';
  const ours = summarize(input.ours);
  const base = input.baseline && input.baseline.length > 0 ? summarize(input.baseline) : undefined;
  const ratio = base ? (better === 'lower' ? base.median / ours.median : ours.median / base.median) : null;
  const row: BenchRow = {
    name: input.name,
    projectSize: input.projectSize,
    baseline: base ? round(base.median) : null,
    value: round(ours.median),
    ratio: ratio === null || !Number.isFinite(ratio) ? null : round(ratio),
    unit: input.unit,
    runs: ours.runs,
    median: round(ours.median),
    min: round(ours.min),
    max: round(ours.max),
    p95: round(ours.p95),
    better,
  };
  if (base) row.baselineStats = { runs: base.runs, median: round(base.median), min: round(base.min), max: round(base.max), p95: round(base.p95) };
  if (input.baselineLabel) row.baselineLabel = input.baselineLabel;
  if (input.target) {
    row.target = input.target.text;
    row.targetMet = input.target.met(ours);
  }
  if (input.issueTarget) row.issueTarget = input.issueTarget;
  if (input.note) row.note = input.note;
  return row;
}

/** Three significant decimals are plenty for milliseconds and ratios. */
export function round(v: number): number {
  if (!Number.isFinite(v)) return v;
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 1 : abs >= 1 ? 2 : 4;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Each bench entry writes its rows to the file named by --out (the report merges them). */
export function writeRows(path: string | undefined, rows: BenchRow[]): void {
  const text = `${JSON.stringify(rows, null, 2)}\n`;
  if (!path) {
    process.stdout.write(text);
    return;
  }
  writeFileSync(path, text);
}
