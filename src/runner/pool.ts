// At most one ProjectRunner (so at most one worker) per dbt project root.
// Runners start nothing until used, so a workspace with many projects costs
// nothing for the projects nobody runs.
import { resolve } from 'node:path';
import { manifestPathFor } from '../dbt/manifestPath';
import type { ProjectRunner, RunnerOptions } from './api';
import { createProjectRunner } from './runner';

export type PoolOptions = Omit<RunnerOptions, 'projectRoot' | 'manifestPath'> & {
  /** Folder for the slim manifests, one file per project (e.g. the extension's storage folder). */
  manifestDir: string;
};

export class RunnerPool {
  private readonly runners = new Map<string, ProjectRunner>();

  constructor(private readonly options: PoolOptions) {}

  /** The runner of the project at `projectRoot`, created on first use. */
  get(projectRoot: string): ProjectRunner {
    const root = resolve(projectRoot);
    let runner = this.runners.get(root);
    if (!runner) {
      const { manifestDir, ...rest } = this.options;
      runner = createProjectRunner({ ...rest, projectRoot: root, manifestPath: manifestPathFor(manifestDir, root) });
      this.runners.set(root, runner);
    }
    return runner;
  }

  has(projectRoot: string): boolean {
    return this.runners.has(resolve(projectRoot));
  }

  get size(): number {
    return this.runners.size;
  }

  /** Stops one project's runner (e.g. its folder was removed, or settings changed). */
  async release(projectRoot: string): Promise<void> {
    const root = resolve(projectRoot);
    const runner = this.runners.get(root);
    this.runners.delete(root);
    await runner?.dispose();
  }

  async dispose(): Promise<void> {
    const all = [...this.runners.values()];
    this.runners.clear();
    await Promise.all(all.map((r) => r.dispose()));
  }
}
