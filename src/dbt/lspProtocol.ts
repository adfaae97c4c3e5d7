// The custom messages between the extension (src/editor/languageClient.ts,
// sent through src/editor/lspClientPart.ts) and the language server
// (src/server/main.ts), and the settings the server pulls. Each message is a
// typed NotificationType/RequestType, so its method and its params are tied
// at compile time; no other file spells a custom method name. The extension's
// main bundle imports only the types from here (the protocol library is
// ~130 kB, loaded with the language client on first use).
import { NotificationType } from 'vscode-languageserver-protocol';

/** client -> server: a (new) manifest for a project is ready to be read. */
export interface ManifestChangedParams {
  /** Absolute path of the folder holding dbt_project.yml. */
  projectRoot: string;
  /**
   * Absolute path of a complete manifest.json-shaped file: the worker's slim
   * manifest (written atomically), or the project's target/manifest.json;
   * or, before dbt's first parse, the index of the project's files
   * (src/dbt/fileIndex.ts, marked `metadata.dbt_conductor_provisional`): the
   * server answers hover, definition and completion from it but runs no
   * checks, and never lets it replace a manifest dbt wrote.
   */
  manifestPath: string;
  /** True when the manifest may not match the files (e.g. target/manifest.json read without a worker). */
  stale: boolean;
}
export const manifestChanged = new NotificationType<ManifestChangedParams>('dbtConductor/manifestChanged');

/** client -> server: the last parse of a project failed (error) or succeeded again (null). */
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
export const parseError = new NotificationType<ParseErrorParams>('dbtConductor/parseError');

/** client -> server: forget a project (folder removed, dbt_project.yml deleted). */
export interface ProjectRemovedParams {
  projectRoot: string;
}
export const projectRemoved = new NotificationType<ProjectRemovedParams>('dbtConductor/projectRemoved');

/**
 * client -> server: the columns a `dbt show` of a node returned, so the
 * "add to schema YAML" quick fix can list them when the manifest has none.
 */
export interface ColumnsSeenParams {
  projectRoot: string;
  uniqueId: string;
  columns: string[];
}
export const columnsSeen = new NotificationType<ColumnsSeenParams>('dbtConductor/columnsSeen');

/**
 * server -> client: project files were saved, created or deleted; the client
 * should re-parse the project (the worker's partial parse) and then send
 * `manifestChanged`. Debounced by the server, one per project per burst.
 */
export interface ParseRequestedParams {
  projectRoot: string;
  /** The changed files (absolute paths), for logs. */
  files: string[];
}
export const parseRequested = new NotificationType<ParseRequestedParams>('dbtConductor/parseRequested');

/** Every client -> server notification, by a key the extension's main bundle can name without loading this module. */
export const clientNotifications = { manifestChanged, parseError, projectRemoved, columnsSeen };
export type ClientNotification = keyof typeof clientNotifications;
export type ClientNotificationParams = {
  [K in ClientNotification]: (typeof clientNotifications)[K] extends NotificationType<infer P> ? P : never;
};

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
  /** A ref/source in a Jinja branch dbt did not take when it parsed: not checked against the manifest. */
  untakenBranch: 'untaken-branch',
  /** The file's node is disabled: dbt does not resolve its refs, so neither do the checks. */
  disabledNode: 'disabled-node',
  publicModelWithoutDescription: 'public-model-without-description',
  modelWithoutTests: 'model-without-tests',
  parseError: 'parse-error',
} as const;

/** `data` of an unknown-ref/unknown-source diagnostic: the replacements its quick fix offers. */
export interface SuggestionData {
  suggestions: string[];
}

/** `source` field of every diagnostic the server publishes. */
export const diagnosticSource = 'dbt';
