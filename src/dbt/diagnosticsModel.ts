// Problems from dbt results: compile and runtime errors on the node's file
// (a runtime error on the source line that produced the compiled line the
// database names, else the model's first SQL line); failed and warning tests
// on their YAML line (a generic test) or file (a singular test), from the
// test results of dbt/testState.ts, so Problems and Test Results agree;
// deprecations as warnings on the file they name. A node's problems are
// replaced each time it runs, so they clear when it succeeds. Pure: file
// contents come through `readFile`, the manifest as an index.
import { CompiledLineMap, firstSqlLine } from './compiledLines';
import type { ManifestIndex } from './manifest';
import type { InvocationResult, NodeResult } from './protocol';
import { entryLines, SchemaFile } from './schemaYaml';
import { isTestNode, type TestResult } from './testState';

export interface Problem {
  /** Path relative to the project root, '/'-separated (a package's node: under its install folder, see ProblemSources.nodePath). */
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
  /**
   * Where the file of a node of package `packageName` is, relative to the
   * project root, from its original_file_path (`relPath`, relative to the
   * package's root): a package's under its install folder.
   */
  nodePath(packageName: string, relPath: string): string;
  /** The project's target-path (where dbt writes compiled SQL); default "target". */
  targetPath?: string;
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
  sources({ index, readFile, nodePath }: Omit<ProblemSources, 'schemaFile'>): ProblemSources {
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
    return { index, readFile: read, nodePath, schemaFile };
  }
}

/** Sources that read and parse each file at most once: for locating many tests at a time. */
export function cachedSources(base: Omit<ProblemSources, 'schemaFile'>): ProblemSources {
  return new SchemaFileCache().sources(base);
}

const ERROR_STATUSES = new Set(['error', 'fail', 'runtime error']);
/** Commands whose node results say whether a node works (a `show` of a failing test succeeds, for one). */
const EXECUTING_COMMANDS = new Set(['run', 'build', 'test', 'seed', 'snapshot', 'retry']);
/** Statuses that mean the node ran and its earlier problems no longer hold. */
const CLEARING_STATUSES = new Set(['success', 'pass', 'no-op', 'reused', 'partial success']);

export class ProblemsModel {
  private readonly byNode = new Map<string, Problem[]>();

  /**
   * Applies one invocation's results to the nodes that are not tests (their
   * problems come from the test results); returns the files whose problems
   * changed. Run, build, test, seed, snapshot and retry set and clear
   * problems; compile only adds its compile errors; other commands (show,
   * list, docs) say nothing about whether a node works.
   */
  apply(result: InvocationResult, sources: ProblemSources): Set<string> {
    const touched = new Set<string>();
    const executing = EXECUTING_COMMANDS.has(result.command);
    if (!executing && result.command !== 'compile') return touched;
    for (const node of result.nodes) {
      if (isTestNode(node.resourceType)) continue;
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

  /** The problems to keep across a window reload. */
  toJSON(): Problem[] {
    return [...this.byNode.values()].flat();
  }

  static from(saved: unknown): ProblemsModel {
    const model = new ProblemsModel();
    for (const p of Array.isArray(saved) ? saved : []) {
      if (!p || typeof p.file !== 'string' || typeof p.line !== 'number' || typeof p.message !== 'string' || typeof p.uniqueId !== 'string') continue;
      const list = model.byNode.get(p.uniqueId) ?? [];
      list.push({ file: p.file, line: p.line, message: p.message, severity: p.severity === 'warning' ? 'warning' : 'error', uniqueId: p.uniqueId, status: String(p.status) });
      model.byNode.set(p.uniqueId, list);
    }
    return model;
  }
}

/** Problems of the tests whose latest result is fail, warn or error, on the line that declares each test. */
export function testProblems(results: readonly TestResult[], sources: ProblemSources, stale: (r: TestResult) => boolean = () => false): Problem[] {
  const out: Problem[] = [];
  for (const r of results) {
    if (r.outcome !== 'fail' && r.outcome !== 'warn' && r.outcome !== 'error') continue;
    const where = testLocation(r, sources);
    if (!where) continue;
    const what = `${r.resourceType === 'unit_test' ? 'Unit test' : 'Test'} ${r.name}`;
    const verb = r.outcome === 'warn' ? 'warned' : r.outcome === 'fail' ? 'failed' : 'errored';
    const failures = r.failures ? ` (${r.failures} failing row${r.failures === 1 ? '' : 's'})` : '';
    const note = stale(r) ? ' [stale: the file changed since this result]' : '';
    out.push({ ...where, message: `${what} ${verb}${failures}${r.message ? `: ${r.message.trim()}` : ''}${note}`, severity: r.outcome === 'warn' ? 'warning' : 'error', uniqueId: r.uniqueId, status: r.outcome });
  }
  return out;
}

/** dbt's deprecation warnings on the file they name (dbt_project.yml when they name none), at the line they are about when it can be found. */
export function deprecationProblems(deprecations: readonly { name: string; message: string; file?: string }[], sources: ProblemSources): Problem[] {
  return deprecations.map((d) => {
    const file = d.file ?? 'dbt_project.yml';
    return { file, line: deprecationLine(sources.readFile(file), d.message) ?? 0, message: `${d.name}: ${d.message.replace(/\s+/g, ' ').trim()}`, severity: 'warning', uniqueId: `deprecation:${d.name}:${file}`, status: 'deprecation' };
  });
}

/** "`relationships` defined on 'orders'": the test's `- relationships` item under that entry, else the entry's line. */
function deprecationLine(text: string | undefined, message: string): number | undefined {
  const m = /`([\w.]+)` defined on '([\w.]+)'/.exec(message.replace(/\s+/g, ' '));
  if (!text || !m) return undefined;
  const entries = entryLines(text);
  const at = entries.findIndex((e) => e.name === m[2]);
  if (at < 0) return undefined;
  const lines = text.split('\n');
  const end = entries[at + 1]?.line ?? lines.length;
  const item = new RegExp(`^\\s*-\\s*["']?(?:[\\w]+\\.)?${m[1].replace(/\./g, '\\.')}["']?\\s*(:|$)`);
  for (let i = entries[at].line + 1; i < end; i++) if (item.test(lines[i])) return i;
  return entries[at].line;
}

function problemOf(node: NodeResult, sources: ProblemSources): Problem | undefined {
  const severity = node.status === 'warn' ? 'warning' : 'error';
  const rel = sources.index?.get(node.uniqueId)?.originalFilePath || node.originalFilePath;
  const file = nodeProjectFile(node.uniqueId, sources, rel);
  if (!rel || file === undefined) return undefined;
  const source = sources.readFile(file);
  const line = lineFromMessage(node.message, source, compiledSqlOf(node, rel, sources)) ?? (source !== undefined && /\.sql$/i.test(file) ? firstSqlLine(source) : 0);
  return { file, line, message: messageOf(node), severity, uniqueId: node.uniqueId, status: node.status };
}

/** The package of a node: the manifest's, else the one its unique id names (`model.<package>.<name>`). */
function packageOf(uniqueId: string, sources: ProblemSources): string | undefined {
  return sources.index?.get(uniqueId)?.packageName || uniqueId.split('.')[1];
}

/** The node's compiled SQL: from the result, else the file dbt wrote under target/compiled/<package>/<original_file_path>. */
function compiledSqlOf(node: NodeResult, rel: string, sources: ProblemSources): string | undefined {
  if (node.compiledCode) return node.compiledCode;
  const pkg = packageOf(node.uniqueId, sources);
  return pkg ? sources.readFile(`${sources.targetPath ?? 'target'}/compiled/${pkg}/${rel}`) : undefined;
}

/**
 * A node's file relative to the project root, from its original_file_path
 * `rel` (the manifest's when not given); `rel` as is when the package is not
 * known; undefined when the file is not.
 */
export function nodeProjectFile(uniqueId: string, sources: ProblemSources, rel = sources.index?.get(uniqueId)?.originalFilePath): string | undefined {
  const pkg = packageOf(uniqueId, sources);
  return rel ? (pkg ? sources.nodePath(pkg, rel) : rel) : undefined;
}

/** Where a test result's test is declared (testDefinition), else line 0 of the file its result names; undefined when neither is known. */
export function testLocation(r: Pick<TestResult, 'uniqueId' | 'resourceType' | 'name' | 'filePath'>, sources: ProblemSources): { file: string; line: number } | undefined {
  const found = testDefinition(r.uniqueId, r.resourceType, r.name, sources);
  if (found) return found;
  const file = nodeProjectFile(r.uniqueId, sources, r.filePath);
  return file === undefined ? undefined : { file, line: 0 };
}

/**
 * Where a test is declared: the YAML line of a generic test (under its
 * column or model) or of a unit test, or line 0 of a singular test's file.
 * Undefined when the manifest does not know the test.
 */
export function testDefinition(uniqueId: string, resourceType: string, name: string, sources: ProblemSources): { file: string; line: number } | undefined {
  const index = sources.index;
  const entry = index?.get(uniqueId);
  const file = nodeProjectFile(uniqueId, sources);
  if (!entry || file === undefined) return undefined;
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
 * The source line (0-based) an error message points at, when it says:
 * Jinja's "line N"; a database's "LINE N: <text>" (DuckDB, Postgres), which
 * counts lines of the SQL that ran: the compiled line with that text (the
 * one nearest above N when there are several) is mapped to the source line
 * that produced it (compiledLines.ts), or, without compiled SQL, the one
 * source line with that text; or "'name' is undefined" (a misspelt macro),
 * the first line using that name. Undefined when it cannot tell.
 */
export function lineFromMessage(message: string | null, text: string | undefined, compiled?: string): number | undefined {
  if (!message) return undefined;
  const lines = text?.split('\n');
  const jinja = /\bline (\d+)\b/.exec(message);
  if (jinja) {
    const line = Number(jinja[1]) - 1;
    return line >= 0 && (!lines || line < lines.length) ? line : undefined;
  }
  if (!lines || text === undefined) return undefined;
  const database = /\bLINE (\d+):(.*)/.exec(message);
  const snippet = database?.[2]?.trim().replace(/^\.\.\.|\.\.\.$/g, '').trim();
  if (database && snippet && snippet.length >= 3) {
    const notComment = (l: string) => l.includes(snippet) && !/^\s*--/.test(l);
    if (compiled !== undefined) {
      const executedLine = Number(database[1]) - 1;
      const candidates = compiled.split('\n').flatMap((l, i) => (notComment(l) ? [i] : []));
      const below = candidates.filter((i) => i <= executedLine);
      const compiledLine = below.length > 0 ? below[below.length - 1] : candidates[0];
      const mapped = compiledLine === undefined ? undefined : new CompiledLineMap(text, compiled).sourceLine(compiledLine);
      if (mapped) return mapped.line;
    }
    const matches = lines.flatMap((l, i) => (notComment(l) ? [i] : []));
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
 * in model x (models/x.sql) ... line 3"; "Model 'model.p.x' (models/x.sql)
 * depends on a node named 'y' which was not found" (the line of the ref()
 * to y, read with `readFile`); or "Error reading pkg: a/b.yml - Runtime
 * Error ... Syntax error near line 5". `exists` checks a project-relative
 * path, to find which resource folder a YAML path is in.
 */
export function parseFailureOf(message: string, exists: (rel: string) => boolean, readFile: (rel: string) => string | undefined = () => undefined): ParseFailure {
  const trimmed = message.trim();
  let file: string | null = null;
  const inNode = /\bin \w+ [\w.]+ \(([^()\n]+)\)/.exec(trimmed);
  const ofNode = /\b\w+ '[\w.]+' \(([^()\s]+\.(?:sql|py|ya?ml|csv|md))\)/.exec(trimmed);
  const reading = /Error reading [\w-]+: ([^\s]+) - /.exec(trimmed);
  const named = inNode?.[1] ?? ofNode?.[1] ?? reading?.[1];
  if (named) file = [named, ...RESOURCE_DIRS.map((d) => `${d}/${named}`)].find(exists) ?? named;
  const line = /\bline (\d+)\b/.exec(trimmed);
  if (line) return { file, line: Number(line[1]), message: trimmed };
  const missing = /depends on a node named '([\w.]+)'/.exec(trimmed)?.[1];
  const text = file && missing ? readFile(file) : undefined;
  const refLine = text?.split('\n').findIndex((l) => new RegExp(`\\bref\\(\\s*(?:['"][\\w.]+['"]\\s*,\\s*)?['"]${missing!.replace(/\./g, '\\.')}['"]`).test(l));
  return { file, line: refLine !== undefined && refLine >= 0 ? refLine + 1 : null, message: trimmed };
}
