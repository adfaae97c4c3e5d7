// Hides secrets in anything the runner logs or reports: the values of
// DBT_ENV_SECRET_* variables (dbt's own convention for secrets).
export type Env = Record<string, string | undefined>;

export function secretValues(env: Env): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('DBT_ENV_SECRET') && value && value.trim() !== '') out.push(value);
  }
  // Longest first, so a secret that contains another is hidden whole.
  return out.sort((a, b) => b.length - a.length);
}

export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join('*****');
  }
  return out;
}

/** A scrubber bound to one environment. */
export function makeScrubber(env: Env): (text: string) => string {
  const secrets = secretValues(env);
  return (text) => scrubText(text, secrets);
}
