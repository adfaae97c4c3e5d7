// From what a command wants (command, selection, flags from the settings)
// to dbt's argument list; and the tokenizer of "Run dbt command...". Pure
// (no vscode). Every name and selector is one literal argument: nothing is
// ever given to a shell. Stand-in for src/dbt/args.ts until that module
// lands; the editor only uses buildArgs and tokenizeArgs.

export type DbtCommand =
  | 'run'
  | 'build'
  | 'test'
  | 'compile'
  | 'seed'
  | 'snapshot'
  | 'show'
  | 'parse'
  | 'list'
  | 'deps'
  | 'debug'
  | 'docs generate'
  | 'source freshness'
  | 'retry'
  | 'clean';

export interface InvocationSpec {
  /** Undefined: only the option flags (for appending to the user's own arguments). */
  command?: DbtCommand;
  /** `--select` values, e.g. ["+orders", "tag:nightly", "path:models/staging"]. */
  select?: string[];
  /** A YAML selector name (`--selector`). */
  selector?: string;
  exclude?: string[];
  /** `--indirect-selection`: "empty" leaves out the tests of selected models (previews, compiles). */
  indirectSelection?: 'eager' | 'cautious' | 'buildable' | 'empty';
  fullRefresh?: boolean;
  /** dbt show: `--limit`. */
  limit?: number;
  /** dbt show / compile: `--inline` SQL. */
  inline?: string;
  target?: string;
  profilesDir?: string;
  threads?: number;
  vars?: Record<string, unknown>;
  /** Appended as they are (from the extraArgs setting). */
  extraArgs?: string[];
}

const SELECTING = new Set<DbtCommand>(['run', 'build', 'test', 'compile', 'seed', 'snapshot', 'show', 'list', 'docs generate', 'source freshness']);
const FULL_REFRESH = new Set<DbtCommand>(['run', 'build', 'seed', 'compile', 'show', 'retry']);
const NO_THREADS = new Set<DbtCommand>(['clean', 'deps', 'debug', 'list']);

/** A clear error for input that cannot become dbt arguments. */
export class ArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArgsError';
  }
}

export function buildArgs(spec: InvocationSpec): string[] {
  const c = spec.command;
  const args: string[] = c ? c.split(' ') : [];
  if (spec.select?.length) {
    if (c && !SELECTING.has(c)) throw new ArgsError(`dbt ${c} does not take a selection.`);
    args.push('--select', ...spec.select.map((s) => selectorValue(s)));
  }
  if (spec.selector) {
    if (c && !SELECTING.has(c)) throw new ArgsError(`dbt ${c} does not take a selector.`);
    args.push('--selector', selectorValue(spec.selector));
  }
  if (spec.exclude?.length) args.push('--exclude', ...spec.exclude.map((s) => selectorValue(s)));
  if (spec.indirectSelection) args.push('--indirect-selection', spec.indirectSelection);
  if (spec.inline !== undefined) args.push('--inline', spec.inline);
  if (spec.limit !== undefined) args.push('--limit', String(Math.max(1, Math.floor(spec.limit))));
  if (spec.fullRefresh && (!c || FULL_REFRESH.has(c))) args.push('--full-refresh');
  if (spec.target) args.push('--target', spec.target);
  if (spec.profilesDir) args.push('--profiles-dir', spec.profilesDir);
  if (spec.threads !== undefined && !(c && NO_THREADS.has(c))) args.push('--threads', String(spec.threads));
  if (spec.vars && Object.keys(spec.vars).length > 0) args.push('--vars', JSON.stringify(spec.vars));
  if (spec.extraArgs) args.push(...spec.extraArgs);
  for (const a of args) if (a.includes('\0')) throw new ArgsError('dbt arguments cannot contain NUL characters.');
  return args;
}

/** A selector as one argument; rejects what dbt would read as a flag. */
function selectorValue(s: string): string {
  const v = s.trim();
  if (v === '' || v.startsWith('-')) throw new ArgsError(`"${s}" is not a dbt selector (use a model name, tag:x, path:x, +name, name+).`);
  return v;
}

/**
 * Splits a command line the way a POSIX shell splits words, without any
 * expansion: 'single' and "double" quotes, backslash escapes. Throws on an
 * unterminated quote.
 */
export function tokenizeArgs(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else cur += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) cur += text[++i];
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw new ArgsError(`unterminated ${quote === '"' ? 'double' : 'single'} quote`);
  if (inWord) out.push(cur);
  return out;
}
