// Scanning dbt argument lists (no parsing of dbt's full grammar: only what the
// runner needs). Mirrors command_of() in dbt_worker.py
// (test/unit/worker-parity.test.ts compares the two).

/** The dbt subcommands the runner recognises (KNOWN_COMMANDS in dbt_worker.py). */
export const KNOWN_COMMANDS: ReadonlySet<string> = new Set([
  'build', 'clean', 'clone', 'compile', 'debug', 'deps', 'docs', 'init', 'list', 'ls',
  'parse', 'retry', 'run', 'run-operation', 'seed', 'show', 'snapshot', 'source', 'test',
]);

/** The dbt subcommand: "run", "source freshness", "docs generate"; '' when there is none. */
export function commandOf(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!KNOWN_COMMANDS.has(a)) continue;
    const next = args[i + 1];
    if ((a === 'source' || a === 'docs') && next !== undefined && !next.startsWith('-')) return `${a} ${next}`;
    return a;
  }
  return '';
}

/** True when `flag` (e.g. "--output") is present, as "--output x" or "--output=x". */
export function hasFlag(args: readonly string[], ...flags: string[]): boolean {
  return args.some((a) => flags.some((f) => a === f || a.startsWith(`${f}=`)));
}

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
