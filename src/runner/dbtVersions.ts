// What each dbt-core minor lacks among the commands and flags the extension
// offers, so a request the installed dbt cannot do gets one clear message
// instead of dbt's usage error. The compat layer (test/compat) runs each entry
// on a minor before and after the one that added it.
import { commandOf, hasFlag } from './args';
import { parseVersion } from './pythonEnv';

export interface VersionNeed {
  /** How the message names it, e.g. "dbt retry". */
  what: string;
  /** The first minor that has it, e.g. "1.6". */
  since: string;
  /** A subcommand, or else a flag anywhere in the arguments. */
  command?: string;
  flag?: string;
}

export const VERSION_NEEDS: readonly VersionNeed[] = [
  { what: 'dbt retry', since: '1.6', command: 'retry' },
  { what: 'dbt clone', since: '1.6', command: 'clone' },
  { what: 'the --empty flag', since: '1.8', flag: '--empty' },
  { what: 'the --sample flag', since: '1.10', flag: '--sample' },
];

/** The message for `args` when dbt-core `dbtVersion` lacks what they use; undefined when it has it all. */
export function versionGap(args: readonly string[], dbtVersion: string): string | undefined {
  const [major, minor] = parseVersion(dbtVersion);
  for (const need of VERSION_NEEDS) {
    const used = need.command ? commandOf(args) === need.command : hasFlag(args, need.flag!);
    const [needMajor, needMinor] = parseVersion(need.since);
    if (used && (major < needMajor || (major === needMajor && minor < needMinor))) {
      return `${need.what} needs dbt-core ${need.since} or newer, and this Python has dbt-core ${dbtVersion}: upgrade dbt-core and your adapter to use it.`;
    }
  }
  return undefined;
}
