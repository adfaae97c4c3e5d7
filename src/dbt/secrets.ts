// Hides the values of dbt's secret environment variables in text we show or
// log (output channel, runner logs). Same rule as dbt's own scrubber
// (dbt_common `env_secrets`): every variable whose name starts with
// DBT_ENV_SECRET and whose value is not blank. No minimum length: a short
// secret makes the text ugly, but dbt masks it too, and leaking it is worse.

export const SECRET_ENV_PREFIX = 'DBT_ENV_SECRET';
export const SECRET_MASK = '*****';

export type Env = Readonly<Record<string, string | undefined>>;

/** The values to hide, longest first so that a secret containing another is masked whole. */
export function secretValues(env: Env, extra: readonly string[] = []): string[] {
  const values = new Set<string>();
  const add = (v: string | undefined): void => {
    if (v === undefined || v.trim() === '') return;
    values.add(v);
    // A value read from a file often ends with a newline that the text using it does not have.
    const trimmed = v.trim();
    if (trimmed !== v) values.add(trimmed);
  };
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith(SECRET_ENV_PREFIX)) add(value);
  }
  for (const v of extra) add(v);
  return [...values].sort((a, b) => b.length - a.length);
}

/**
 * A scrubber bound to one environment (and optional extra secrets such as a
 * profile password). Build it once and reuse it: it compiles one pattern.
 */
export function makeScrubber(env: Env, extra: readonly string[] = []): (text: string) => string {
  const secrets = secretValues(env, extra);
  if (secrets.length === 0) return (text) => text;
  const pattern = new RegExp(secrets.map(escapeRegExp).join('|'), 'g');
  return (text) => text.replace(pattern, SECRET_MASK);
}

/** Replaces every secret value in `text` with `*****`. */
export function scrubSecrets(text: string, env: Env, extra: readonly string[] = []): string {
  return makeScrubber(env, extra)(text);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
