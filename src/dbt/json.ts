// The one test for "a JSON object" (not null, not an array), for code that
// reads JSON it does not trust: worker messages, dbt events, manifests,
// catalogs, settings values.

export type JsonObject = Record<string, unknown>;

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
