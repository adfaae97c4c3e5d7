// Where a whole-project `dbt build` waits before its first node, on the real
// shape with every model built. For `build` (only), dbt adds an edge from
// each test to the nodes downstream of what it tests, so that they wait for
// it (compilation.py, Linker.add_test_edges). Its default method adds an
// edge to every descendant; dbt's flag --use-fast-test-edges (dbt >= 1.10,
// documented in 2026) adds only the edges needed for the same order. Both
// sides are the same warm worker taking turns run by run: `build` with the
// flag, as the editor sends it (src/dbt/fastTestEdges.ts), and without it
// (dbt's default; the setting dbtConductor.build.fastTestEdges off). Each
// build is cancelled at its first node event.
//
//   node out/bench/testedges.main.js --sizes 1000,3000 --runs 5 --out rows.json
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawDbtEvent } from '../src/dbt/protocol';
import type { ProjectRunner } from '../src/runner/api';
import { buildEveryModel } from './lib/database';
import { progress } from './lib/log';
import { argValue, intArg, sizesArg } from './lib/paths';
import { benchSizes, type BenchProject } from './lib/projects';
import { makeRow, type BenchRow } from './lib/rows';
import { benchRunner } from './lib/runner';
import { expectOk, hasNode, isNum, ms } from './lib/warm';

const FAST = '--use-fast-test-edges';
/** Bound on one build's set-up (dbt's default method takes minutes on large projects under load). */
const SETUP_TIMEOUT_MS = 15 * 60_000;

interface SetupSample {
  /** Request -> dbt's FoundStats (the graph linked, test edges included). */
  graphReadyMs?: number;
  /** Request -> the first event naming a node. */
  firstNodeMs?: number;
}

async function main(): Promise<void> {
  const runs = intArg('runs', 5);
  await benchSizes(sizesArg('sizes', [1000, 3000]), 'real', argValue('out'), progress, (project) => benchProject(project, runs));
}

/** `args` through the warm worker until its first node event, then cancelled as the user's Cancel does. */
async function untilFirstNode(runner: ProjectRunner, args: string[]): Promise<SetupSample> {
  const controller = new AbortController();
  const started = performance.now();
  const sample: SetupSample = {};
  const onEvent = (e: RawDbtEvent) => {
    if (sample.graphReadyMs === undefined && e.info.name === 'FoundStats') sample.graphReadyMs = performance.now() - started;
    if (sample.firstNodeMs === undefined && hasNode(e)) {
      sample.firstNodeMs = performance.now() - started;
      controller.abort();
    }
  };
  const timer = setTimeout(() => controller.abort(), SETUP_TIMEOUT_MS);
  try {
    const result = await runner.invoke({ args }, { onEvent, signal: controller.signal });
    if (sample.firstNodeMs === undefined) throw new Error(`dbt ${args.join(' ')} started no node (exit ${result.exitCode}${result.cancelled ? ', cancelled at the time limit' : ''}): ${result.exception?.message ?? ''}`);
    if (result.parsed) throw new Error(`The worker re-parsed for dbt ${args.join(' ')}: its manifest cache did not hold.`);
    return sample;
  } finally {
    clearTimeout(timer);
  }
}

async function benchProject(project: BenchProject, runs: number): Promise<BenchRow[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'dbt-conductor-bench-testedges-'));
  const runner = benchRunner(project, join(scratch, 'manifest.json'));
  try {
    expectOk(await runner.parse(), 'initial parse');
    await buildEveryModel(project, runner);
    await untilFirstNode(runner, ['build']); // warm-ups of both sides
    await untilFirstNode(runner, ['build', FAST]);
    const dbts: SetupSample[] = [];
    const fast: SetupSample[] = [];
    for (let i = 0; i < runs; i++) {
      dbts.push(await untilFirstNode(runner, ['build']));
      fast.push(await untilFirstNode(runner, ['build', FAST]));
      const line = (s: SetupSample) => `first node ${ms(s.firstNodeMs)} (graph ${ms(s.graphReadyMs)})`;
      progress(`${project.size} models (real), build #${i + 1}: dbt's default ${line(dbts[i]!)}, ${FAST} ${line(fast[i]!)}`);
    }
    return setupRows(project.size, fast, dbts);
  } finally {
    await runner.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function setupRows(size: number, fast: SetupSample[], dbts: SetupSample[]): BenchRow[] {
  const what = 'dbt build of the whole project (warm) [real shape, all models built], test edges';
  const label = `the same warm worker, \`build\` without ${FAST} (dbt's default), in turn run by run`;
  const pick = (s: SetupSample[], k: keyof SetupSample) => s.map((x) => x[k]).filter(isNum);
  const row = (name: string, k: keyof SetupSample, note?: string) =>
    makeRow({ name: `${what}: ${name}`, projectSize: size, unit: 'ms', ours: pick(fast, k), baseline: pick(dbts, k), baselineLabel: label, note });
  return [
    row(`request -> first node event, with ${FAST}`, 'firstNodeMs', 'cancelled at the first node'),
    row(`request -> graph ready (FoundStats), with ${FAST}`, 'graphReadyMs', "dbt's compile of the graph: linking, test edges, cycle check"),
  ];
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
