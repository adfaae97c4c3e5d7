// The warm run's relation cache (issue 13), on the real shape with every
// model built: before the nodes run, dbt lists the project's schemas and
// caches their relations. The worker passes dbt's own --cache-selected-only
// to warm run/build/seed/snapshot unless the user chose, and fills the cache
// without one debug event per relation (run_warm and speed_up_relation_cache
// in dbt_worker.py). Three sides of `run -s one_model` take turns run by run:
// the worker as it ships, the same worker with --no-cache-selected-only in
// the args (the user's choice, so the worker adds nothing: dbt's default
// scope), and a cold `dbt run -s` in a terminal.
//
//   node out/bench/relcache.main.js --sizes 1000 --runs 5 --out rows.json
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawDbtEvent } from '../src/dbt/protocol';
import type { ProjectRunner } from '../src/runner/api';
import { cold, type ColdSample } from './lib/coldCli';
import { buildEveryModel } from './lib/database';
import { progress } from './lib/log';
import { argValue, intArg, sizesArg } from './lib/paths';
import { pickModel } from './lib/pickModel';
import { benchSizes, type BenchProject } from './lib/projects';
import { makeRow, type BenchRow } from './lib/rows';
import { benchRunner } from './lib/runner';
import { expectOk, isNum, ms, warm, type WarmSample } from './lib/warm';

const DEFAULT_SCOPE = '--no-cache-selected-only';

async function main(): Promise<void> {
  const runs = intArg('runs', 5);
  await benchSizes(sizesArg('sizes', [1000]), 'real', argValue('out'), progress, (project) => benchProject(project, runs));
}

/** The cache scope dbt says it ran with (MainReportArgs, a debug event: sent with verboseEvents). */
async function reportedScope(runner: ProjectRunner, args: string[]): Promise<string> {
  let scope = 'not reported';
  const onEvent = (e: RawDbtEvent) => {
    const reported = e.info.name === 'MainReportArgs' ? (e.data as { args?: Record<string, unknown> }).args : undefined;
    if (reported && 'cache_selected_only' in reported) scope = String(reported.cache_selected_only);
  };
  expectOk(await runner.invoke({ args, verboseEvents: true }, { onEvent }), `worker: dbt ${args.join(' ')}`, true);
  return scope;
}

/**
 * Each side ran with the cache scope it is named for: else the rows would
 * compare a side with itself (a DBT_CACHE_SELECTED_ONLY in the bench's
 * environment, or a project flag, makes the worker leave dbt's default).
 */
async function checkScopes(runner: ProjectRunner, args: string[]): Promise<void> {
  const ours = await reportedScope(runner, args);
  const dbts = await reportedScope(runner, [...args, DEFAULT_SCOPE]);
  if (ours !== 'True' || dbts !== 'False') {
    throw new Error(`The worker ran with cache_selected_only=${ours} (expected True) and, given ${DEFAULT_SCOPE}, ${dbts} (expected False): check DBT_CACHE_SELECTED_ONLY and the project's flags.`);
  }
}

interface Sides {
  ours: WarmSample[];
  dbts: WarmSample[];
  cold: ColdSample[];
}

async function benchProject(project: BenchProject, runs: number): Promise<BenchRow[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'dbt-conductor-bench-relcache-'));
  const runner = benchRunner(project, join(scratch, 'manifest.json'));
  try {
    const parse = await runner.parse();
    expectOk(parse, 'initial parse');
    const model = pickModel(parse.manifestPath ?? join(scratch, 'manifest.json'));
    progress(`${project.size} models (real): the one model is ${model.name} (${model.ancestors} ancestors, ${model.tests} tests)`);
    await buildEveryModel(project, runner);
    const args = ['run', '-s', model.name];
    await checkScopes(runner, args); // also the warm-ups of both worker sides
    await cold(project, args, model.uniqueId); // warm-up: file caches for the CLI
    const sides: Sides = { ours: [], dbts: [], cold: [] };
    for (let i = 0; i < runs; i++) {
      sides.cold.push(await cold(project, args, model.uniqueId));
      sides.dbts.push((await warm(runner, [...args, DEFAULT_SCOPE], model.uniqueId)).sample);
      sides.ours.push((await warm(runner, args, model.uniqueId)).sample);
      const line = (s: { wallMs: number; firstNodeMs?: number }) => `${ms(s.wallMs)} (first node ${ms(s.firstNodeMs)})`;
      progress(`${project.size} models (real), run #${i + 1}: cold ${line(sides.cold[i]!)}, dbt's scope ${line(sides.dbts[i]!)}, ours ${line(sides.ours[i]!)}`);
    }
    return relcacheRows(project.size, sides);
  } finally {
    await runner.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function relcacheRows(size: number, sides: Sides): BenchRow[] {
  const what = 'dbt run -s one_model (warm) [real shape, all models built], relation cache of the selected schemas';
  const first = (s: { firstNodeMs?: number }[]) => s.map((x) => x.firstNodeMs).filter(isNum);
  const setUp = (s: WarmSample[]) => s.filter((x) => isNum(x.graphReadyMs) && isNum(x.firstNodeMs)).map((x) => x.firstNodeMs! - x.graphReadyMs!);
  const dbtsLabel = `the same warm worker given ${DEFAULT_SCOPE} (dbt's default: every schema of the project cached), in turn run by run`;
  const coldLabel = 'cold CLI: new `dbt run -s one_model` process in a terminal (dbt\'s default scope)';
  const row = (name: string, ours: number[], baseline: number[], baselineLabel: string, note?: string) =>
    makeRow({ name: `${what}: ${name}`, projectSize: size, unit: 'ms', ours, baseline, baselineLabel, note });
  return [
    row("latency, vs dbt's default scope", sides.ours.map((x) => x.wallMs), sides.dbts.map((x) => x.wallMs), dbtsLabel),
    row("request -> first node event, vs dbt's default scope", first(sides.ours), first(sides.dbts), dbtsLabel),
    row(
      "DAG ready (FoundStats) -> first node event, vs dbt's default scope",
      setUp(sides.ours),
      setUp(sides.dbts),
      dbtsLabel,
      "dbt's before_run: the relation cache, schema creation, on-run-start hooks",
    ),
    row('latency, vs cold CLI', sides.ours.map((x) => x.wallMs), sides.cold.map((x) => x.wallMs), coldLabel),
    row('request -> first node event, vs cold CLI', first(sides.ours), first(sides.cold), 'cold CLI: first "START" line on stdout'),
  ];
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
