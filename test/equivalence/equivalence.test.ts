// The equivalence layer: seeded random sequences of dbt commands and edits,
// replayed on one warm worker and on a fresh `dbt` process per step, on
// separate copies of the same fixture project, compared after every command
// (see lib/observe.ts). A difference fails the case with its seed and the
// shortest sequence found that shows it.
//
//   EQUIV_CASES (16; with the 4 on PostgreSQL, 20 sequences in npm test)  EQUIV_STEPS (6 commands per case)  EQUIV_SEED (first case's seed)
//   EQUIV_PROJECTS (shop,jaffle)  EQUIV_SHRINK_TRIES (12)  EQUIV_VERBOSE (print each step and its times)
//   EQUIV_CONCURRENCY (cases run at once; the machine's cores, at most 4; 1 keeps EQUIV_VERBOSE lines in order)
//   EQUIV_SUMMARY (file name under out/results, default equivalence-summary.json)
//   EQUIV_PG_CASES (4): then as many cases on PostgreSQL (the tests' server, scripts/postgres.sh),
//   seeds from EQUIV_SEED too, summary in equivalence-postgres-summary.json
// Case i uses seed EQUIV_SEED + i; the seed picks the project and the steps,
// so `EQUIV_SEED=<seed> EQUIV_CASES=1` replays one case exactly
// (`EQUIV_SEED=<seed> EQUIV_CASES=0 EQUIV_PG_CASES=1` on PostgreSQL).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pythonPath, repoRoot } from '../fixtures/lib/fixtures';
import { duckdbTarget } from './lib/duckdbTarget';
import { postgresTarget } from './lib/postgresTarget';
import { PROJECTS, type ProjectSpec } from './lib/projects';
import { Random } from './lib/random';
import { runCase, type CaseContext } from './lib/replay';
import { makeTemplate, type Template } from './lib/side';
import { generateSteps } from './lib/steps';
import type { EquivalenceTarget } from './lib/target';

const int = (name: string, fallback: number): number => {
  const v = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(v) ? v : fallback;
};
const CASES = int('EQUIV_CASES', 16);
const PG_CASES = int('EQUIV_PG_CASES', 4);
const COMMANDS = int('EQUIV_STEPS', 6);
const SEED = int('EQUIV_SEED', 1103);
const SHRINK_TRIES = int('EQUIV_SHRINK_TRIES', 12);
// Cases at once. Within a case the warm side mostly waits for the cold side's
// new dbt process, so one case keeps about one core busy: two cases fill two.
const CONCURRENCY = Math.max(1, int('EQUIV_CONCURRENCY', Math.min(availableParallelism(), 4)));
const wanted = (process.env.EQUIV_PROJECTS ?? '').split(',').filter(Boolean);
const projects = PROJECTS.filter((p) => wanted.length === 0 || wanted.includes(p.name));
const python = pythonPath('1.12');
const T = { timeout: 4 * 3_600_000 }; // a bound per case (shrinking included), not a speed check

/** `cases` seeded cases on one target; `summaryFile` under out/results; `replayEnv` replays one case on it. */
function suite(target: EquivalenceTarget, cases: number, summaryFile: string, replayEnv: string): void {
  const templates = new Map<string, Promise<Template>>();
  const templateOf = (project: ProjectSpec): Promise<Template> => {
    let t = templates.get(project.name);
    if (!t) templates.set(project.name, (t = makeTemplate(project, target, python)));
    return t;
  };

  const summary = { cases: 0, steps: 0, commands: 0, differences: 0, failedSeeds: [] as number[], byProject: {} as Record<string, number>, seconds: 0 };
  let started = 0;

  /** The summary file, rewritten after every case so a long run that is stopped still tells how far it got. */
  function writeSummary(): void {
    summary.seconds = Math.round((performance.now() - started) / 1000);
    const dir = join(repoRoot(), 'out', 'results');
    mkdirSync(dir, { recursive: true });
    const record = { date: new Date().toISOString(), target: target.name, firstSeed: SEED, casesPlanned: cases, commandsPerCase: COMMANDS, ...summary };
    writeFileSync(join(dir, summaryFile), `${JSON.stringify(record, null, 2)}\n`);
  }

  void describe(`warm equals cold: ${cases} seeded sequences of ${COMMANDS} commands (${target.name})`, { concurrency: CONCURRENCY }, () => {
    before(() => {
      started = performance.now();
    });
    after(async () => {
      writeSummary();
      await target.dispose();
    });

    for (let i = 0; i < cases; i++) {
      const seed = SEED + i;
      const project = projects[seed % projects.length];
      void it(`case ${i + 1}: seed ${seed}, ${project.name}`, T, async () => {
        const steps = generateSteps(new Random(seed), project, target.alternateTarget, COMMANDS);
        const ctx: CaseContext = { project, template: await templateOf(project), target, python };
        const r = await runCase(ctx, seed, steps, SHRINK_TRIES, `${replayEnv} EQUIV_STEPS=${COMMANDS} npm test -- equivalence`);
        summary.cases++;
        summary.steps += r.ran;
        summary.commands += r.commands;
        summary.byProject[project.name] = (summary.byProject[project.name] ?? 0) + 1;
        if (r.failure) {
          summary.differences++;
          summary.failedSeeds.push(seed);
        }
        writeSummary();
        if (r.failure) assert.fail(r.failure);
      });
    }
  });
}

suite(duckdbTarget(python), CASES, process.env.EQUIV_SUMMARY ?? 'equivalence-summary.json', 'EQUIV_CASES=1 EQUIV_PG_CASES=0');
// After the DuckDB cases (node:test runs top-level suites in order).
if (PG_CASES > 0) suite(postgresTarget(), PG_CASES, 'equivalence-postgres-summary.json', 'EQUIV_CASES=0 EQUIV_PG_CASES=1');
