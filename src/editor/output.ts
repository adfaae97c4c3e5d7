// The "dbt" log output channel: a header per invocation (command, project,
// target, dbt version), dbt's structured events as readable lines at their
// level, and a summary with timing. Every line goes through the secret
// scrubber first.
import * as vscode from 'vscode';
import { isNoise, stripAnsi } from '../dbt/events';
import { countsText } from '../dbt/outcomes';
import type { InvocationResult, RawDbtEvent } from '../dbt/protocol';
import type { InvocationEntry } from '../dbt/treeModel';
import { makeScrubber } from '../dbt/secrets';
import { formatArgs } from '../runner/args';

export interface InvocationHeader {
  label: string;
  args: string[];
  projectName: string;
  projectRoot: string;
  target: string | undefined;
  dbtVersion: string | undefined;
  python: string | undefined;
}

/** Debug events whose text repeats what the info lines say. */
const REPEATS = new Set(['NodeStart', 'NodeFinished', 'CommandCompleted']);

export class Output implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('dbt', { log: true });
  private readonly extraSecrets = new Set<string>();
  private scrub = makeScrubber(process.env);

  /** Hides these values too (passwords written in profiles.yml), besides DBT_ENV_SECRET_* values. */
  addSecrets(values: readonly string[]): void {
    const before = this.extraSecrets.size;
    for (const v of values) this.extraSecrets.add(v);
    if (this.extraSecrets.size !== before) this.scrub = makeScrubber(process.env, [...this.extraSecrets]);
  }

  header(h: InvocationHeader): void {
    const target = h.target ?? 'profile default';
    const version = h.dbtVersion ? `dbt ${h.dbtVersion}` : 'dbt';
    this.channel.info(this.scrub(`━━ ${h.label} ━━ project ${h.projectName} (${h.projectRoot}), target ${target}, ${version}`));
    this.channel.debug(this.scrub(`args: ${formatArgs(h.args)}; python: ${h.python ?? '?'}`));
  }

  /** One dbt event as dbt would print it, at dbt's level. */
  event(e: RawDbtEvent): void {
    if (isNoise(e.info.name) || REPEATS.has(e.info.name)) return;
    const text = typeof e.info.msg === 'string' ? stripAnsi(e.info.msg).trimEnd() : '';
    if (text === '') return;
    const line = this.scrub(text);
    switch (e.info.level) {
      case 'error':
        this.channel.error(line);
        break;
      case 'warn':
        this.channel.warn(line);
        break;
      case 'debug':
      case 'test':
        // Avoids building debug lines nobody sees (the default level is info).
        if (this.channel.logLevel !== vscode.LogLevel.Off && this.channel.logLevel <= vscode.LogLevel.Debug) this.channel.debug(line);
        break;
      default:
        this.channel.info(line);
    }
  }

  /** The closing line of an invocation, in the views' words: "dbt build cancelled in 3.20 s: 16 pass, 13 not run". */
  summary(label: string, r: InvocationResult, entry: InvocationEntry): void {
    const counts = countsText(entry.state.counts);
    const outcome = r.cancelled ? 'cancelled' : entry.status === 'nothing' ? 'had nothing to do' : r.success ? 'succeeded' : `failed (exit code ${r.exitCode})`;
    const how = `${r.backend}${r.parsed ? ', parsed the project' : ''}`;
    const line = `━━ ${label} ${outcome} in ${r.elapsedSeconds.toFixed(2)} s${counts ? `: ${counts}` : ''} [${how}]`;
    if (r.exception && !r.cancelled) this.channel.error(this.scrub(`${r.exception.type}: ${r.exception.message}`));
    if (r.success && entry.status !== 'nothing') this.channel.info(this.scrub(line));
    else this.channel.warn(this.scrub(line));
  }

  info(text: string): void {
    this.channel.info(this.scrub(text));
  }

  warn(text: string): void {
    this.channel.warn(this.scrub(text));
  }

  error(text: string): void {
    this.channel.error(this.scrub(text));
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
