// The custom messages between the extension (src/editor/languageClient.ts)
// and the language server (src/server/main.ts), and the settings the server
// pulls. Both sides import this file; it imports nothing, so it stays pure.
// Messages are sent by method name: `client.sendNotification(method, params)`
// and `connection.onNotification(method, handler)` both accept strings.

/** client -> server: a (new) manifest for a project is ready to be read. */
export const manifestChanged = 'dbtConductor/manifestChanged';
export interface ManifestChangedParams {
  /** Absolute path of the folder holding dbt_project.yml. */
  projectRoot: string;
  /**
   * Absolute path of a complete manifest.json-shaped file: the worker's slim
   * manifest (written atomically), or the project's target/manifest.json.
   */
  manifestPath: string;
  /** True when the manifest may not match the files (e.g. target/manifest.json read without a worker). */
  stale: boolean;
}

/** client -> server: the last parse of a project failed (error) or succeeded again (null). */
export const parseError = 'dbtConductor/parseError';
export interface ParseErrorInfo {
  /** File dbt named, absolute or relative to the project root. Null when dbt named none. */
  file: string | null;
  /** 1-based line dbt reported, null when it gave none. */
  line: number | null;
  message: string;
}
export interface ParseErrorParams {
  projectRoot: string;
  error: ParseErrorInfo | null;
}

/** client -> server: forget a project (folder removed, dbt_project.yml deleted). */
export const projectRemoved = 'dbtConductor/projectRemoved';
export interface ProjectRemovedParams {
  projectRoot: string;
}

/**
 * server -> client: project files were saved, created or deleted; the client
 * should re-parse the project (the worker's partial parse) and then send
 * `manifestChanged`. Debounced by the server, one per project per burst.
 */
export const parseRequested = 'dbtConductor/parseRequested';
export interface ParseRequestedParams {
  projectRoot: string;
  /** The changed files (absolute paths), for logs. */
  files: string[];
}

/** Settings section the server pulls with workspace/configuration (scopeUri = the project root). */
export const checksSection = 'dbtConductor.checks';
export interface ChecksSettings {
  /** `ref()`/`source()` to something the manifest does not have, with a "did you mean". */
  unknownRef: boolean;
  /** `ref()` to a disabled model. */
  disabledRef: boolean;
  /** A model with `access: public` and an empty description. */
  publicModelWithoutDescription: boolean;
  /** A model that no data test or unit test covers. */
  modelWithoutTests: boolean;
}
export const defaultChecks: ChecksSettings = {
  unknownRef: true,
  disabledRef: true,
  publicModelWithoutDescription: true,
  modelWithoutTests: false,
};

/** Diagnostic codes, so tests and quick fixes can tell them apart. */
export const DiagnosticCodes = {
  unknownRef: 'unknown-ref',
  unknownSource: 'unknown-source',
  disabledRef: 'disabled-ref',
  publicModelWithoutDescription: 'public-model-without-description',
  modelWithoutTests: 'model-without-tests',
  parseError: 'parse-error',
} as const;

/** `source` field of every diagnostic the server publishes. */
export const diagnosticSource = 'dbt';
