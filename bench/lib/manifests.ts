// Real manifest.json files of the generated projects: one `dbt parse` per
// generator version, shape and size, into a private target path, cached in
// .cache/bench/lsp/<generator key>/m<size>/. The language-server and lineage
// benches and the lineage unit tests read them.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { progress } from './log';
import { benchDbt, cacheDir } from './paths';
import { generatorKey, prepareProject, type BenchProject, type Shape } from './projects';

const run = promisify(execFile);
const PARSE_TIMEOUT_MS = 60 * 60_000;

/** Where the manifest of a `size`-model project is (or will be) cached. */
export function cachedManifestPath(size: number, shape: Shape = 'synthetic'): string {
  return join(cacheDir(), 'lsp', generatorKey(shape), `m${size}`, 'manifest.json');
}

/** A real manifest.json of the project, parsed once and cached. */
export async function manifestOf(project: BenchProject): Promise<string> {
  const manifest = cachedManifestPath(project.size, project.shape);
  if (!existsSync(manifest)) await parseInto(project.dir, manifest, project.env);
  return manifest;
}

/** `dbt parse` of the project in `dir` into a private target path; its manifest.json is moved to `manifest`. */
export async function parseInto(dir: string, manifest: string, env: Record<string, string>): Promise<void> {
  const base = join(manifest, '..');
  mkdirSync(base, { recursive: true });
  const target = join(base, 'target');
  progress(`dbt parse of ${dir} (once; cached in ${base})`);
  const started = performance.now();
  await run(benchDbt(), ['parse', '--project-dir', dir, '--profiles-dir', dir, '--target-path', target, '--log-path', join(base, 'logs')], {
    env: { ...process.env, ...env },
    timeout: PARSE_TIMEOUT_MS,
    maxBuffer: 256 * 1024 * 1024,
  });
  progress(`parsed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  renameSync(join(target, 'manifest.json'), manifest);
  rmSync(target, { recursive: true, force: true });
}

/** The cached manifest of a generated `size`-model project, generating and parsing it first when needed. */
export async function generatedManifest(size: number): Promise<string> {
  const cached = cachedManifestPath(size);
  if (existsSync(cached)) return cached;
  const project = await prepareProject(size, progress);
  try {
    return await manifestOf(project);
  } finally {
    project.cleanup();
  }
}
