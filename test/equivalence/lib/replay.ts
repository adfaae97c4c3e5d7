// Replays one sequence of steps on a warm side and a cold side (separate
// copies of the same template, run side by side) and compares them after
// every dbt step; shrinks a failing sequence to the shortest one found that
// still shows a difference.
import { closeSide, openSide, runStep, type Template } from './side';
import { differences, observe } from './observe';
import type { ProjectSpec } from './projects';
import { describeStep, type Step } from './steps';
import type { EquivalenceTarget } from './target';

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
      if (process.env.EQUIV_VERBOSE) console.log(`    ${index + 1}. ${describeStep(step)} (${Math.round(performance.now() - t0)} ms; exit ${a?.exitCode ?? '-'}/${b?.exitCode ?? '-'})`);
      if (a === undefined || b === undefined) continue;
      commands++;
      const [oa, ob] = await Promise.all([observe(warm, step, a), observe(cold, step, b)]);
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
