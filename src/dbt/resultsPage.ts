// Messages between the query results panel (src/editor/resultsPanel.ts) and
// its page script (src/webview/results.ts). Node-free: both sides import it.
import type { GridColumn, GridView } from './grid';

/** A query's error as the panel shows it: dbt's message, and the line in the user's SQL when it can be told. */
export interface QueryError {
  message: string;
  /** 1-based line in the query as the user wrote it (not the compiled SQL). */
  line?: number;
}

export interface ResultsContent {
  /** Increases with every result shown; the page echoes it so a late message cannot act on a newer result. */
  seq: number;
  title: string;
  /** e.g. "dbt show -s orders --limit 500 · jaffle (dev)". */
  subtitle: string;
  columns: GridColumn[];
  rows: unknown[][];
  /** The limit asked for; `rows.length === limit` means there may be more. */
  limit?: number;
  elapsedSeconds?: number;
  error?: QueryError;
  /** The query can be run again (at a larger limit). */
  canRerun: boolean;
}

export type ToResultsPage = { type: 'show'; content: ResultsContent } | { type: 'running'; title: string; subtitle: string };

export type FromResultsPage =
  | { type: 'ready' }
  | { type: 'copy'; text: string }
  | { type: 'export'; seq: number; format: 'csv' | 'json'; view: GridView }
  | { type: 'rerun'; seq: number; limit: number }
  | { type: 'revealError'; seq: number }
  | { type: 'history' };

/** The limit offered by "limit reached": ten times more, at least 1,000. */
export function largerLimit(limit: number): number {
  return Math.max(1000, limit * 10);
}
