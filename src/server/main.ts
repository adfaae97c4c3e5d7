// The dbt language server: one process per window serving every dbt project
// of the workspace. The extension tells it where each project's manifest is
// (dbtConductor/manifestChanged); it asks the extension for a re-parse when
// project files are saved (dbtConductor/parseRequested). Started with
// --node-ipc by the extension, or --stdio by tests.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import {
  CodeActionKind,
  createConnection,
  ResponseError,
  DidChangeConfigurationNotification,
  FileChangeType,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { columnsSeen, manifestChanged, parseError, parseRequested, projectRemoved } from '../dbt/lspProtocol';
import { Files, pathOfUri, uriOfPath } from './documents';
import { guardNotification, guardRequest } from './guard';
import { EditHandlers } from './editHandlers';
import { Handlers } from './handlers';
import { findProjectRoot, ProjectRegistry, type Log, type Project } from './projects';
import { DiagnosticsPublisher } from './publisher';
import { ChecksConfig } from './settings';
import { SymbolHandlers } from './symbolHandlers';

/** Quiet time after the last save before asking for a re-parse. */
const PARSE_DEBOUNCE_MS = 400;
/** Quiet time after the last keystroke before re-checking a document. */
const CHECK_DEBOUNCE_MS = 150;

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const log: Log = (level, message) => connection.console[level](message);
const registry = new ProjectRegistry(log);
const files = new Files(documents);
const config = new ChecksConfig(connection);
const publisher = new DiagnosticsPublisher(connection, registry, files, config);
const handlers = new Handlers(registry, files, log);
const edits = new EditHandlers(registry, files);
const symbols = new SymbolHandlers(registry, files);

function openUris(project: Project): string[] {
  return files
    .openPaths()
    .filter((p) => registry.fileInfo(p)?.project === project)
    .map(uriOfPath);
}

function validRoot(root: unknown, what: string): root is string {
  if (typeof root === 'string' && isAbsolute(root)) return true;
  log('warn', `${what} ignored: projectRoot must be an absolute path, got ${JSON.stringify(root)}`);
  return false;
}

connection.onInitialize((params) => {
  config.supported = params.capabilities.workspace?.configuration === true;
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
      hoverProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      completionProvider: { triggerCharacters: ["'", '"', '.'] },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite] },
      renameProvider: { prepareProvider: true },
      documentSymbolProvider: true,
      workspaceSymbolProvider: true,
      foldingRangeProvider: true,
    },
    serverInfo: { name: 'dbt Conductor language server' },
  };
});

connection.onInitialized(() => {
  // Ask to be told about settings changes; values are then pulled (workspace/configuration).
  if (config.supported) void connection.client.register(DidChangeConfigurationNotification.type, { section: 'dbtConductor' }).catch(() => undefined);
});

connection.onDidChangeConfiguration(
  guardNotification(log, 'didChangeConfiguration', async () => {
    config.clear();
    for (const project of registry.all()) await publisher.refreshProject(project, openUris(project));
  }),
);

connection.onHover(guardRequest(log, 'hover', (p) => handlers.hover(p)));
connection.onDefinition(guardRequest(log, 'definition', (p) => handlers.definition(p)));
connection.onCompletion(guardRequest(log, 'completion', (p) => handlers.completion(p)));
connection.onReferences(guardRequest(log, 'references', (p) => handlers.references(p)));
connection.onCodeAction(guardRequest(log, 'codeAction', (p) => edits.codeActions(p)));
connection.onDocumentSymbol(guardRequest(log, 'documentSymbol', (p) => symbols.documentSymbols(p)));
connection.onWorkspaceSymbol(guardRequest(log, 'workspaceSymbol', (p) => symbols.workspaceSymbols(p)));
connection.onFoldingRanges(guardRequest(log, 'foldingRange', (p) => symbols.foldingRanges(p)));
// Rename answers its refusals (a package's model, a versioned one...) as errors the editor shows.
connection.onPrepareRename(guardRequest(log, 'prepareRename', (p) => edits.prepareRename(p), { rethrow: ResponseError }));
connection.onRenameRequest(guardRequest(log, 'rename', (p) => edits.rename(p), { rethrow: ResponseError }));

connection.onNotification(
  manifestChanged,
  guardNotification(log, manifestChanged.method, async (p) => {
    if (!validRoot(p?.projectRoot, manifestChanged.method)) return;
    if (typeof p.manifestPath !== 'string' || !isAbsolute(p.manifestPath)) {
      log('warn', `${manifestChanged.method} ignored: manifestPath must be an absolute path, got ${JSON.stringify(p.manifestPath)}`);
      return;
    }
    const project = await registry.add(p.projectRoot);
    if (!(await registry.load(project, p.manifestPath, p.stale === true, 'client'))) return;
    await publisher.refreshProject(project, openUris(project));
  }),
);

connection.onNotification(
  parseError,
  guardNotification(log, parseError.method, async (p) => {
    if (!validRoot(p?.projectRoot, parseError.method)) return;
    const project = await registry.add(p.projectRoot);
    const e = p.error;
    project.parseError =
      e && typeof e.message === 'string'
        ? { file: typeof e.file === 'string' ? e.file : null, line: typeof e.line === 'number' ? e.line : null, message: e.message }
        : null;
    await publisher.refreshProject(project, openUris(project));
  }),
);

connection.onNotification(
  columnsSeen,
  guardNotification(log, columnsSeen.method, (p) => {
    if (!validRoot(p?.projectRoot, columnsSeen.method) || typeof p.uniqueId !== 'string' || !Array.isArray(p.columns)) return;
    registry.rememberColumns(p.projectRoot, p.uniqueId, p.columns.filter((c): c is string => typeof c === 'string'));
  }),
);

connection.onNotification(
  projectRemoved,
  guardNotification(log, projectRemoved.method, (p) => {
    if (!validRoot(p?.projectRoot, projectRemoved.method)) return;
    const project = registry.get(p.projectRoot);
    if (!project) return;
    const uris = openUris(project);
    registry.remove(p.projectRoot);
    publisher.clearProject(p.projectRoot, uris);
    log('info', `project ${p.projectRoot} removed`);
  }),
);

// ---- re-parse requests, debounced per project ----

const pendingParse = new Map<string, { files: Set<string>; timer: NodeJS.Timeout }>();

function requestParse(path: string): void {
  for (const project of registry.projectsReading(path)) requestProjectParse(project, path);
}

function requestProjectParse(project: Project, path: string): void {
  const pending = pendingParse.get(project.root);
  if (pending) clearTimeout(pending.timer);
  const changed = pending?.files ?? new Set<string>();
  changed.add(path);
  const timer = setTimeout(() => {
    pendingParse.delete(project.root);
    void connection.sendNotification(parseRequested, { projectRoot: project.root, files: [...changed] }).catch((err: unknown) => log('warn', `${parseRequested.method} not sent: ${String(err)}`));
  }, PARSE_DEBOUNCE_MS);
  pendingParse.set(project.root, { files: changed, timer });
}

connection.onDidChangeWatchedFiles(
  guardNotification(log, 'didChangeWatchedFiles', (params) => {
    for (const change of params.changes) {
      const path = pathOfUri(change.uri);
      if (!path) continue;
      files.forget(path);
      if (change.type === FileChangeType.Deleted && registry.projectOf(path)) {
        publisher.clearFile(change.uri);
        log('info', `${path} was deleted; its diagnostics are cleared until the project is parsed again`);
      }
      requestParse(path);
    }
  }),
);

// ---- documents ----

/** Roots already looked for, so discovery runs once per folder. */
const discovered = new Set<string>();

/**
 * A file of a project the client has not told us about: find dbt_project.yml
 * above it and read target/manifest.json if there is one, marked stale (the
 * extension replaces it with the worker's manifest once it parses).
 */
async function discoverProject(path: string): Promise<void> {
  if (registry.projectOf(path)) return;
  const root = findProjectRoot(path);
  if (!root || discovered.has(root)) return;
  discovered.add(root);
  const project = await registry.add(root);
  const manifestPath = join(root, project.targetDir, 'manifest.json');
  if (project.manifestSource !== null || !existsSync(manifestPath)) return;
  log('info', `found dbt project ${root}; reading ${manifestPath} until the extension sends a fresh manifest`);
  if (await registry.load(project, manifestPath, true, 'discovered')) await publisher.refreshProject(project, openUris(project));
}

const checkTimers = new Map<string, NodeJS.Timeout>();

documents.onDidOpen(
  guardNotification(log, 'didOpen', async (e) => {
    const path = pathOfUri(e.document.uri);
    if (path) await discoverProject(path).catch((err: unknown) => log('warn', `project discovery for ${path} failed: ${String(err)}`));
    await publisher.refreshDocument(e.document.uri, true);
  }),
);

documents.onDidChangeContent((e) => {
  const uri = e.document.uri;
  clearTimeout(checkTimers.get(uri));
  checkTimers.set(
    uri,
    setTimeout(() => {
      checkTimers.delete(uri);
      void guardNotification(log, 'check', () => publisher.refreshDocument(uri))(undefined);
    }, CHECK_DEBOUNCE_MS),
  );
});

documents.onDidSave((e) => {
  const path = pathOfUri(e.document.uri);
  if (path) requestParse(path);
});

documents.onDidClose((e) => {
  clearTimeout(checkTimers.get(e.document.uri));
  checkTimers.delete(e.document.uri);
  publisher.forgetDocument(e.document.uri);
});

documents.listen(connection);
connection.listen();
