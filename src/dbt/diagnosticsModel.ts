// Problems from dbt results: failed and warning tests on their YAML line (a
// generic test) or file (a singular test), compile and runtime errors on the
// node's file (and on the line when dbt's message names one). A node's
// problems are replaced each time it runs, so they clear when it succeeds.
// Pure: file contents come through `readFile`, the manifest as an index.
import type { ManifestIndex } from './manifest';
import type { InvocationResult, NodeResult } from './protocol';
import { SchemaFile } from './schemaYaml';

export interface Problem {
  /** Path relative to the project root, '/'-separated. */
  file: string;
  /** 0-based. */
  line: number;
  message: string;
  severity: 'error' | 'warning';
  uniqueId: string;
  /** dbt's status: fail, error, warn, runtime error. */
  status: string;
}

export interface ProblemSources {
  /** The project's manifest, to find a test's model, column and YAML file; may be missing before the first parse. */
  index?: ManifestIndex;
  /** Text of a project file (relative path), undefined when unreadable. */
  readFile(relPath: string): string | undefined;
  /** A schema file parsed once, when the caller locates many tests (see `cachedSources`); else parsed per look-up. */
  schemaFile?(relPath: string): SchemaFile | undefined;
}

/**
 * Parsed schema files kept from one pass over a project's tests (a Testing
 * view sync) to the next: a file whose text did not change is not parsed
 * again, so a manifest change after an edit re-parses only the edited file.
 */
export class SchemaFileCache {
  private files = new Map<string, SchemaFile>();

  /** Sources for one pass: each file read once, parsed only when its text changed; files this pass does not use are dropped. */
  sources(index: ManifestIndex | undefined, readFile: (relPath: string) => string | undefined): ProblemSources {
    const previous = this.files;
    const next = (this.files = new Map<string, SchemaFile>());
    const texts = new Map<string, string | undefined>();
    const read = (rel: string) => (texts.has(rel) ? texts.get(rel) : texts.set(rel, readFile(rel)).get(rel));
    const schemaFile = (rel: string) => {
      const text = read(rel);
      if (text === undefined) return undefined;
      const known = next.get(rel) ?? previous.get(rel);
      const file = known?.text === text ? known : new SchemaFile(text);
      next.set(rel, file);
      return file;
    };
    return { index, readFile: read, schemaFile };
  }
}

/** Sources that read and parse each file at most once: for locating many tests at a time. */
export function cachedSources(index: ManifestIndex | undefined, readFile: (relPath: string) => string | undefined): ProblemSources {
  return new SchemaFileCache().sources(index, readFile);
}

const ERROR_STATUSES = new Set(['error', 'fail', 'runtime error']);
/** Commands whose node results say whether a node works (a `show` of a failing test succeeds, for one). */
const EXECUTING_COMMANDS = new Set(['run', 'build', 'test', 'seed', 'snapshot', 'retry']);
/** Statuses that mean the node ran and its earlier problems no longer hold. */
const CLEARING_STATUSES = new Set(['success', 'pass', 'no-op', 'reused', 'partial success']);

export class ProblemsModel {
  private readonly byNode = new Map<string, Problem[]>();

  /**
   * Applies one invocation's results; returns the files whose problems
   * changed. Run, build, test, seed, snapshot and retry set and clear
   * problems; compile only adds its compile errors; other commands (show,
   * list, docs) say nothing about whether a node works.
   */
  apply(result: InvocationResult, sources: ProblemSources): Set<string> {
    const touched = new Set<string>();
    const executing = EXECUTING_COMMANDS.has(result.command);
    if (!executing && result.command !== 'compile') return touched;
    for (const node of result.nodes) {
      const before = this.byNode.get(node.uniqueId);
      let after: Problem[] | undefined;
      if (ERROR_STATUSES.has(node.status) || node.status === 'warn') {
        // A cancel makes dbt report the interrupted nodes as errors: not a problem of theirs.
        if (result.cancelled) continue;
        const p = problemOf(node, sources);
        if (p) after = [p];
      } else if (!executing || !CLEARING_STATUSES.has(node.status)) {
        continue; // skipped, or only compiled: what we knew still holds
      }
      for (const p of before ?? []) touched.add(p.file);
      for (const p of after ?? []) touched.add(p.file);
      if (after) this.byNode.set(node.uniqueId, after);
      else this.byNode.delete(node.uniqueId);
    }
    return touched;
  }

  /** Problems in one file, ordered by line. */
  forFile(file: string): Problem[] {
    const out: Problem[] = [];
    for (const list of this.byNode.values()) for (const p of list) if (p.file === file) out.push(p);
    return out.sort((a, b) => a.line - b.line);
  }

  files(): Set<string> {
    const out = new Set<string>();
    for (const list of this.byNode.values()) for (const p of list) out.add(p.file);
    return out;
  }

  clear(): Set<string> {
    const files = this.files();
    this.byNode.clear();
    return files;
  }
}

function problemOf(node: NodeResult, sources: ProblemSources): Problem | undefined {
  const severity = node.status === 'warn' ? 'warning' : 'error';
  const isTest = node.resourceType === 'test' || node.resourceType === 'unit_test';
  let where: { file: string; line: number } | undefined;
  if (isTest) {
    where = testDefinition(node.uniqueId, node.resourceType, node.name, sources);
    if (!where && node.originalFilePath) where = { file: node.originalFilePath, line: 0 };
  } else {
    const file = sources.index?.get(node.uniqueId)?.originalFilePath || node.originalFilePath;
    if (file) where = { file, line: lineFromMessage(node.message, sources.readFile(file)) ?? 0 };
  }
  if (!where) return undefined;
  return { ...where, message: messageOf(node), severity, uniqueId: node.uniqueId, status: node.status };
}

/**
 * Where a test is declared: the YAML line of a generic test (under its
 * column or model) or of a unit test, or line 0 of a singular test's file.
 * Undefined when the manifest does not know the test.
 */
export function testDefinition(uniqueId: string, resourceType: string, name: string, sources: ProblemSources): { file: string; line: number } | undefined {
  const index = sources.index;
  const entry = index?.get(uniqueId);
  if (!entry?.originalFilePath) return undefined;
  const file = entry.originalFilePath;
  if (!/\.ya?ml$/i.test(file)) return { file, line: 0 };
  const schema = sources.schemaFile ? sources.schemaFile(file) : parsed(sources.readFile(file));
  if (!schema) return { file, line: 0 };
  if (resourceType === 'unit_test') return { file, line: schema.entryLine('unit_test', entry.name || name) ?? 0 };
  const attached = entry.attachedNode ? index?.get(entry.attachedNode) : undefined;
  if (!entry.testName || !attached) return { file, line: 0 };
  const line = schema.genericTestLine({
    attachedName: attached.name,
    sourceName: attached.resourceType === 'source' ? (attached.sourceName ?? undefined) : undefined,
    columnName: entry.columnName,
    testName: entry.testName,
  });
  return { file, line: line ?? 0 };
}

function parsed(text: string | undefined): SchemaFile | undefined {
  return text === undefined ? undefined : new SchemaFile(text);
}

function messageOf(node: NodeResult): string {
  const what = node.resourceType === 'test' || node.resourceType === 'unit_test' ? `${node.resourceType === 'unit_test' ? 'Unit test' : 'Test'} ${node.name}` : `${capitalize(node.resourceType)} ${node.name}`;
  const verb = node.status === 'warn' ? 'warned' : node.status === 'fail' ? 'failed' : 'errored';
  const failures = node.failures !== null && node.failures > 0 ? ` (${node.failures} failing row${node.failures === 1 ? '' : 's'})` : '';
  const detail = node.message ? `: ${node.message.trim()}` : '';
  return `${what} ${verb}${failures}${detail}`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * The source line an error message points at (0-based), when it says:
 * Jinja's "line N"; a database's "LINE N: <text>" (DuckDB, Postgres), which
 * counts lines of the compiled SQL, so the line of the file holding that
 * same text is used; or "'name' is undefined" (a misspelt macro), the first
 * line using that name.
 */
export function lineFromMessage(message: string | null, text: string | undefined): number | undefined {
  if (!message) return undefined;
  const lines = text?.split('\n');
  const jinja = /\bline (\d+)\b/.exec(message);
  if (jinja) {
    const line = Number(jinja[1]) - 1;
    return line >= 0 && (!lines || line < lines.length) ? line : undefined;
  }
  if (!lines) return undefined;
  const compiled = /\bLINE \d+:(.*)/.exec(message);
  const snippet = compiled?.[1]?.trim();
  if (snippet && snippet.length >= 3) {
    const matches = lines.flatMap((l, i) => (l.includes(snippet) && !/^\s*--/.test(l) ? [i] : []));
    if (matches.length === 1) return matches[0];
  }
  const undefinedName = /'([A-Za-z_][\w.]*)' is undefined/.exec(message)?.[1];
  if (undefinedName) {
    const re = new RegExp(`\\b${undefinedName.replace(/\./g, '\\.')}\\b`);
    const i = lines.findIndex((l) => re.test(l) && !/^\s*--/.test(l));
    if (i >= 0) return i;
  }
  return undefined;
}

/** Where dbt says a parse failed: 1-based line, file relative to the project root (null when unknown). */
export interface ParseFailure {
  file: string | null;
  line: number | null;
  message: string;
}

/** Folders dbt names YAML files relative to ("Error reading pkg: staging/schema.yml" means models/staging/schema.yml). */
const RESOURCE_DIRS = ['models', 'seeds', 'snapshots', 'tests', 'macros', 'analyses'];

/**
 * Reads the file and line out of dbt's parse error text: "Compilation Error
 * in model x (models/x.sql) ... line 3", or "Error reading pkg: a/b.yml -
 * Runtime Error ... Syntax error near line 5". `exists` checks a
 * project-relative path, to find which resource folder a YAML path is in.
 */
export function parseFailureOf(message: string, exists: (rel: string) => boolean): ParseFailure {
  const trimmed = message.trim();
  let file: string | null = null;
  const inNode = /\bin \w+ [\w.]+ \(([^()\n]+)\)/.exec(trimmed);
  const reading = /Error reading [\w-]+: ([^\s]+) - /.exec(trimmed);
  const named = inNode?.[1] ?? reading?.[1];
  if (named) file = [named, ...RESOURCE_DIRS.map((d) => `${d}/${named}`)].find(exists) ?? named;
  const line = /\bline (\d+)\b/.exec(trimmed);
  return { file, line: line ? Number(line[1]) : null, message: trimmed };
}
