// dbt tests in VS Code's Testing view (the Testing API): project > model
// (or source) > test, each at its definition (the YAML line of a generic or
// unit test, the file of a singular test), which also gives the gutter
// icons. Items follow the manifest. Runs go through the same runner as
// every command, and outcomes are read from the one test-result record the
// Test Results tree and Problems read (dbt/testState.ts, mapped by
// dbt/testItems.ts), live while dbt runs; invocations started elsewhere (a
// code lens Build, the palette) are reported too, and a `show` (Show Failing
// Rows) or `compile` reports nothing, so the three views never disagree. A
// result older than an edit of its files is marked outdated, as Test Results
// marks it stale.
import { join } from 'node:path';
import * as vscode from 'vscode';
import { buildArgs, type DbtCommand } from '../dbt/args';
import { SchemaFileCache, testDefinition } from '../dbt/diagnosticsModel';
import type { ManifestIndex } from '../dbt/manifest';
import { resultsOf, subjectSelector, testingOutcome, testSubjects, type TestSubject } from '../dbt/testItems';
import type { InvocationEntry, TestResult } from '../dbt/treeModel';
import { commonOptions, type CommandContext } from './commands';
import { nodeFile, nodePaths, type ManifestStore } from './manifests';
import { readProjectFile, type DbtProject, type Projects } from './projects';
import type { RunnerHost } from './runnerHost';

type ItemData = { kind: 'project'; root: string } | { kind: 'subject'; root: string; subject: TestSubject } | { kind: 'test'; root: string; uniqueId: string; name: string; resourceType: string };

export class TestExplorer implements vscode.Disposable {
  readonly controller = vscode.tests.createTestController('dbtConductor', 'dbt');
  private readonly data = new WeakMap<vscode.TestItem, ItemData>();
  /** Test items by their id, `${root}#${uniqueId}`. */
  private readonly tests = new Map<string, vscode.TestItem>();
  /** Parsed schema files per project root, kept between syncs. */
  private readonly schemaFiles = new Map<string, SchemaFileCache>();
  /** Invocations a Testing run started: reported by that run, not again as an outside one. */
  private readonly ownRuns = new Set<number>();
  private readonly disposables: vscode.Disposable[] = [];
  /** The last outcome reported per test item id, with its messages' text (the Testing API does not let other extensions read results; the host tests do here). */
  readonly outcomes = new Map<string, { state: string; messages: string[] }>();
  /** Test item ids whose reported result is outdated (a file changed since), as marked with invalidateTestResults. */
  readonly outdated = new Set<string>();

  constructor(
    private readonly deps: {
      host: RunnerHost;
      manifests: ManifestStore;
      projects: Projects;
      ctx: () => Pick<CommandContext, 'config' | 'statusBar'>;
      /** A checker for results older than the last edit of their files (the one Test Results and Problems use). */
      staleCheck: () => (r: TestResult) => boolean;
    },
  ) {
    const c = this.controller;
    c.createRunProfile('Run dbt test', vscode.TestRunProfileKind.Run, (req, token) => this.run('test', req, token), true);
    c.createRunProfile('Run dbt build', vscode.TestRunProfileKind.Run, (req, token) => this.run('build', req, token), false);
    c.refreshHandler = () => this.sync();
    this.disposables.push(
      c,
      deps.manifests.onDidChange(() => this.sync()),
      deps.projects.onDidChange(() => this.sync()),
      deps.host.onDidFinish((entry) => this.reportOutside(entry)),
      deps.projects.onDidChangeFiles(() => this.markOutdated()),
    );
    this.sync();
  }

  /** Rebuilds the items from the loaded manifests (added, removed and renamed tests follow). */
  sync(): void {
    const projectItems: vscode.TestItem[] = [];
    this.tests.clear();
    for (const project of this.deps.projects.list()) {
      const index = this.deps.manifests.get(project.root)?.index;
      if (index) projectItems.push(this.projectItem(project, index));
    }
    for (const root of this.schemaFiles.keys()) if (!this.deps.projects.get(root)) this.schemaFiles.delete(root);
    this.controller.items.replace(projectItems);
  }

  private projectItem(project: DbtProject, index: ManifestIndex): vscode.TestItem {
    const root = project.root;
    const item = this.controller.createTestItem(root, project.name, vscode.Uri.file(join(root, 'dbt_project.yml')));
    this.data.set(item, { kind: 'project', root });
    // Schema files hold many tests: each is read once per sync, and parsed only when it changed since the last.
    let cache = this.schemaFiles.get(root);
    if (!cache) this.schemaFiles.set(root, (cache = new SchemaFileCache()));
    const sources = cache.sources({ index, readFile: (rel) => readProjectFile(root, rel), nodePath: nodePaths(this.deps.manifests, this.deps.projects, root) });
    item.children.replace(
      testSubjects(index).map((subject) => {
        const s = this.controller.createTestItem(`${root}#${subject.uniqueId}`, subject.name, subject.file ? nodeFile(this.deps.manifests, this.deps.projects, root, subject.uniqueId, subject.file) : undefined);
        s.description = subject.resourceType || undefined;
        this.data.set(s, { kind: 'subject', root, subject });
        s.children.replace(
          subject.tests.map((t) => {
            const def = testDefinition(t.uniqueId, t.resourceType, t.name, sources);
            const ti = this.controller.createTestItem(`${root}#${t.uniqueId}`, t.name, def ? vscode.Uri.file(join(root, def.file)) : undefined);
            if (def) ti.range = new vscode.Range(def.line, 0, def.line, 0);
            ti.description = t.resourceType === 'unit_test' ? 'unit test' : (t.testName ?? 'singular');
            this.data.set(ti, { kind: 'test', root, uniqueId: t.uniqueId, name: t.name, resourceType: t.resourceType });
            this.tests.set(`${root}#${t.uniqueId}`, ti);
            return ti;
          }),
        );
        return s;
      }),
    );
    return item;
  }

  /** The test items (tests read them). */
  testItem(root: string, uniqueId: string): vscode.TestItem | undefined {
    return this.tests.get(`${root}#${uniqueId}`);
  }

  /** Runs the request's items per project with `dbt test` (or `dbt build`), reporting as events arrive. */
  async run(command: DbtCommand, request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const include = request.include ?? [...this.controller.items].map(([, item]) => item);
    const excluded = new Set(request.exclude ?? []);
    const byRoot = new Map<string, vscode.TestItem[]>();
    for (const item of include) {
      const d = this.data.get(item);
      if (d && !excluded.has(item)) byRoot.set(d.root, [...(byRoot.get(d.root) ?? []), item]);
    }
    for (const [root, items] of byRoot) {
      if (token.isCancellationRequested) return;
      const project = this.deps.projects.get(root);
      if (project) await this.runProject(command, project, items, [...excluded], request, token);
    }
  }

  private async runProject(command: DbtCommand, project: DbtProject, items: vscode.TestItem[], excluded: vscode.TestItem[], request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const whole = items.some((i) => this.data.get(i)?.kind === 'project');
    const select = whole ? undefined : items.map((i) => this.selector(i)).filter((s): s is string => !!s);
    const exclude = excluded.filter((i) => this.data.get(i)?.root === project.root).map((i) => this.selector(i)).filter((s): s is string => !!s);
    const args = buildArgs({
      ...commonOptions(this.deps.ctx(), project, command),
      command,
      selection: select ? { kind: 'text', text: select.join(' ') } : { kind: 'project' },
      exclude: exclude.length > 0 ? exclude.join(' ') : undefined,
    });
    const run = this.controller.createTestRun(request, `dbt ${command}`, true);
    const expected = leaves(whole ? [...this.controller.items].map(([, i]) => i).filter((i) => this.data.get(i)?.root === project.root) : items).filter((t) => !excluded.includes(t));
    for (const t of expected) run.enqueued(t);
    let entry: InvocationEntry | undefined;
    const reported: Reported = { states: new Map(), withoutSql: new Map() };
    const live = this.deps.host.onDidChange(() => entry && this.report(run, entry, reported));
    const cancel = token.onCancellationRequested(() => entry && this.deps.host.cancel(entry.id));
    try {
      const ended = await this.deps.host.run(project, args, {
        label: `dbt ${command} (Testing)`,
        onStart: (e) => {
          entry = e;
          this.ownRuns.add(e.id);
        },
      });
      if (ended) {
        this.report(run, ended, reported);
        this.addCompiledSql(run, ended, reported);
      }
      // Tests dbt did not run (deselected, or the run failed before them) are skipped, not left spinning.
      for (const t of expected) if (!reported.states.has(t.id)) run.skipped(t);
      if (ended?.error) run.appendOutput(`${ended.error.replace(/\r?\n/g, '\r\n')}\r\n`);
    } finally {
      live.dispose();
      cancel.dispose();
      run.end();
    }
  }

  /** An invocation the Testing view did not start (a Build from the code lens): the test results it produced, as a run of their own. */
  private reportOutside(entry: InvocationEntry): void {
    if (this.ownRuns.delete(entry.id) || entry.background) return;
    if (!this.produced(entry).some((r) => this.tests.has(`${entry.projectRoot}#${r.uniqueId}`))) return;
    const run = this.controller.createTestRun(new vscode.TestRunRequest(), entry.label, false);
    this.report(run, entry, { states: new Map(), withoutSql: new Map() });
    run.end();
  }

  /** The test results `entry` produced (or runs now), from the one test-result record. */
  private produced(entry: InvocationEntry): TestResult[] {
    return resultsOf(this.deps.host.history.tests.all(entry.projectRoot), entry.id, entry.startedAt);
  }

  /** Reports the test results of `entry` whose state changed since the last report. */
  private report(run: vscode.TestRun, entry: InvocationEntry, reported: Reported): void {
    for (const r of this.produced(entry)) {
      const item = this.tests.get(`${entry.projectRoot}#${r.uniqueId}`);
      const o = testingOutcome(r);
      if (!item || !o || reported.states.get(item.id) === o.state) continue;
      reported.states.set(item.id, o.state);
      this.outdated.delete(item.id);
      this.apply(run, item, entry, r, reported);
    }
  }

  /**
   * A failure reported live, while dbt ran, had no compiled SQL yet (dbt's
   * result holds it, at the end): it follows as a second message, so the
   * failure is shown at once and its SQL is not lost.
   */
  private addCompiledSql(run: vscode.TestRun, ended: InvocationEntry, reported: Reported): void {
    for (const [item, r] of reported.withoutSql) {
      const compiled = compiledSqlOf(ended, r.uniqueId);
      const o = testingOutcome(r);
      if (!compiled || !o) continue;
      const md = new vscode.MarkdownString().appendMarkdown(`**Compiled SQL** of ${r.name}\n`).appendCodeblock(compiled, 'sql');
      this.outcomes.get(item.id)?.messages.push(md.value);
      if (o.state === 'failed') run.failed(item, new vscode.TestMessage(md), o.durationMs);
      else run.errored(item, new vscode.TestMessage(md), o.durationMs);
    }
  }

  private apply(run: vscode.TestRun, item: vscode.TestItem, entry: InvocationEntry, r: TestResult, reported: Reported): void {
    const o = testingOutcome(r)!;
    this.outcomes.set(item.id, { state: o.state, messages: [] });
    switch (o.state) {
      case 'running':
        return run.started(item);
      case 'passed':
        if (o.warned && o.message) run.appendOutput(`WARN ${r.name}: ${o.message.replace(/\r?\n/g, '\r\n')}\r\n`, item.uri && item.range ? new vscode.Location(item.uri, item.range) : undefined, item);
        return run.passed(item, o.durationMs);
      case 'skipped':
        return run.skipped(item);
      case 'failed':
      case 'errored': {
        const message = this.message(item, entry, r, o.message ?? '');
        this.outcomes.set(item.id, { state: o.state, messages: [(message.message as vscode.MarkdownString).value] });
        if (!entry.result) reported.withoutSql.set(item, r);
        return o.state === 'failed' ? run.failed(item, message, o.durationMs) : run.errored(item, message, o.durationMs);
      }
    }
  }

  /** dbt's message, the failing-row count, a link that shows the failing rows, and the compiled SQL. */
  private message(item: vscode.TestItem, entry: InvocationEntry, r: TestResult, text: string): vscode.TestMessage {
    const md = new vscode.MarkdownString();
    md.appendCodeblock(text, 'text');
    if (r.failures && r.resourceType === 'test') {
      const target = { kind: 'node', projectRoot: entry.projectRoot, name: r.name, uniqueId: r.uniqueId, resourceType: r.resourceType };
      md.appendMarkdown(`\n[Show failing rows](command:dbtConductor.show?${encodeURIComponent(JSON.stringify([target]))})\n`);
      md.isTrusted = { enabledCommands: ['dbtConductor.show'] };
    }
    const compiled = compiledSqlOf(entry, r.uniqueId);
    if (compiled) {
      md.appendMarkdown('\n**Compiled SQL**\n');
      md.appendCodeblock(compiled, 'sql');
    }
    const message = new vscode.TestMessage(md);
    if (item.uri && item.range) message.location = new vscode.Location(item.uri, item.range);
    return message;
  }

  /** Files changed: the reported results now older than an edit of their files are marked outdated (Test Results calls them stale). */
  private markOutdated(): void {
    const stale = this.deps.staleCheck();
    const items = this.deps.host.history.tests
      .all()
      .filter((r) => !r.running && stale(r))
      .map((r) => this.tests.get(`${r.projectRoot}#${r.uniqueId}`))
      .filter((i): i is vscode.TestItem => !!i && !this.outdated.has(i.id));
    for (const i of items) this.outdated.add(i.id);
    if (items.length > 0) this.controller.invalidateTestResults(items);
  }

  private selector(item: vscode.TestItem): string | undefined {
    const d = this.data.get(item);
    if (!d || d.kind === 'project') return undefined;
    if (d.kind === 'test') return d.name;
    return d.subject.uniqueId ? subjectSelector(d.subject) : d.subject.tests.map((t) => t.name).join(' ');
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** What a test run reported so far: the state per item id, and the failures reported before dbt's compiled SQL was known. */
interface Reported {
  states: Map<string, string>;
  withoutSql: Map<vscode.TestItem, TestResult>;
}

function compiledSqlOf(entry: InvocationEntry, uniqueId: string): string | undefined {
  return entry.result?.nodes.find((n) => n.uniqueId === uniqueId)?.compiledCode ?? undefined;
}

/** The test items (leaves) under `items`. */
function leaves(items: readonly vscode.TestItem[]): vscode.TestItem[] {
  const out: vscode.TestItem[] = [];
  const walk = (i: vscode.TestItem) => {
    if (i.children.size === 0) out.push(i);
    else i.children.forEach(walk);
  };
  items.forEach(walk);
  return out;
}
