// Scanning dbt argument lists (no parsing of dbt's full grammar: only what the
// runner needs). commandOf (src/dbt/subcommand.ts) mirrors command_of() in dbt_worker.py.

export { commandOf, hasFlag, KNOWN_COMMANDS } from '../dbt/subcommand';

/** Rejects what no dbt argument list can contain, before anything is spawned. */
export function validateArgs(args: unknown): string[] {
  if (!Array.isArray(args) || args.some((a) => typeof a !== 'string')) {
    throw new TypeError('dbt arguments must be an array of strings');
  }
  if (args.some((a: string) => a.includes('\0'))) throw new TypeError('dbt arguments must not contain NUL characters');
  return args as string[];
}

/** A readable one-line form of an argument list, for logs (quotes where needed). */
export function formatArgs(args: readonly string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}
