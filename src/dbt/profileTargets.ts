// Which targets a project's profile offers, for the status bar's target
// switch. Reads only target names from profiles.yml (never credentials), and
// finds the file the way dbt does: --profiles-dir, DBT_PROFILES_DIR, the
// project folder, then ~/.dbt.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface ProfileTargets {
  profile: string;
  /** Where profiles.yml was found. */
  profilesFile: string;
  targets: string[];
  /** The profile's `target:`; env_var('X', 'default') is resolved against `env`. */
  defaultTarget?: string;
  /** Literal passwords, tokens and keys written in the profile: to hide wherever text is shown. */
  secrets: string[];
}

/** The folders dbt would search for profiles.yml, in order. */
function profilesDirCandidates(projectRoot: string, profilesDirSetting: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (profilesDirSetting) return [profilesDirSetting];
  if (env.DBT_PROFILES_DIR) return [env.DBT_PROFILES_DIR];
  return [projectRoot, join(homedir(), '.dbt')];
}

const SECRET_KEY = /pass(word|phrase)?$|secret|token|private_key|api_key/i;

/** Targets of a profile from the text of profiles.yml. */
export function targetsFromProfilesYaml(text: string, profile: string, env: NodeJS.ProcessEnv = process.env): Omit<ProfileTargets, 'profile' | 'profilesFile'> | undefined {
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
  const secrets: string[] = [];
  for (const output of targets.map((t) => (outputs as Record<string, unknown>)[t])) {
    if (!output || typeof output !== 'object') continue;
    for (const [key, value] of Object.entries(output)) {
      // Values from env_var() are hidden by the DBT_ENV_SECRET_ rule, or are not secrets.
      if (SECRET_KEY.test(key) && typeof value === 'string' && value.trim() !== '' && !value.includes('{{')) secrets.push(value);
    }
  }
  return { targets, defaultTarget, secrets };
}

/** `profile` is dbt_project.yml's `profile:` (see dbt/projects.ts). */
export function readProfileTargets(profile: string, projectRoot: string, profilesDirSetting: string, env: NodeJS.ProcessEnv = process.env): ProfileTargets | undefined {
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
