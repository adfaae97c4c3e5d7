// What a running dbt parse is doing, from dbt's own events, for the status
// bar: a `dbt parse` parses from its start; any other command only once
// dbt's parse events say it does (a warm worker with a current manifest
// does not parse). dbt 1.12 fires StateCheckVarsHash when it starts to
// check its partial-parse file, PartialParsingEnabled (with the files
// added, changed, deleted) or UnableToPartialParse (a full parse, with the
// reason), ParsePerfInfoPath once parsed (`dbt parse` then writes
// manifest.json), and ArtifactWritten for manifest.json when the parse is
// over. Pure: times are passed in.
import type { DbtEvent, UnparsedLine } from './events';
import type { RawDbtEvent } from './protocol';

export type ParseStage = 'starting' | 'checking' | 'partial' | 'full' | 'writing';

export interface ParseProgress {
  stage: ParseStage;
  /** Date.now() when the parse began. */
  startedAt: number;
  added?: number;
  changed?: number;
  deleted?: number;
  /** Why dbt parses in full (its own words). */
  reason?: string;
  /** The files partial parsing reparses ("updated models/orders.sql"), the first MAX_FILES. */
  files?: string[];
  /** The parse is over: the command went on (or the manifest is written). */
  done: boolean;
}

const MAX_FILES = 5;

/** Events that come only once the parse is over (the command's own work, or its end). */
const AFTER_PARSE = new Set([
  'FoundStats', 'ConcurrencyLine', 'NodeStart', 'LogStartLine', 'CommandCompleted', 'MainEncounteredError',
  'ListCmdOut', 'CompiledNode', 'ShowNode', 'NothingToDo', 'NoNodesForSelectionCriteria',
]);

/**
 * The parse progress after one event (`raw`, and `event` its parsed form) of
 * an invocation running `command`; undefined while it has not parsed.
 */
export function nextParseProgress(prev: ParseProgress | undefined, command: string, raw: RawDbtEvent, event: DbtEvent | UnparsedLine, now: number): ParseProgress | undefined {
  const name = raw.info?.name;
  const current = prev ?? (command === 'parse' ? { stage: 'starting', startedAt: now, done: false } : undefined);
  if (current?.done) return current;
  if (event.kind === 'parse') {
    const base = current ?? { startedAt: now, done: false };
    return event.partial
      ? { ...base, stage: 'partial', added: event.added, changed: event.changed, deleted: event.deleted }
      : { ...base, stage: 'full', reason: event.reason };
  }
  if (name === 'StateCheckVarsHash') {
    return current && current.stage !== 'starting' ? current : { stage: 'checking', startedAt: current?.startedAt ?? now, done: false };
  }
  if (name === 'PartialParsingNotEnabled') return { ...(current ?? { startedAt: now, done: false }), stage: 'full', reason: 'partial parsing is off' };
  if (!current) return undefined;
  if (name === 'ParsePerfInfoPath') return { ...current, stage: 'writing' };
  if (name === 'PartialParsingFile') return { ...current, files: withFile(current.files ?? [], raw.data) };
  const manifestWritten = name === 'ArtifactWritten' && raw.data?.artifact_type === 'WritableManifest';
  return manifestWritten || AFTER_PARSE.has(name) ? { ...current, done: true } : current;
}

/** dbt names a file "jaffle://models/orders.sql": the path within its package is enough here. */
function withFile(files: string[], data: Record<string, unknown> | undefined): string[] {
  const id = typeof data?.file_id === 'string' ? data.file_id.replace(/^[^/]*:\/\//, '') : undefined;
  if (!id || files.length >= MAX_FILES) return files;
  return [...files, typeof data?.operation === 'string' ? `${data.operation} ${id}` : id];
}

/** One project's parse in progress. */
export interface ParseNow {
  projectName: string;
  projectRoot: string;
  progress: ParseProgress;
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

/** "3 s", "2 min 5 s". */
export function elapsedText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** What dbt is doing, in a few words: "1 file changed", "full parse", "writing the manifest". */
export function stageText(p: ParseProgress): string | undefined {
  switch (p.stage) {
    case 'starting':
      return undefined;
    case 'checking':
      return 'checking files';
    case 'full':
      return 'full parse';
    case 'writing':
      return 'writing the manifest';
    case 'partial': {
      const n = (p.added ?? 0) + (p.changed ?? 0) + (p.deleted ?? 0);
      return n === 0 ? 'no file changed' : `${plural(n, 'file')} changed`;
    }
  }
}

/** The status bar's text for a parse: "parsing shop: 1 file changed… 3 s". */
export function parseStatusText(parse: ParseNow, now: number): string {
  const stage = stageText(parse.progress);
  return `parsing ${parse.projectName}${stage ? `: ${stage}` : ''}… ${elapsedText(now - parse.progress.startedAt)}`;
}

/** The tooltip: every project parsing, with dbt's details. */
export function parseTooltip(parses: readonly ParseNow[], now: number): string {
  const lines = parses.map(({ projectName, projectRoot, progress: p }) => {
    const files = p.files?.length ? ` (${p.files.join(', ')})` : '';
    const how = p.stage === 'partial'
      ? `partial parse: ${p.added ?? 0} added, ${p.changed ?? 0} changed, ${p.deleted ?? 0} deleted${files}`
      : p.stage === 'full' ? `full parse${p.reason ? `, because ${p.reason}` : ''}` : stageText(p) ?? 'starting';
    return `dbt is parsing ${projectName} (${projectRoot}) for ${elapsedText(now - p.startedAt)}: ${how}.`;
  });
  return `${lines.join('\n\n')}\n\nClick to show the output.`;
}
