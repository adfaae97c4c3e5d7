// The dbt subcommand of an argument list and its flags, for the runner and
// the views. A module of its own, without the yaml parser dbt/args.ts needs,
// so the runner's bundle does not carry it.

/** Every dbt subcommand name (first word), for commandOf (KNOWN_COMMANDS in dbt_worker.py; test/unit/worker-parity.test.ts compares them). */
export const KNOWN_COMMANDS: ReadonlySet<string> = new Set([
  'build', 'clean', 'clone', 'compile', 'debug', 'deps', 'docs', 'init', 'list', 'ls',
  'parse', 'retry', 'run', 'run-operation', 'seed', 'show', 'snapshot', 'source', 'test',
]);

/** The dbt subcommand of an argument list: "run", "source freshness", "docs generate"; '' when there is none. Mirrors command_of() in dbt_worker.py. */
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

/** True when one of `flags` (e.g. "--output") is present, as "--output x" or "--output=x". */
export function hasFlag(args: readonly string[], ...flags: string[]): boolean {
  return args.some((a) => flags.some((f) => a === f || a.startsWith(`${f}=`)));
}
