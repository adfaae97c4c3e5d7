// The re-parse after a one-line edit (issue 13), on the real shape: the
// worker as it ships (dbt's JSON artifacts written with json's C encoder:
// speed_up_json_artifacts in dbt_worker.py), the same worker with dbt's own
// writer (DBT_CONDUCTOR_BENCH_DBT_JSON_WRITE=1, a switch only this bench
// uses), and a cold `dbt parse`, taken in turn round by round: each edits
// the model's file once more, so each side parses exactly one changed file.
//
//   node out/bench/reparse.main.js --sizes 1000 --runs 5 --out rows.json
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProjectRunner } from '../src/runner/api';
import { cold } from './lib/coldCli';
import { progress } from './lib/log';
import { pickModel } from './lib/pickModel';
import { argValue, intArg, sizesArg } from './lib/paths';
import { benchSizes, type BenchProject } from './lib/projects';
import { makeRow, type BenchRow } from './lib/rows';
import { benchRunner } from './lib/runner';

async function main(): Promise<void> {
  const runs = intArg('runs', 5);
  await benchSizes(sizesArg('sizes', [1000]), 'real', argValue('out'), progress, (project) => benchProject(project, runs));
}

/** Wall time of the worker's re-parse, from the request to the result. */
async function reparse(runner: ProjectRunner): Promise<number> {
  const started = performance.now();
  const r = await runner.invoke({ args: ['parse'] });
  const wall = performance.now() - started;
  if (r.exitCode !== 0) throw new Error(`worker re-parse failed (exit ${r.exitCode}): ${r.exception?.message ?? ''}`);
  if (!r.parsed) throw new Error('The worker answered the re-parse without parsing: the edit was not seen.');
  return wall;
}

async function benchProject(project: BenchProject, runs: number): Promise<BenchRow[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'dbt-conductor-bench-reparse-'));
  const ours = benchRunner(project, join(scratch, 'ours.json'));
  const dbts = benchRunner(project, join(scratch, 'dbts.json'), { DBT_CONDUCTOR_BENCH_DBT_JSON_WRITE: '1' });
  const model = pickModel((await ours.parse()).manifestPath ?? join(scratch, 'ours.json'));
  await dbts.parse();
  const file = join(project.dir, model.originalFilePath);
  const original = readFileSync(file, 'utf8');
  const sides = { ours: [] as number[], dbts: [] as number[], cold: [] as number[] };
  try {
    await reparse(ours); // warm-up: first-use costs in the worker
    await reparse(dbts);
    for (let i = 0; i < runs; i++) {
      appendFileSync(file, `\n-- bench edit ${i}a\n`);
      sides.cold.push((await cold(project, ['parse'])).wallMs);
      appendFileSync(file, `-- bench edit ${i}b\n`);
      sides.dbts.push(await reparse(dbts));
      appendFileSync(file, `-- bench edit ${i}c\n`);
      sides.ours.push(await reparse(ours));
      progress(`${project.size} models (real), re-parse #${i + 1}: cold ${Math.round(sides.cold[i]!)} ms, dbt's writer ${Math.round(sides.dbts[i]!)} ms, ours ${Math.round(sides.ours[i]!)} ms`);
    }
  } finally {
    writeFileSync(file, original);
    await reparse(ours).catch(() => undefined); // leave partial_parse.msgpack matching the restored file
    await Promise.all([ours.dispose(), dbts.dispose()]);
    rmSync(scratch, { recursive: true, force: true });
  }
  const what = `re-parse after a one-line edit [real shape], worker writing manifest.json with json's C encoder`;
  return [
    makeRow({
      name: `${what}, vs dbt's own writer`,
      projectSize: project.size,
      unit: 'ms',
      ours: sides.ours,
      baseline: sides.dbts,
      baselineLabel: "the same worker with dbt's json.dump writer (DBT_CONDUCTOR_BENCH_DBT_JSON_WRITE=1), in turn round by round",
      note: 'both write the same bytes (test/integration/runner-artifacts.test.ts)',
    }),
    makeRow({
      name: `${what}, vs cold \`dbt parse\``,
      projectSize: project.size,
      unit: 'ms',
      ours: sides.ours,
      baseline: sides.cold,
      baselineLabel: 'cold CLI: new `dbt parse` process (partial parsing)',
    }),
  ];
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
