// Which targets a project's profile offers, for the status bar's target
// switch. Reads only target names from profiles.yml (never credentials), and
// finds the file the way dbt does: --profiles-dir, DBT_PROFILES_DIR, the
// project folder, then ~/.dbt.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface ProfileTargets {
  /** The profile name from dbt_project.yml. */
  profile: string;
  /** Where profiles.yml was found. */
  profilesFile: string;
  targets: string[];
  /** The profile's `target:`; env_var('X', 'default') is resolved against `env`. */
  defaultTarget?: string;
}

/** The folders dbt would search for profiles.yml, in order. */
export function profilesDirCandidates(projectRoot: string, profilesDirSetting: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (profilesDirSetting) return [profilesDirSetting];
  if (env.DBT_PROFILES_DIR) return [env.DBT_PROFILES_DIR];
  return [projectRoot, join(homedir(), '.dbt')];
}

/** The `profile:` of dbt_project.yml, or undefined when the file cannot be read. */
export function projectProfileName(projectRoot: string): string | undefined {
  try {
    const doc = parse(readFileSync(join(projectRoot, 'dbt_project.yml'), 'utf8')) as unknown;
    if (doc && typeof doc === 'object') {
      const { profile, name } = doc as { profile?: unknown; name?: unknown };
      if (typeof profile === 'string') return profile;
      if (typeof name === 'string') return name;
    }
  } catch {
    // Unreadable or invalid YAML: dbt itself will report it on the next command.
  }
  return undefined;
}

/** Targets of a profile from the text of profiles.yml. */
export function targetsFromProfilesYaml(text: string, profile: string, env: NodeJS.ProcessEnv = process.env): { targets: string[]; defaultTarget?: string } | undefined {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object') return undefined;
  const entry = (doc as Record<string, unknown>)[profile];
  if (!entry || typeof entry !== 'object') return undefined;
  const { outputs, target } = entry as { outputs?: unknown; target?: unknown };
  const targets = outputs && typeof outputs === 'object' ? Object.keys(outputs) : [];
  const defaultTarget = typeof target === 'string' ? renderEnvVar(target, env) : undefined;
  return { targets, defaultTarget };
}

export function readProfileTargets(projectRoot: string, profilesDirSetting: string, env: NodeJS.ProcessEnv = process.env): ProfileTargets | undefined {
  const profile = projectProfileName(projectRoot);
  if (!profile) return undefined;
  for (const dir of profilesDirCandidates(projectRoot, profilesDirSetting, env)) {
    const file = join(dir, 'profiles.yml');
    if (!existsSync(file)) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const found = targetsFromProfilesYaml(text, profile, env);
    if (found) return { profile, profilesFile: file, ...found };
  }
  return undefined;
}

/** Renders the one Jinja form common in `target:` lines: {{ env_var('NAME', 'default') }}. */
function renderEnvVar(value: string, env: NodeJS.ProcessEnv): string | undefined {
  if (!value.includes('{{')) return value;
  const m = /^\s*\{\{\s*env_var\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]*)['"]\s*)?\)\s*\}\}\s*$/.exec(value);
  if (!m) return undefined;
  return env[m[1]!] ?? m[2];
}
