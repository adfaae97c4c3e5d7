// Where a project's slim manifest lives: one scheme for the extension
// (ManifestStore, in its storage folder) and for the tests that make
// runners themselves (the RunnerPool of test/reliability/load.test.ts).
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';

/** <dir>/<project folder name>-<hash of its path>.json: stable per project, readable in a listing. */
export function manifestPathFor(dir: string, projectRoot: string): string {
  const root = resolve(projectRoot);
  const hash = createHash('sha256').update(root).digest('hex').slice(0, 12);
  const name = root.split(/[\\/]/).pop()?.replace(/[^\w.-]/g, '_') || 'project';
  return join(dir, `${name}-${hash}.json`);
}
