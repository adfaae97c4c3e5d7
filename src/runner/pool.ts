// At most one ProjectRunner (so at most one worker) per dbt project root, for
// the editor (src/editor/runnerHost.ts) and the tests alike. Runners are made
// on first use, so a workspace with many projects costs nothing for the
// projects nobody runs. A runner made from settings that changed since (or
// marked outdated) is replaced once it has finished the work it was given.
// This file imports no runner code by value: the editor bundles it at
// activation, and the caller says how a runner is made.
import { resolve } from 'node:path';
import type { ProjectRunner } from './api';

/** What the pool keeps per project: the runner, and whatever the caller made with it. */
export interface Pooled {
  readonly runner: ProjectRunner;
}

/** How to make a project's runner, given on each `get`. */
export interface RunnerRecipe<T extends Pooled> {
  /** The settings the runner is made from (compared on each get, since a change event may come late). */
  settings?: string;
  /** Makes the runner for the (resolved) project root; may first resolve the interpreter. A failure is not kept: the next get tries again. */
  create: (projectRoot: string) => T | Promise<T>;
}

interface Slot<T> {
  made: Promise<T>;
  settings: string;
  /** Replace on the next get, once idle (the interpreter changed, or a restart found it busy). */
  outdated: boolean;
}

export class RunnerPool<T extends Pooled = Pooled> {
  private readonly slots = new Map<string, Slot<T>>();

  /**
   * The runner of the project at `projectRoot`: the one already made (or
   * being made) from the same settings, else a new one. New work never goes
   * to a runner made for old settings: its replacement starts once it has
   * finished what it was given (it may be writing to the database), and then
   * it stops.
   */
  get(projectRoot: string, recipe: RunnerRecipe<T>): Promise<T> {
    const root = resolve(projectRoot);
    const settings = recipe.settings ?? '';
    const slot = this.slots.get(root);
    if (slot && !slot.outdated && slot.settings === settings) return slot.made;
    const before = slot ? slot.made.then((old) => stopWhenIdle(old.runner), () => undefined) : Promise.resolve();
    const made = before.then(() => recipe.create(root));
    const fresh: Slot<T> = { made, settings, outdated: false };
    this.slots.set(root, fresh);
    made.catch(() => this.slots.get(root) === fresh && this.slots.delete(root));
    return made;
  }

  /** The runner made (or being made) for the project, without making one. */
  existing(projectRoot: string): Promise<T> | undefined {
    return this.slots.get(resolve(projectRoot))?.made;
  }

  has(projectRoot: string): boolean {
    return this.slots.has(resolve(projectRoot));
  }

  get size(): number {
    return this.slots.size;
  }

  /** Every runner is replaced on its next use, once idle (e.g. the interpreter changed). */
  markOutdated(): void {
    for (const slot of this.slots.values()) slot.outdated = true;
  }

  /**
   * Restarts every runner: idle ones stop now (the next get makes a new
   * one), busy ones are replaced on their next use once their work is done.
   * Returns how many there were.
   */
  async restartAll(): Promise<number> {
    const slots = [...this.slots.entries()];
    const made = await Promise.all(slots.map(([, slot]) => slot.made.catch(() => undefined)));
    let count = 0;
    for (const [i, [root, slot]] of slots.entries()) {
      const runner = made[i]?.runner;
      if (!runner) continue;
      count++;
      if (runner.busy || runner.queueLength > 0) slot.outdated = true;
      else {
        if (this.slots.get(root) === slot) this.slots.delete(root);
        await runner.dispose();
      }
    }
    return count;
  }

  /** Stops one project's runner (e.g. its folder was removed). */
  async release(projectRoot: string): Promise<void> {
    const root = resolve(projectRoot);
    const slot = this.slots.get(root);
    this.slots.delete(root);
    await slot?.made.then((m) => m.runner.dispose(), () => undefined);
  }

  async dispose(): Promise<void> {
    const all = [...this.slots.values()];
    this.slots.clear();
    await Promise.all(all.map((slot) => slot.made.then((m) => m.runner.dispose(), () => undefined)));
  }
}

async function stopWhenIdle(runner: ProjectRunner): Promise<void> {
  await runner.whenIdle();
  await runner.dispose();
}
