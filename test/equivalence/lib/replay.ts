// Replays one sequence of steps on a warm side and a cold side (separate
// copies of the same template, run side by side) and compares them after
// every dbt step; shrinks a failing sequence to the shortest one found that
// still shows a difference.
import { closeSide, openSide, runStep, type Template } from './side';
import { differences, observe } from './observe';
import type { ProjectSpec } from './projects';
import { describeStep, type Step } from './steps';
import type { EquivalenceTarget } from './target';

const verbose = (line: string): void => {
  if (process.env.EQUIV_VERBOSE) console.log(`    ${line}`);
};

export interface CaseContext {
  project: ProjectSpec;
  template: Template;
  target: EquivalenceTarget;
  python: string;
}

export interface Replay {
  /** Steps applied (up to and including the one that differed). */
  ran: number;
  commands: number;
  difference?: { index: number; diffs: string[] };
}

/** What one seeded case did; `failure` is the report printed when warm and cold differ. */
export interface CaseOutcome extends Replay {
  failure?: string;
}

/**
 * Replays a case; on a difference, prints it at once (shrinking replays the
 * case several times), shrinks it and returns the report: the seed, the
 * differences, the sequence, the shortest one found, and how to replay it.
 */
export async function runCase(ctx: CaseContext, seed: number, steps: readonly Step[], shrinkTries: number, replayCommand: string): Promise<CaseOutcome> {
  const r = await replay(ctx, steps);
  if (!r.difference) return r;
  const found = `warm and cold differ (seed ${seed}, project ${ctx.project.name}, ${ctx.target.name}) at step ${r.difference.index + 1}:\n${r.difference.diffs.slice(0, 20).map((d) => `  - ${d}`).join('\n')}`;
  console.log(found);
  const failing = steps.slice(0, r.difference.index + 1);
  const shortest = await shrink(ctx, failing, shrinkTries);
  const failure = [
    found,
    'sequence:', formatSequence(failing),
    'shortest sequence found that still differs:', formatSequence(shortest),
    `replay: EQUIV_SEED=${seed} ${replayCommand}`,
  ].join('\n');
  return { ...r, failure };
}

export async function replay(ctx: CaseContext, steps: readonly Step[]): Promise<Replay> {
  const { project, template, target, python } = ctx;
  const [warm, cold] = await Promise.all([
    openSide('warm', project, template, target, python),
    openSide('cold', project, template, target, python),
  ]);
  let commands = 0;
  try {
    for (const [index, step] of steps.entries()) {
      const t0 = performance.now();
      const [a, b] = await Promise.all([runStep(warm, step, project), runStep(cold, step, project)]);
      const t1 = performance.now();
      if (a === undefined || b === undefined) {
        verbose(`${index + 1}. ${describeStep(step)} (${Math.round(t1 - t0)} ms)`);
        continue;
      }
      commands++;
      const [oa, ob] = await Promise.all([observe(warm, step, a), observe(cold, step, b)]);
      // Where a step's time goes: dbt's own elapsed time on each side, then both observations.
      verbose(`${index + 1}. ${describeStep(step)} (exit ${a.exitCode}/${b.exitCode}; ${Math.round(t1 - t0)} ms: warm ${Math.round(a.elapsedSeconds * 1000)}, cold ${Math.round(b.elapsedSeconds * 1000)}; observed in ${Math.round(performance.now() - t1)} ms)`);
      const diffs = differences(oa, ob);
      if (diffs.length > 0) return { ran: index + 1, commands, difference: { index, diffs } };
    }
    return { ran: steps.length, commands };
  } finally {
    await Promise.all([closeSide(warm), closeSide(cold)]);
  }
}

/**
 * The shortest sequence found, by dropping one step at a time (first to last)
 * and keeping each drop after which a difference remains. Bounded by `tries` replays.
 */
export async function shrink(ctx: CaseContext, failing: readonly Step[], tries: number): Promise<Step[]> {
  let best = [...failing];
  let left = tries;
  for (let i = 0; i < best.length && left > 0; ) {
    const candidate = best.filter((_, j) => j !== i);
    left--;
    const r = await replay(ctx, candidate);
    if (r.difference) best = candidate.slice(0, r.difference.index + 1);
    else i++;
  }
  return best;
}

export function formatSequence(steps: readonly Step[]): string {
  return steps.map((s, i) => `  ${i + 1}. ${describeStep(s)}`).join('\n');
}
