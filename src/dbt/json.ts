// Reading JSON we do not trust (worker messages, dbt events, manifests,
// catalogs, settings values): the one test for "a JSON object", and the
// coercions of its fields. Each coercion is named for what it accepts,
// because callers need different answers for the same odd value.

export type JsonObject = Record<string, unknown>;

/** Not null, not an array. */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string, or null for anything else (typed fields such as a manifest's). */
export function stringOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** A string, other values as their text, null for null or absent (dbt's log fields may be numbers). */
export function textOrNull(v: unknown): string | null {
  if (typeof v === 'string') return v;
  return v === undefined || v === null ? null : String(v);
}

/** A non-empty string, else undefined. */
export function nonEmptyString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A finite number; int64 fields arrive as strings. */
export function finiteNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** true, or the text of true as Python and JSON write it. */
export function isTrue(v: unknown): boolean {
  return v === true || v === 'true' || v === 'True';
}
