// The steps of an equivalence case and their seeded generation: dbt commands
// with selectors drawn from the project, a cancel in the middle of a run, and
// changes between commands (file edits, changes made in the database from
// another connection, saving target/manifest.json as --state).
import type { ProjectSpec } from './projects';
import type { Random } from './random';
import type { RelationRef } from './target';

export type Step =
  | { kind: 'dbt'; args: string[] }
  /** Cancelled once the slow model's query runs and `others` have finished (the same point on both sides). */
  | { kind: 'cancel'; args: string[]; others: string[]; slow: string }
  | { kind: 'edit'; edit: string; variant: number }
  | { kind: 'external'; op: 'drop' | 'create'; relation: RelationRef }
  | { kind: 'save-state' };

/** Where save-state puts target/manifest.json; a dot-folder, so it is not part of the parse. */
export const STATE_DIR = '.state';

export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'dbt':
      return `dbt ${step.args.map((a) => (/[\s{}'"]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`;
    case 'cancel':
      return `cancel: dbt ${step.args.join(' ')} (cancelled while ${step.slow} runs)`;
    case 'edit':
      return `edit ${step.edit} #${step.variant}`;
    case 'external':
      return `outside dbt: ${step.op} ${step.relation.schemaSuffix ? `<schema>_${step.relation.schemaSuffix}` : '<schema>'}.${step.relation.name}`;
    case 'save-state':
      return `save target/manifest.json to ${STATE_DIR}/`;
  }
}

/** `commands` dbt commands, each preceded half of the time by one change. */
export function generateSteps(rng: Random, project: ProjectSpec, alternateTarget: string, commands: number): Step[] {
  const steps: Step[] = [];
  let stateSaved = false;
  for (let i = 0; i < commands; i++) {
    if (rng.chance(0.5)) {
      const change = generateChange(rng, project, stateSaved);
      if (change.kind === 'save-state') stateSaved = true;
      steps.push(change);
    }
    steps.push(generateCommand(rng, project, alternateTarget, stateSaved));
  }
  return steps;
}

function generateChange(rng: Random, project: ProjectSpec, stateSaved: boolean): Step {
  const kind = rng.weighted({ edit: 7, external: 2, save: stateSaved ? 1 : 2 });
  if (kind === 'save') return { kind: 'save-state' };
  if (kind === 'external') {
    return rng.chance(0.7)
      ? { kind: 'external', op: 'drop', relation: rng.pick(project.relations) }
      : { kind: 'external', op: 'create', relation: { name: 'made_outside_dbt' } };
  }
  const edit = rng.pick(Object.keys(project.edits));
  return { kind: 'edit', edit, variant: rng.int(project.edits[edit].length) };
}

function generateCommand(rng: Random, project: ProjectSpec, alternateTarget: string, stateSaved: boolean): Step {
  const command = rng.weighted({
    run: 3, build: 3, test: 2, compile: 2, show: 1, seed: 1, snapshot: 1, ls: 1, parse: 1, retry: 1, cancel: 1,
  });
  if (command === 'cancel') return { kind: 'cancel', ...project.cancel };
  if (command === 'retry') return { kind: 'dbt', args: ['retry'] };
  const args: string[] = [command];
  if (command === 'show') {
    if (rng.chance(0.3)) args.push('--inline', rng.pick(project.inlineSql));
    else args.push('--select', rng.pick(project.models));
    args.push('--limit', '3');
  } else if (command === 'seed') {
    if (rng.chance(0.4)) args.push('--select', rng.pick(project.seeds));
  } else if (command !== 'parse' && command !== 'snapshot') {
    args.push(...selection(rng, project, stateSaved));
  }
  if (['run', 'build', 'seed'].includes(command) && rng.chance(0.2)) args.push('--full-refresh');
  if (rng.chance(0.15)) args.push('--vars', rng.pick(project.varSets));
  if (rng.chance(0.1)) args.push('--target', alternateTarget);
  const deferrable = ['run', 'build', 'test', 'compile', 'show'].includes(command);
  if (deferrable && stateSaved && rng.chance(0.15) && !args.includes('--state')) args.push('--defer', '--state', STATE_DIR);
  return { kind: 'dbt', args };
}

function selection(rng: Random, project: ProjectSpec, stateSaved: boolean): string[] {
  const m = rng.pick(project.models);
  const how = rng.weighted({ all: 2, model: 3, parents: 2, children: 2, tag: 1, path: 1, modified: stateSaved ? 2 : 0 });
  const select = {
    all: [],
    model: ['--select', m],
    parents: ['--select', `+${m}`],
    children: ['--select', `${m}+`],
    tag: ['--select', `tag:${rng.pick(project.tags)}`],
    path: ['--select', `path:${rng.pick(project.paths)}`],
    modified: ['--select', 'state:modified', '--state', STATE_DIR],
  }[how];
  const exclude = rng.chance(0.15) ? ['--exclude', rng.pick(project.models)] : [];
  return [...select, ...exclude];
}
