// One side of an equivalence case: a copy of the case's template (the
// project, its sibling packages, its database after the setup commands) and
// a runner on it: the warm worker, or a fresh `dbt` process per step (the
// CLI backend). Steps are applied to each side the same way.
import { cp, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { InvocationResult } from '../../../src/dbt/protocol';
import type { ProjectRunner } from '../../../src/runner/api';
import { createProjectRunner } from '../../../src/runner/runner';
import { copyFixture, fixturePath, repoRoot } from '../../fixtures/lib/fixtures';
import { whenSlowQueryRuns } from '../../fixtures/lib/slowQuery';
import type { ProjectSpec } from './projects';
import { STATE_DIR, type Step } from './steps';
import type { EquivalenceTarget, SideDatabase } from './target';

export type SideKind = 'warm' | 'cold';

/** The name of a side's work dir starts with this. */
export const sideDirPrefix = (kind: SideKind): string => `dbt-conductor-equiv-${kind}-`;

export interface Side {
  kind: SideKind;
  /** Holds the project folder, its sibling packages and (DuckDB) the database files. */
  workDir: string;
  projectDir: string;
  db: SideDatabase;
  runner: ProjectRunner;
}

export interface Template {
  workDir: string;
  db: SideDatabase;
}

const WORKER = (): string => join(repoRoot(), 'src', 'runner', 'dbt_worker.py');

function sideEnv(projectDir: string, db: SideDatabase): Record<string, string> {
  return { DBT_PROFILES_DIR: projectDir, DO_NOT_TRACK: '1', DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', ...db.env };
}

function makeRunner(kind: SideKind, workDir: string, projectDir: string, db: SideDatabase, python: string): ProjectRunner {
  return createProjectRunner({
    projectRoot: projectDir,
    python,
    workerScript: WORKER(),
    manifestPath: join(workDir, 'conductor', 'manifest.json'),
    backend: kind === 'warm' ? 'worker' : 'cli',
    env: sideEnv(projectDir, db),
    cancelGraceMs: 60_000,
    startTimeoutMs: 300_000, // bounds, not speed checks: importing dbt on a loaded 2-core machine is slow
  });
}

/** The fixture copied with its packages, then the project's setup commands run by a cold `dbt` (deps, seed). */
export async function makeTemplate(project: ProjectSpec, target: EquivalenceTarget, python: string): Promise<Template> {
  const fx = await copyFixture(project.name, { siblings: project.siblings });
  const db = await target.open(fx.root);
  const runner = makeRunner('cold', fx.root, fx.dir, db, python);
  try {
    for (const args of project.setup) {
      const r = await runner.invoke({ args });
      if (r.exitCode !== 0) throw new Error(`template of ${project.name}: dbt ${args.join(' ')} exited ${r.exitCode}: ${r.exception?.message ?? ''}`);
    }
  } finally {
    await runner.dispose();
  }
  return { workDir: fx.root, db };
}

export async function openSide(kind: SideKind, project: ProjectSpec, template: Template, target: EquivalenceTarget, python: string): Promise<Side> {
  const workDir = await mkdtemp(join(tmpdir(), sideDirPrefix(kind)));
  await cp(template.workDir, workDir, { recursive: true, verbatimSymlinks: true });
  const projectDir = join(workDir, project.name);
  await relinkPackages(join(projectDir, 'dbt_packages'), template.workDir, workDir);
  const db = await target.open(workDir, template.db);
  return { kind, workDir, projectDir, db, runner: makeRunner(kind, workDir, projectDir, db, python) };
}

/** `dbt deps` made absolute links into the template; point them at this copy's packages. */
async function relinkPackages(dir: string, from: string, to: string): Promise<void> {
  if (!existsSync(dir)) return;
  for (const name of await readdir(dir)) {
    const link = join(dir, name);
    let dest: string;
    try {
      dest = await readlink(link);
    } catch {
      continue; // a real folder (a hub package)
    }
    if (!dest.startsWith(from)) continue;
    await rm(link);
    await symlink(to + dest.slice(from.length), link);
  }
}

export async function closeSide(side: Side): Promise<void> {
  await side.runner.dispose();
  await side.db.close();
  await rm(side.workDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

/** Applies one step; dbt steps answer with the invocation's result. */
export async function runStep(side: Side, step: Step, project: ProjectSpec): Promise<InvocationResult | undefined> {
  switch (step.kind) {
    case 'dbt':
      return side.runner.invoke({ args: step.args });
    case 'cancel':
      return cancelMidRun(side.runner, step);
    case 'edit':
      await applyEdit(side.workDir, step.edit, project.edits[step.edit][step.variant]);
      return undefined;
    case 'external':
      await (step.op === 'drop' ? side.db.drop(step.relation) : side.db.create(step.relation));
      return undefined;
    case 'save-state': {
      const manifest = join(side.projectDir, 'target', 'manifest.json');
      await mkdir(join(side.projectDir, STATE_DIR), { recursive: true });
      if (existsSync(manifest)) await copyFile(manifest, join(side.projectDir, STATE_DIR, 'manifest.json'));
      else await rm(join(side.projectDir, STATE_DIR, 'manifest.json'), { force: true });
      return undefined;
    }
  }
}

/** Edit keys are "<kind> <path in the work dir>"; the variant is computed from the fixture's own text. */
async function applyEdit(workDir: string, key: string, variant: (original: string | undefined) => string | null): Promise<void> {
  const rel = key.slice(key.indexOf(' ') + 1);
  const [folder, ...rest] = rel.split('/');
  const source = join(fixturePath(folder), ...rest);
  const original = existsSync(source) ? await readFile(source, 'utf8') : undefined;
  const text = variant(original);
  const file = join(workDir, rel);
  if (text === null) {
    await rm(file, { force: true });
  } else {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
  }
}

/**
 * Runs the step's command and cancels it once the slow model's big query is
 * running and the other selected nodes have finished: the same point on both
 * sides, whatever the timing. When the slow query never runs, or fails at
 * once (a relation it reads is missing), the command just ends by itself, on
 * both sides alike.
 */
async function cancelMidRun(runner: ProjectRunner, step: Extract<Step, { kind: 'cancel' }>): Promise<InvocationResult> {
  const ac = new AbortController();
  const onEvent = whenSlowQueryRuns(() => ac.abort(), { slow: step.slow, others: step.others });
  return runner.invoke({ args: step.args, verboseEvents: true }, { signal: ac.signal, onEvent });
}
