// The history of ad-hoc queries ("Run Selected SQL"): the last 50 per
// workspace, newest first, a query run again moving to the top. Pure; the
// editor keeps the list in the workspace state.

export interface QueryHistoryEntry {
  sql: string;
  projectRoot: string;
  /** Where it came from, e.g. "models/marts/orders.sql" (project-relative), when it came from a file. */
  file?: string;
  ranAt: number;
  rows?: number;
  elapsedSeconds?: number;
  error?: string;
}

export const QUERY_HISTORY_SIZE = 50;

function sameQuery(a: QueryHistoryEntry, b: QueryHistoryEntry): boolean {
  return a.projectRoot === b.projectRoot && a.sql.trim() === b.sql.trim();
}

export function addToHistory(history: readonly QueryHistoryEntry[], entry: QueryHistoryEntry, size = QUERY_HISTORY_SIZE): QueryHistoryEntry[] {
  return [entry, ...history.filter((h) => !sameQuery(h, entry))].slice(0, size);
}

/** Reads what the workspace state holds, dropping anything malformed (older versions, hand edits). */
export function readHistory(stored: unknown): QueryHistoryEntry[] {
  if (!Array.isArray(stored)) return [];
  return stored.filter((h): h is QueryHistoryEntry => typeof h === 'object' && h !== null && typeof h.sql === 'string' && typeof h.projectRoot === 'string' && typeof h.ranAt === 'number').slice(0, QUERY_HISTORY_SIZE);
}

/** One line for a quick pick: the query squeezed onto a line. */
export function historyLabel(entry: QueryHistoryEntry, max = 80): string {
  const one = entry.sql.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
