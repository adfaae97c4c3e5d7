// What "warm equals cold" costs (issue 11): after every invocation the worker
// puts back the manifest state dbt mutated (restore_manifest_state in
// dbt_worker.py). Two warm workers on the same synthetic project, one with
// the restoration and one without (DBT_CONDUCTOR_BENCH_NO_RESTORE=1, a switch
// only this bench uses), alternate `dbt run -s one_model` run by run.
// Target: no more than 10% slower than without.
//
//   node out/bench/restore.main.js --sizes 1000,3000 --runs 5 --out rows.json
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProjectRunner } from '../src/runner/api';
import { progress } from './lib/log';
import { pickModel } from './lib/pickModel';
import { argValue, benchPython, intArg, repoRoot, sizesArg, workerScript } from './lib/paths';
import { benchSizes, type BenchProject } from './lib/projects';
import { makeRow, summarize, type BenchRow } from './lib/rows';
import { benchRunner } from './lib/runner';

async function main(): Promise<void> {
  const runs = intArg('runs', 5);
  await benchSizes(sizesArg('sizes', [1000, 3000]), 'synthetic', argValue('out'), progress, (project) => benchProject(project, runs));
}

/** bench/restore_cost.py: the restoration timed in-process, right after real warm runs. */
async function restoreCpu(project: BenchProject, model: string, runs: number): Promise<{ nodes: number; snapshotMs: number; restoreMs: number[] }> {
  const r = await execa(benchPython(), [join(repoRoot(), 'bench', 'restore_cost.py'), workerScript(), project.dir, model, String(runs)], {
    cwd: project.dir, env: { ...process.env, ...project.env }, reject: false, timeout: 30 * 60_000,
  });
  if (r.exitCode !== 0) throw new Error(`restore_cost.py failed (exit ${r.exitCode}): ${r.stderr.slice(-2000)}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { nodes: number; snapshot_ms: number; restore_ms: number[] };
  return { nodes: out.nodes, snapshotMs: out.snapshot_ms, restoreMs: out.restore_ms };
}

/** Wall time of one warm invocation; `failures` counts runs that did not succeed (without restoration, leaked state can fail a run). */
async function timed(runner: ProjectRunner, args: string[], failures: string[]): Promise<number> {
  const started = performance.now();
  const r = await runner.invoke({ args });
  const wall = performance.now() - started;
  if (r.exitCode > 1) throw new Error(`dbt ${args.join(' ')} failed (exit ${r.exitCode}): ${r.exception?.message ?? ''}`);
  if (r.exitCode === 1) failures.push(r.nodes.find((n) => n.message && n.status !== 'success')?.message?.split('\n').slice(0, 2).join(' ') ?? 'exit 1');
  if (r.parsed) throw new Error('The worker re-parsed: its manifest cache did not hold.');
  return wall;
}

async function benchProject(project: BenchProject, runs: number): Promise<BenchRow[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'dbt-conductor-bench-restore-'));
  // Each invocation of either worker is complete before the next starts: no DuckDB lock is shared.
  const restored = benchRunner(project, join(scratch, 'restored.json'));
  const plain = benchRunner(project, join(scratch, 'plain.json'), { DBT_CONDUCTOR_BENCH_NO_RESTORE: '1' });
  try {
    const parse = await restored.parse();
    const model = pickModel(parse.manifestPath ?? join(scratch, 'restored.json'));
    // Upstream first; like the dbt bench, a failing generated test or model there does not matter.
    const upstream = await restored.invoke({ args: ['build', '-s', `+${model.name}`] });
    if (upstream.exitCode > 1) throw new Error(`build +${model.name} failed: ${upstream.exception?.message ?? ''}`);
    await plain.parse();
    const args = ['run', '-s', model.name];
    const failedWith: string[] = [];
    const failedWithout: string[] = [];
    for (const r of [restored, plain]) await timed(r, args, []); // warm-ups
    const withRestore: number[] = [];
    const without: number[] = [];
    for (let i = 0; i < runs; i++) {
      without.push(await timed(plain, args, failedWithout));
      withRestore.push(await timed(restored, args, failedWith));
      progress(`${project.size} models, restore #${i + 1}: without ${Math.round(without[i])} ms, with ${Math.round(withRestore[i])} ms`);
    }
    await Promise.all([restored.dispose(), plain.dispose()]); // restore_cost.py opens the database itself
    const cpu = await restoreCpu(project, model.name, runs);
    return [
      makeRow({
        name: 'restore_manifest_state after `dbt run -s one_model`: CPU time in the worker',
        projectSize: project.size,
        unit: 'ms',
        ours: cpu.restoreMs,
        note: `process CPU time (a loaded machine does not inflate it); ${cpu.nodes} nodes; the snapshot after each parse took ${cpu.snapshotMs.toFixed(1)} ms`,
      }),
      makeRow({
        name: 'dbt run -s one_model (warm): with the manifest state restored after each invocation',
        projectSize: project.size,
        unit: 'ms',
        ours: withRestore,
        baseline: without,
        baselineLabel: 'the same warm run without the restoration (DBT_CONDUCTOR_BENCH_NO_RESTORE=1), alternated run by run',
        target: { text: 'at most 10% slower than without', met: (s) => s.median <= 1.1 * summarize(without).median && failedWith.length === 0 },
        note: `runs that failed: with restoration ${failedWith.length}, without ${failedWithout.length}${failedWithout.length ? ` (${failedWithout[0]})` : ''}`,
      }),
    ];
  } finally {
    await Promise.all([restored.dispose(), plain.dispose()]);
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
