// Merges the rows of every bench part into bench/results.json and
// bench/results.md (the table for the README, with the machine it ran on),
// prints the table, and refreshes the README's performance table between
// its markers when the README has them.
//
//   node out/bench/report.main.js --rows-dir DIR --started ISO --seconds N [--failed a,b] [--load-start "x y z"]
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { machineInfo, type MachineInfo } from './lib/machine';
import { argValue, benchPython, repoRoot } from './lib/paths';
import { ISSUE_TARGETS, type BenchRow, type IssueTarget } from './lib/rows';

/** The parts of the bench, in the order of the spec's measurements. */
const PARTS: { id: string; title: string; measures: string }[] = [
  { id: 'dbt', title: 'dbt commands: cold CLI vs the warm worker', measures: '1-4' },
  { id: 'editor', title: 'What the user waits for in the workbench (real shape, every model built)', measures: 'issue 13' },
  { id: 'lsp', title: 'Language server: manifest index, memory, hover and definition', measures: '5' },
  { id: 'events', title: 'Event throughput of a full build', measures: '6' },
  { id: 'extension', title: 'Extension activation and package size', measures: '7' },
  { id: 'lineage', title: 'Lineage view: open time', measures: '8' },
  { id: 'restore', title: 'Warm equals cold: cost of restoring the manifest state', measures: '9' },
  { id: 'results', title: 'Results grid and Testing view', measures: '10' },
  { id: 'reparse', title: 'Re-parse after an edit: JSON artifacts written with the C encoder', measures: 'issue 13' },
  { id: 'relcache', title: "The warm run's relation cache: the selected schemas only (real shape, every model built)", measures: 'issue 13' },
  { id: 'testedges', title: "A whole-project build's set-up: dbt's test edges, with and without --use-fast-test-edges (real shape, every model built)", measures: 'large projects' },
];

const README_START = '<!-- bench:results:start -->';
const README_END = '<!-- bench:results:end -->';

interface Results {
  machine: MachineInfo & { loadAverageAtStart: string; loadAverageAtEnd: string };
  startedAt: string;
  durationSeconds: number;
  command: string;
  /** Parts that failed or wrote no rows. */
  missing: string[];
  rows: (BenchRow & { part: string })[];
}

function main(): void {
  const dir = argValue('rows-dir');
  if (!dir || !existsSync(dir)) throw new Error('--rows-dir must name the folder the bench parts wrote their rows to.');
  const failed = new Set((argValue('failed') ?? '').split(',').filter(Boolean));
  const rows: Results['rows'] = [];
  const missing: string[] = [];
  for (const part of PARTS) {
    const file = join(dir, `${part.id}.json`);
    const partRows = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BenchRow[]) : [];
    if (partRows.length === 0 || failed.has(part.id)) missing.push(part.id);
    for (const r of partRows) rows.push({ part: part.id, ...r });
  }
  const extra = readdirSync(dir).filter((f) => f.endsWith('.json') && !PARTS.some((p) => `${p.id}.json` === f));
  if (extra.length > 0) process.stderr.write(`report: ignoring unknown row files ${extra.join(', ')}\n`);

  const results: Results = {
    machine: { ...machineInfo(benchPython()), loadAverageAtStart: argValue('load-start') ?? 'unknown', loadAverageAtEnd: loadavg().map((l) => l.toFixed(2)).join(' ') },
    startedAt: argValue('started') ?? new Date().toISOString(),
    durationSeconds: Number(argValue('seconds') ?? 'NaN'),
    command: 'npm run bench',
    missing,
    rows,
  };
  const bench = join(repoRoot(), 'bench');
  writeFileSync(join(bench, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const md = markdown(results);
  writeFileSync(join(bench, 'results.md'), md);
  updateReadmes(md);
  process.stdout.write(`\n${consoleTable(results)}\n`);
  process.stdout.write(`\nWrote bench/results.json and bench/results.md (${rows.length} rows in ${Math.round(results.durationSeconds)} s).\n`);
  if (missing.length > 0) {
    process.stdout.write(`Missing parts: ${missing.join(', ')} (see the log above).\n`);
    process.exitCode = 1;
  }
}

function num(v: number): string {
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function fmt(v: number | null | undefined, unit: string): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${num(v)} ${unit}`;
}

function ratioText(r: BenchRow): string {
  if (r.ratio === null) return '—';
  return `${r.ratio >= 10 ? r.ratio.toFixed(0) : r.ratio.toFixed(2)}×`;
}

function targetText(r: BenchRow): string {
  if (!r.target) return '';
  return `${r.target}: ${r.targetMet ? 'met' : 'MISSED'}`;
}

function spread(r: BenchRow): string {
  return r.runs > 1 ? `${num(r.min)}–${num(r.max)}` : '';
}

function markdown(res: Results): string {
  const m = res.machine;
  const out: string[] = [];
  out.push('### Benchmark results', '');
  out.push(
    `Measured with \`${res.command}\` on ${m.date.slice(0, 10)}: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.os}; ` +
      `Node ${m.node}, Python ${m.python}, dbt-core ${m.dbtCore}, dbt-duckdb ${m.dbtDuckdb}, DuckDB ${m.duckdb}. ` +
      `The whole run took ${Math.round(res.durationSeconds / 60)} min; load average ${m.loadAverageAtStart} at the start, ${m.loadAverageAtEnd} at the end.`,
    '',
  );
  out.push(
    'Medians; "ratio" is how many times better ours is than the baseline measured side by side in the same run ' +
      '(baseline ÷ ours for times, ours ÷ baseline for rates). Spread = min–max of our runs.',
    '',
  );
  for (const part of PARTS) {
    const rows = res.rows.filter((r) => r.part === part.id);
    out.push(`#### ${part.title} (measurement ${part.measures})`, '');
    if (rows.length === 0) {
      out.push('_Not measured in this run (the part failed; see the bench log)._', '');
      continue;
    }
    out.push('| Measurement | Models | Baseline | Ours | Ratio | Runs | Spread | Target |', '|---|---:|---:|---:|---:|---:|---:|---|');
    for (const r of rows) {
      const p95 = r.p95 !== undefined && r.runs >= 20 ? ` (p95 ${fmt(r.p95, r.unit)})` : '';
      out.push(
        `| ${r.name} | ${r.projectSize?.toLocaleString('en-US') ?? ''} | ${fmt(r.baseline, r.unit)} | ${fmt(r.value, r.unit)}${p95} | ${ratioText(r)} | ${r.runs} | ${spread(r)} | ${targetText(r)} |`,
      );
    }
    const labels = [...new Set(rows.map((r) => r.baselineLabel).filter((l): l is string => !!l))];
    const notes = [...new Set(rows.map((r) => r.note).filter((n): n is string => !!n))];
    if (labels.length > 0) out.push('', `Baselines: ${labels.join('; ')}.`);
    if (notes.length > 0) out.push('', `Notes: ${notes.join('; ')}.`);
    out.push('');
  }
  out.push(...issueTargets(res));
  const targets = res.rows.filter((r) => r.target);
  if (targets.length > 0) {
    out.push('#### Targets', '');
    for (const r of targets) out.push(`- ${r.targetMet ? 'met' : '**missed**'}: ${r.name}${r.projectSize ? ` at ${r.projectSize.toLocaleString('en-US')} models` : ''}, ${r.target} (ours ${fmt(r.value, r.unit)}${r.p95 !== undefined && r.target?.startsWith('p95') ? `, p95 ${fmt(r.p95, r.unit)}` : ''})`);
    out.push('');
  }
  if (res.missing.length > 0) out.push(`Missing from this run: ${res.missing.join(', ')}.`, '');
  return out.join('\n');
}

/** Issue 13's target table (real shape, 1,000 models), one row per target, met or missed, or not measured in this run. */
function issueTargets(res: Results): string[] {
  const out = ['#### Targets of issue 13 (real shape, 1,000 models)', '', '| Target | Measured | Ratio | Met |', '|---|---:|---:|---|'];
  for (const [id, text] of Object.entries(ISSUE_TARGETS) as [IssueTarget, string][]) {
    // A target may be decided by several rows (hover and definition): met when all are.
    const rows = res.rows.filter((x) => x.issueTarget === id);
    if (rows.length === 0) {
      out.push(`| ${text} | not measured in this run | | |`);
      continue;
    }
    const value = rows.map((r) => `${r.target?.startsWith('p95') ? `p95 ${fmt(r.p95, r.unit)}` : fmt(r.value, r.unit)} (${r.name})`).join('; ');
    out.push(`| ${text} | ${value} | ${rows.map(ratioText).join('; ')} | ${rows.every((r) => r.targetMet) ? 'met' : '**missed**'} |`);
  }
  out.push('');
  return out;
}

function consoleTable(res: Results): string {
  const header = ['measurement', 'models', 'baseline', 'ours', 'ratio', 'runs', 'target'];
  const body = res.rows.map((r) => [r.name, r.projectSize === null ? '' : String(r.projectSize), fmt(r.baseline, r.unit), fmt(r.value, r.unit), ratioText(r), String(r.runs), targetText(r)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** Replaces the results between the bench markers of README.md and bench/README.md; files without them are left alone. */
function updateReadmes(md: string): void {
  for (const rel of ['README.md', join('bench', 'README.md')]) {
    const path = join(repoRoot(), rel);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8');
    const start = text.indexOf(README_START);
    const end = text.indexOf(README_END);
    if (start < 0 || end < start) {
      process.stderr.write(`report: ${rel} has no ${README_START} ... ${README_END} markers; its table was not updated.\n`);
      continue;
    }
    writeFileSync(path, `${text.slice(0, start + README_START.length)}\n${md}\n${text.slice(end)}`);
  }
}

try {
  main();
} catch (e) {
  process.stderr.write(`report failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
