// Builds an InvocationResult from the JSON log lines of `dbt --log-format json
// --log-level debug`, so that the CLI fallback answers in the same shape as
// the worker (which reads dbt's result objects directly). Pure: no I/O.
import type { CommandOutput, ExitCode, FreshnessEntry, InvocationResult, ManifestSummary, NodeResult, PreviewTable, RawDbtEvent, TimingEntry } from '../dbt/protocol';
import { finiteNumber, isJsonObject, textOrNull, type JsonObject as Obj } from '../dbt/json';
import { hasFlag } from './args';

/** Events the worker drops by default (NOISE_EVENTS in dbt_worker.py; test/unit/worker-parity.test.ts compares them). */
export const NOISE_EVENTS: ReadonlySet<string> = new Set([
  'SQLQuery', 'SQLQueryStatus', 'SQLCommit', 'ConnectionUsed', 'NewConnection', 'NewConnectionOpening',
  'ConnectionReused', 'ConnectionClosed', 'ConnectionClosedInCleanup', 'ConnectionLeftOpen',
  'ConnectionLeftOpenInCleanup', 'Rollback', 'RollbackFailed', 'CacheAction', 'CacheMiss', 'CacheDumpGraph',
  'AddRelation', 'ListRelations', 'AdapterEventDebug', 'Formatting', 'SendingEvent', 'SendEventFailure',
  'FlushEvents', 'FlushEventsFailure', 'TrackingInitializeFailure', 'ResourceReport', 'TimingInfoCollected',
  'WritingInjectedSQLForNode',
]);

/** Commands that do not parse the project. */
const NO_PARSE = new Set(['deps', 'clean', 'debug', 'init', '']);
const RESULT_EVENTS = new Set(['LogModelResult', 'LogTestResult', 'LogSeedResult', 'LogSnapshotResult', 'LogFreshnessResult']);
const TEST_TYPES = new Set(['test', 'unit_test']);
/** The options that fill dbt's `select` (its aliases included) or `inline`. */
const SELECT_OR_INLINE = ['--select', '-s', '--models', '--model', '-m', '--inline'];

const obj = (v: unknown): Obj => (isJsonObject(v) ? v : {});
const str = textOrNull;
const num = (v: unknown): number => finiteNumber(v) ?? 0;

export class CliResultCollector {
  private readonly nodes = new Map<string, NodeResult>();
  private readonly finished = new Set<string>();
  private readonly listItems: string[] = [];
  private readonly tables: PreviewTable[] = [];
  private readonly compiled: { uniqueId: string; compiledCode: string }[] = [];
  private statLine: string | null = null;
  private errorText: string | null = null;
  private stackTrace: string | null = null;
  private catalogPath: string | null = null;
  private commandCompleted = false;

  /**
   * dbt's `compile` and `show` list the ephemeral models they ran only when given a selection or an
   * inline query (CompileTask._handle_result and ShowTask._handle_result, dbt 1.5-1.12; `show` always has one).
   */
  private readonly listsEphemeral: boolean;

  constructor(readonly command: string, args: readonly string[] = []) {
    this.listsEphemeral = (command === 'compile' || command === 'show') && hasFlag(args, ...SELECT_OR_INLINE);
  }

  add(event: RawDbtEvent): void {
    const data = obj(event.data);
    switch (event.info.name) {
      case 'NodeFinished':
        this.fromNodeFinished(data);
        break;
      case 'SkippingDetails':
        this.fromSkipped(data);
        break;
      case 'PrintEvent':
      case 'ListCmdOut':
        if (this.command === 'list' || this.command === 'ls') this.listItems.push(str(data.msg) ?? '');
        break;
      case 'ShowNode':
        this.tables.push(previewTable(data));
        break;
      case 'CompiledNode':
        if (typeof data.compiled === 'string') this.compiled.push({ uniqueId: str(data.unique_id) ?? '', compiledCode: data.compiled });
        break;
      case 'FoundStats':
        this.statLine = str(data.stat_line);
        break;
      case 'MainEncounteredError':
        this.errorText = str(data.exc);
        break;
      case 'MainStackTrace':
        this.stackTrace = str(data.stack_trace);
        break;
      case 'CatalogWritten':
        this.catalogPath = str(data.path);
        break;
      case 'CommandCompleted':
        this.commandCompleted = true;
        break;
      default:
        if (RESULT_EVENTS.has(event.info.name)) this.fromLogResult(data);
    }
  }

  /** dbt said the command is over (its outcome is settled; the process is only exiting). */
  get completed(): boolean {
    return this.commandCompleted;
  }

  /** Path of catalog.json when `docs generate` wrote one (the caller reads it after the process ended). */
  get catalogFile(): string | null {
    return this.catalogPath;
  }

  finish(args: {
    exitCode: ExitCode;
    elapsedSeconds: number;
    cancelled: boolean;
    stderrTail: string;
    catalog?: { nodes: number; sources: number };
    manifestPath?: string;
  }): InvocationResult {
    const { exitCode } = args;
    const result: InvocationResult = {
      command: this.command,
      success: exitCode === 0,
      exitCode,
      nodes: [...this.nodes.values()],
      output: this.output(exitCode, args.catalog),
      elapsedSeconds: args.elapsedSeconds,
      parsed: !NO_PARSE.has(this.command),
      cancelled: args.cancelled,
      backend: 'cli',
    };
    if (exitCode === 2) result.exception = this.exception(args.cancelled, args.stderrTail);
    if (args.manifestPath) result.manifestPath = args.manifestPath;
    return result;
  }

  private exception(cancelled: boolean, stderrTail: string): { type: string; message: string } {
    // dbt's stack trace ends with "SomeError: message": the closest we get to the exception's type.
    const last = (this.stackTrace ?? '').trim().split('\n').pop() ?? '';
    const typeMatch = /^([\w.]+)(?::|$)/.exec(last.trim());
    const type = cancelled ? 'KeyboardInterrupt' : typeMatch ? typeMatch[1].split('.').pop()! : this.errorText !== null ? 'DbtException' : 'DbtUsageException';
    let message = this.errorText ?? '';
    if (!message) message = cancelled ? 'Cancelled' : stderrTail.trim() || 'dbt exited with code 2';
    return { type, message };
  }

  private output(exitCode: ExitCode, catalog?: { nodes: number; sources: number }): CommandOutput {
    switch (this.command) {
      case 'parse':
        return exitCode === 0 && this.statLine !== null ? { kind: 'parse', summary: parseStatLine(this.statLine) } : { kind: 'none' };
      case 'list':
      case 'ls':
        return { kind: 'list', items: this.listItems };
      case 'show':
        return { kind: 'show', tables: this.tables };
      case 'compile':
        return { kind: 'compile', nodes: this.compiledNodes() };
      case 'debug':
        return { kind: 'debug', ok: exitCode === 0 };
      case 'source freshness':
        return { kind: 'freshness', sources: [...this.nodes.values()].map(freshnessEntry) };
      case 'docs generate':
        return catalog ? { kind: 'docs', catalogNodes: catalog.nodes, catalogSources: catalog.sources } : { kind: 'none' };
      default:
        return { kind: 'none' };
    }
  }

  private compiledNodes(): { uniqueId: string; compiledCode: string }[] {
    if (this.compiled.length > 0) return this.compiled;
    return [...this.nodes.values()]
      .filter((n) => typeof n.compiledCode === 'string')
      .map((n) => ({ uniqueId: n.uniqueId, compiledCode: n.compiledCode as string }));
  }

  private fromNodeFinished(data: Obj): void {
    const rr = obj(data.run_result);
    const id = identity(data);
    if (!id) return;
    // dbt runs ephemeral models as nodes (NodeStart/NodeFinished fire) but lists them among its
    // results (run_results.json, the result object the worker reads) only in a `compile` or `show`
    // given --select or --inline: not in a whole-project compile (equivalence seeds 1242, 1124, 1395).
    if (obj(data.node_info).materialized === 'ephemeral' && id.resourceType === 'model' && !this.listsEphemeral) return;
    const timing: TimingEntry[] = (Array.isArray(rr.timing_info) ? rr.timing_info : []).map((t) => {
      const o = obj(t);
      return { name: str(o.name) ?? '', startedAt: str(o.started_at) ?? undefined, completedAt: str(o.completed_at) ?? undefined };
    });
    const message = str(rr.message);
    this.finished.add(id.uniqueId);
    this.nodes.set(id.uniqueId, {
      ...id,
      status: str(rr.status) ?? str(obj(data.node_info).node_status) ?? '',
      message: message === '' ? null : message,
      executionTime: num(rr.execution_time),
      failures: TEST_TYPES.has(id.resourceType) ? num(rr.num_failures) : null,
      timing,
      adapterResponse: obj(rr.adapter_response),
    });
  }

  /** Without debug-level events (a user-set --log-level), the Log*Result lines are the source. */
  private fromLogResult(data: Obj): void {
    const id = identity(data);
    if (!id || this.finished.has(id.uniqueId)) return;
    this.nodes.set(id.uniqueId, {
      ...id,
      status: str(obj(data.node_info).node_status) ?? str(data.status) ?? '',
      message: str(data.result_message) ?? null,
      executionTime: num(data.execution_time),
      failures: TEST_TYPES.has(id.resourceType) ? num(data.num_failures) : null,
      timing: [],
      adapterResponse: {},
    });
  }

  /**
   * A skipped node. Usually NodeFinished follows and replaces this entry; when an on-run-start
   * hook failed, dbt marks every selected node skipped with this event alone, and its result
   * (which the worker reads) lists them.
   */
  private fromSkipped(data: Obj): void {
    const id = identity(data);
    if (!id || this.finished.has(id.uniqueId)) return;
    this.nodes.set(id.uniqueId, {
      ...id,
      status: 'skipped',
      message: null,
      executionTime: 0,
      failures: TEST_TYPES.has(id.resourceType) ? 0 : null,
      timing: [],
      adapterResponse: {},
    });
  }
}

/** Which node an event is about, from its node_info. */
function identity(data: Obj): Pick<NodeResult, 'uniqueId' | 'resourceType' | 'name' | 'relationName'> | undefined {
  const info = obj(data.node_info);
  const uniqueId = str(info.unique_id);
  if (!uniqueId) return undefined;
  return {
    uniqueId,
    resourceType: str(info.resource_type) ?? uniqueId.split('.')[0],
    name: str(info.node_name) ?? uniqueId.split('.').pop() ?? '',
    relationName: str(obj(info.node_relation).relation_name) || null,
  };
}

function previewTable(data: Obj): PreviewTable {
  const table: PreviewTable = { uniqueId: str(data.unique_id) ?? '', columns: [], rows: [] };
  try {
    // With --output json (the CLI backend adds it), the preview is a JSON array of row objects.
    const rows = JSON.parse(str(data.preview) ?? '[]') as unknown;
    if (Array.isArray(rows)) {
      const columns: string[] = [];
      for (const r of rows) for (const k of Object.keys(obj(r))) if (!columns.includes(k)) columns.push(k);
      table.columns = columns;
      table.rows = rows.map((r) => columns.map((c) => obj(r)[c] ?? null));
    }
  } catch {
    // A text preview (user asked for --output text): keep it as one cell.
    table.columns = ['preview'];
    table.rows = [[str(data.preview)]];
  }
  return table;
}

function freshnessEntry(n: NodeResult): FreshnessEntry {
  return { uniqueId: n.uniqueId, status: n.status, maxLoadedAt: null, snapshottedAt: null, ageSeconds: null, message: n.message };
}

/** "Found 3 models, 1 seed, 3 data tests, 1 source, 511 macros" -> counts. */
export function parseStatLine(line: string): ManifestSummary {
  const summary: ManifestSummary = { nodes: 0, models: 0, tests: 0, seeds: 0, snapshots: 0, sources: 0, macros: 0, exposures: 0, unitTests: 0 };
  for (const m of line.matchAll(/(\d+)\s+([a-z ]+?)(?=,|$)/g)) {
    const n = Number(m[1]);
    const what = m[2].trim();
    if (/^models?$/.test(what)) summary.models += n;
    else if (/^(data )?tests?$/.test(what)) summary.tests += n;
    else if (/^seeds?$/.test(what)) summary.seeds += n;
    else if (/^snapshots?$/.test(what)) summary.snapshots += n;
    else if (/^sources?$/.test(what)) summary.sources += n;
    else if (/^macros?$/.test(what)) summary.macros += n;
    else if (/^exposures?$/.test(what)) summary.exposures += n;
    else if (/^unit tests?$/.test(what)) summary.unitTests += n;
    else if (/^analys[ie]s$/.test(what) || /^operations?$/.test(what)) summary.nodes += n;
  }
  summary.nodes += summary.models + summary.tests + summary.seeds + summary.snapshots;
  return summary;
}
