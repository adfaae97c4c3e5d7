// What is compared after each dbt step, on each side, and the comparison:
// exit code and success, per-node status and message, compiled SQL of every
// node (the answer's and run_results.json's), run_results.json (statuses,
// node set), what `ls` and `show` return, and the relations in the database.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InvocationResult } from '../../../src/dbt/protocol';
import type { Side } from './side';
import type { Step } from './steps';
import type { DatabaseState } from './target';

export interface Observation {
  exitCode: number;
  cancelled: boolean;
  /** uid -> "status: message" (message: first lines, paths of the side made neutral). */
  nodes: Record<string, string>;
  /** uid -> compiled SQL, from the answer (compile output, node results). */
  compiled: Record<string, string>;
  /** target/run_results.json: uid -> "status: message", and uid -> compiled_code; null when absent. */
  runResults: { statuses: Record<string, string>; compiled: Record<string, string> } | null;
  /** `ls` items and `show` rows, order-free. */
  listed: string[];
  relations: DatabaseState;
}

interface RunResultsFile {
  results?: { unique_id: string; status: string; message?: string | null; compiled_code?: string | null }[];
}

export async function observe(side: Side, step: Step, result: InvocationResult): Promise<Observation> {
  const local = (text: string): string => (side.db.localName ? text.split(side.db.localName).join('<database>') : text);
  // DuckDB's "Did you mean X?" picks among equally close names by catalog order, which follows the
  // order dbt's threads created the tables: it differs between two cold runs too (seed 1143).
  const neutral = (text: string | null | undefined): string =>
    local((text ?? '').split(side.workDir).join('<work>')).replace(/Did you mean "[^"\n]*"\?/g, 'Did you mean <name>?')
      .split('\n').slice(0, 3).map((l) => l.trim()).join(' | ');
  // On cancel, the interrupted node may or may not have reported its cancelled query yet: leave it out.
  const skip = step.kind === 'cancel' ? step.slow : undefined;
  const nodes: Record<string, string> = {};
  const compiled: Record<string, string> = {};
  for (const n of result.nodes) {
    // Hooks: the CLI backend's answer has no entry for them (dbt sends no NodeFinished), the worker's
    // has dbt's result; run_results.json, compared below, holds dbt's own record of them on both sides.
    if (n.uniqueId === skip || n.uniqueId.startsWith('operation.')) continue;
    nodes[n.uniqueId] = `${n.status}: ${neutral(n.message)}`;
    if (typeof n.compiledCode === 'string') compiled[n.uniqueId] = local(n.compiledCode);
  }
  if (result.output.kind === 'compile') for (const n of result.output.nodes) compiled[n.uniqueId] = local(n.compiledCode);
  const listed = result.output.kind === 'list'
    ? [...result.output.items]
    : result.output.kind === 'show' ? result.output.tables.flatMap((t) => t.rows.map((r) => `${t.uniqueId} ${JSON.stringify(r)}`)) : [];
  return {
    exitCode: result.exitCode,
    cancelled: result.cancelled,
    nodes,
    compiled,
    runResults: readRunResults(join(side.projectDir, 'target', 'run_results.json'), neutral, local),
    listed: listed.sort(),
    relations: await side.db.snapshot(),
  };
}

function readRunResults(file: string, neutral: (t: string | null | undefined) => string, local: (t: string) => string): Observation['runResults'] {
  if (!existsSync(file)) return null;
  const rr = JSON.parse(readFileSync(file, 'utf8')) as RunResultsFile;
  const statuses: Record<string, string> = {};
  const compiled: Record<string, string> = {};
  for (const r of rr.results ?? []) {
    statuses[r.unique_id] = `${r.status}: ${neutral(r.message)}`;
    if (typeof r.compiled_code === 'string') compiled[r.unique_id] = local(r.compiled_code);
  }
  return { statuses, compiled };
}

/** Human-readable differences between the warm (a) and cold (b) observations; empty when equal. */
export function differences(a: Observation, b: Observation): string[] {
  const out: string[] = [];
  if (a.exitCode !== b.exitCode) out.push(`exit code: warm ${a.exitCode}, cold ${b.exitCode}`);
  // Exit 2 without a cancel is an exception: dbt returns no results to the worker, while the CLI
  // backend still builds nodes from the events it saw. run_results.json (below) is dbt's own record.
  if (!(a.exitCode === 2 && b.exitCode === 2 && !a.cancelled)) diffMaps('node', a.nodes, b.nodes, out);
  // Compiled SQL is compared where both sides report it (the CLI answer carries it only for some commands).
  diffMaps('compiled SQL', pick(a.compiled, b.compiled), pick(b.compiled, a.compiled), out);
  if ((a.runResults === null) !== (b.runResults === null)) {
    out.push(`run_results.json: warm ${a.runResults ? 'present' : 'absent'}, cold ${b.runResults ? 'present' : 'absent'}`);
  } else if (a.runResults && b.runResults) {
    diffMaps('run_results.json', a.runResults.statuses, b.runResults.statuses, out);
    diffMaps('run_results.json compiled_code', a.runResults.compiled, b.runResults.compiled, out);
  }
  diffMaps('ls/show', Object.fromEntries(a.listed.map((x) => [x, 'yes'])), Object.fromEntries(b.listed.map((x) => [x, 'yes'])), out);
  const rel = (s: DatabaseState) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, JSON.stringify(v)]));
  diffMaps('relation', rel(a.relations), rel(b.relations), out);
  return out;
}

function pick(from: Record<string, string>, keys: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(from).filter(([k]) => k in keys));
}

function diffMaps(what: string, a: Record<string, string>, b: Record<string, string>, out: string[]): void {
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (a[key] === b[key]) continue;
    const show = (v: string | undefined) => (v === undefined ? '(absent)' : JSON.stringify(v.length > 300 ? `${v.slice(0, 300)}...` : v));
    out.push(`${what} ${key}: warm ${show(a[key])}, cold ${show(b[key])}`);
  }
}
