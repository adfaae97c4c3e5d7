// The heavy parts of the extension are bundles of their own in dist/ (see
// scripts/build.mjs), loaded with require() the first time they are needed,
// so that activation loads and compiles only dist/extension.js:
// - dist/lspClient.js (vscode-languageclient, ~430 kB) when the first dbt
//   project is found;
// - dist/runner.js (the runner and execa) on the first dbt command;
// - dist/yaml.js (the yaml package) on the first YAML read, through
//   yamlShim.ts: the project discovery right after activation.
// Only types cross from those files into this bundle at build time.
import { join } from 'node:path';
import type { RunnerError } from '../runner/api';
import type * as LspClientPart from './lspClientPart';
import type * as RunnerPart from './runnerPart';
import type * as YamlPart from './yamlPart';

let runner: typeof RunnerPart | undefined;
let yaml: typeof YamlPart | undefined;

export function loadRunner(): typeof RunnerPart {
  return (runner ??= load<typeof RunnerPart>('runner.js'));
}

export function loadYaml(): typeof YamlPart {
  return (yaml ??= load<typeof YamlPart>('yaml.js'));
}

export function loadLspClient(): typeof LspClientPart {
  return load<typeof LspClientPart>('lspClient.js');
}

/**
 * True for a RunnerError. They are made only by dist/runner.js, so the class
 * to check against is that bundle's (and none exists before it is loaded).
 */
export function isRunnerError(e: unknown): e is RunnerError {
  return runner !== undefined && e instanceof runner.RunnerError;
}

function load<T>(file: string): T {
  const path = join(__dirname, file);
  try {
    // A computed path, so esbuild leaves this require() alone: the file is a bundle next to this one.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path) as T;
  } catch (e) {
    throw new Error(`dbt Conductor could not load its part ${path} (${e instanceof Error ? e.message : String(e)}). Reinstall the extension, or run \`node scripts/build.mjs\` in a development checkout.`);
  }
}
