// The warm worker as the benches drive it: ProjectRunner on the bench's
// Python and worker script, with the project's environment.
import type { ProjectRunner } from '../../src/runner/api';
import { createProjectRunner } from '../../src/runner/runner';
import { progress } from './log';
import { benchPython, workerScript } from './paths';
import type { BenchProject } from './projects';

/** `env` adds to the project's environment (a bench switch such as DBT_CONDUCTOR_BENCH_NO_RESTORE). */
export function benchRunner(project: BenchProject, manifestPath: string, env: Record<string, string> = {}): ProjectRunner {
  return createProjectRunner({
    projectRoot: project.dir,
    python: benchPython(),
    workerScript: workerScript(),
    manifestPath,
    backend: 'worker',
    env: { ...project.env, ...env },
    // Generous: the worker's start is slow on a busy 2-core machine.
    startTimeoutMs: 300_000,
    // Kept warm for the whole bench: an idle stop would make the next sample a cold start.
    idleTimeoutMs: 24 * 3600_000,
    cancelGraceMs: 10_000,
    log: (level, message) => {
      if (level === 'warn' || level === 'error') progress(`runner ${level}: ${message}`);
    },
  });
}
