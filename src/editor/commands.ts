// Every command of the extension, as one table of factories
// `(ctx) => handler`. Ids are `dbtConductor.<name>`. Commands that run dbt
// resolve to the InvocationEntry they ran (args, live rows, result), which
// the extension-host tests read; undefined when nothing ran.
import * as vscode from 'vscode';
import { buildArgs, describeInvocation, InvocationError, parseCommandLine, type DbtCommand, type InvocationSpec } from '../dbt/args';
import { fitTarget, rerunCommand, selectionOf } from '../dbt/commandTargets';
import type { RawDbtEvent } from '../dbt/protocol';
import type { InvocationEntry, NodeRun, TestResult } from '../dbt/treeModel';
import type { CompiledSql } from './compiled';
import type { Config } from './config';
import type { ResultDiagnostics } from './diagnostics';
import { pickInterpreter } from './interpreterPick';
import { manifestTags, type ManifestStore } from './manifests';
import type { NodeTreeElement, NodeTreeProvider } from './nodeTree';
import { pickFromHistory, previewTarget, runSelectedSql } from './queries';
import type { ResultsPanel } from './resultsPanel';
import type { DbtProject, Projects } from './projects';
import type { PythonResolver } from './python';
import type { RunnerHost } from './runnerHost';
import type { SettingsChanges } from './settingsChanges';
import type { StatusBar } from './statusBar';
import { resolveTarget, type Target } from './target';
import type { TestTreeElement, TestTreeProvider } from './testTree';
import type { TimelinePanel } from './timelinePanel';
import { ensureTrusted, manageTrust } from './trust';

export interface CommandContext {
  config: Config;
  projects: Projects;
  manifests: ManifestStore;
  host: RunnerHost;
  statusBar: StatusBar;
  results: ResultsPanel;
  timeline: TimelinePanel;
  compiled: CompiledSql;
  nodeTree: NodeTreeProvider;
  testTree: TestTreeProvider;
  diagnostics: ResultDiagnostics;
  python: PythonResolver;
  settings: SettingsChanges;
  showOutput: () => void;
  /** Remembered free-form commands ("Run dbt command..."). */
  state: vscode.Memento;
  /** Resolves when the first project discovery is done. */
  ready: Promise<void>;
}

type Handler = (...args: unknown[]) => unknown;
type Factory = (ctx: CommandContext) => Handler;

interface Options {
  parents?: boolean;
  children?: boolean;
  fullRefresh?: boolean;
  /** Leave out the tests of the selected models (a preview or compile of one model). */
  withoutTests?: boolean;
}

/** Runs `command` on what the user is looking at, when it fits (Seed on seeds, Snapshot on snapshots; else all of them). */
const targeted =
  (command: DbtCommand, options: Options = {}): Factory =>
  (ctx) =>
  async (...args) => {
    const target = resolveTarget(ctx, args);
    const project = target && ctx.projects.get(target.projectRoot);
    return target && project ? runOn(ctx, command, fitTarget(command, target, project), options) : noProject();
  };

/** Runs `command` on the whole active project (or the project of a Target argument). */
const projectWide =
  (command: DbtCommand): Factory =>
  (ctx) =>
  async (...args) => {
    const project = projectOf(ctx, args[0]);
    return project ? runOn(ctx, command, { kind: 'project', projectRoot: project.root }, {}) : noProject();
  };

export const COMMANDS: Record<string, Factory> = {
  run: targeted('run'),
  runUpstream: targeted('run', { parents: true }),
  runDownstream: targeted('run', { children: true }),
  runUpAndDownstream: targeted('run', { parents: true, children: true }),
  runFullRefresh: targeted('run', { fullRefresh: true }),
  build: targeted('build'),
  buildUpstream: targeted('build', { parents: true }),
  buildDownstream: targeted('build', { children: true }),
  buildUpAndDownstream: targeted('build', { parents: true, children: true }),
  buildFullRefresh: targeted('build', { fullRefresh: true }),
  test: targeted('test'),
  testUpstream: targeted('test', { parents: true }),
  testDownstream: targeted('test', { children: true }),
  testUpAndDownstream: targeted('test', { parents: true, children: true }),
  compile: (ctx) => async (...args) => compileTarget(ctx, resolveTarget(ctx, args)),
  compileUpstream: targeted('compile', { parents: true }),
  compileDownstream: targeted('compile', { children: true }),
  compileUpAndDownstream: targeted('compile', { parents: true, children: true }),
  seed: targeted('seed'),
  seedFullRefresh: targeted('seed', { fullRefresh: true }),
  snapshot: targeted('snapshot'),
  show: (ctx) => async (...args) => previewTarget(ctx, resolveTarget(ctx, args)),
  parse: projectWide('parse'),
  list: (ctx) => async (...args) => {
    const target = resolveTarget(ctx, args);
    const entry = target ? await runOn(ctx, 'list', target, {}) : await noProject();
    // The list is printed in the output channel.
    if (entry?.result?.output.kind === 'list') ctx.showOutput();
    return entry;
  },
  deps: projectWide('deps'),
  debug: projectWide('debug'),
  docsGenerate: projectWide('docs generate'),
  sourceFreshness: projectWide('source freshness'),
  retry: projectWide('retry'),
  clean: projectWide('clean'),
  runProject: projectWide('run'),
  buildProject: projectWide('build'),
  testProject: projectWide('test'),
  runCommand: (ctx) => async (...args) => runFreeForm(ctx, typeof args[0] === 'string' ? args[0] : undefined),
  pickSelection: (ctx) => async () => pickSelection(ctx),
  openCompiledSql: (ctx) => async (...args) => {
    const target = resolveTarget(ctx, args);
    if (!target || target.kind === 'project') {
      void vscode.window.showInformationMessage('Open a model (or put the cursor on a ref) to see its compiled SQL.');
      return undefined;
    }
    return compileTarget(ctx, target);
  },
  cancel: (ctx) => () => ctx.host.cancelAll(),
  switchProjectOrTarget: (ctx) => () => ctx.statusBar.pickProjectOrTarget(),
  selectTarget: (ctx) => () => ctx.statusBar.pickTarget(),
  selectProject: (ctx) => () => ctx.statusBar.pickProject(),
  showOutput: (ctx) => () => ctx.showOutput(),
  runSelectedSql: (ctx) => async () => runSelectedSql(ctx),
  queryHistory: (ctx) => async () => pickFromHistory(ctx),
  manageTrust: () => () => manageTrust(),
  selectInterpreter: (ctx) => async (...args) => selectInterpreter(ctx, args[0]),
  restartWorkers: (ctx) => async () => {
    await ctx.settings.apply(new Set(['find-python', 'restart-workers', 'reparse']), 'Restart dbt Workers');
    void vscode.window.setStatusBarMessage('dbt workers restarted', 3000);
  },

  // ---- tree item actions ----
  'tree.rerunNode': (ctx) => async (el) => {
    const node = asNode(el);
    if (!node) return undefined;
    return runOn(ctx, rerunCommand(node.entry.args, node.row.resourceType), nodeTarget(node.entry.projectRoot, node.row), {});
  },
  'tree.openCompiled': (ctx) => async (el) => {
    const node = asNode(el);
    if (!node) return undefined;
    const code = node.entry.result?.nodes.find((n) => n.uniqueId === node.row.uniqueId)?.compiledCode;
    if (code) return ctx.compiled.show(node.entry.projectRoot, node.row.uniqueId, code);
    return compileTarget(ctx, nodeTarget(node.entry.projectRoot, node.row));
  },
  'tree.openFile': (ctx) => async (el) => {
    const node = asNode(el);
    const uri = node && ctx.nodeTree.fileOf(node.entry, node.row);
    if (!uri) {
      void vscode.window.showInformationMessage('dbt did not say which file this node comes from; parse the project and try again.');
      return undefined;
    }
    return vscode.window.showTextDocument(uri, { preview: true });
  },
  'tree.rerunInvocation': (ctx) => async (el) => {
    const inv = el as NodeTreeElement | undefined;
    if (inv?.kind !== 'invocation') return undefined;
    const project = ctx.projects.get(inv.entry.projectRoot);
    return project ? ctx.host.run(project, inv.entry.args, { label: inv.entry.label }) : noProject();
  },
  showTimeline: (ctx) => async (el) => ctx.timeline.show(asInvocation(el) ?? ctx.host.history.list()[0]),
  retryFailed: (ctx) => async (el) => {
    const entry = asInvocation(el) ?? ctx.host.history.list()[0];
    return entry ? ctx.timeline.retry(entry) : undefined;
  },
  'tree.cancelInvocation': (ctx) => (el) => {
    const inv = el as NodeTreeElement | undefined;
    return inv?.kind === 'invocation' ? ctx.host.cancel(inv.entry.id) : false;
  },
  'tree.clear': (ctx) => () => {
    ctx.host.history.clear();
    ctx.diagnostics.clear();
    ctx.nodeTree.refresh();
    ctx.testTree.refresh();
  },
  'tests.openDefinition': (ctx) => async (el) => {
    const test = asTest(el);
    const def = test && ctx.diagnostics.testDefinition(test);
    if (!def) {
      void vscode.window.showInformationMessage('The definition of this test is not known yet: parse the project and try again.');
      return undefined;
    }
    const pos = new vscode.Position(def.line, 0);
    return vscode.window.showTextDocument(def.uri, { selection: new vscode.Range(pos, pos), preview: true });
  },
  'tests.showFailingRows': (ctx) => async (el) => {
    const test = asTest(el);
    // `dbt show` on a test runs its compiled query: the failing rows (it never changes the test's result).
    return test ? previewTarget(ctx, nodeTarget(test.projectRoot, test), `Failing rows: ${test.name}`) : undefined;
  },
  'tests.rerun': (ctx) => async (el) => {
    const test = asTest(el);
    return test ? runOn(ctx, 'test', nodeTarget(test.projectRoot, test), {}) : undefined;
  },
};

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([name, factory]) => {
    const handler = factory(ctx);
    // A command given right at start-up waits for the first project discovery.
    return vscode.commands.registerCommand(`dbtConductor.${name}`, async (...args: unknown[]) => {
      await ctx.ready;
      return handler(...args);
    });
  });
}

// ---- building and running ----

export function runOn(ctx: CommandContext, command: DbtCommand, target: Target, options: Options, limit?: number, onEvent?: (e: RawDbtEvent) => void): Promise<InvocationEntry | undefined> {
  const project = ctx.projects.get(target.projectRoot);
  if (!project) return noProject();
  try {
    const spec: InvocationSpec = { command, selection: selectionOf(target, options), fullRefresh: options.fullRefresh, limit };
    return run(ctx, project, spec, options.withoutTests ? ['--indirect-selection', 'empty'] : [], onEvent);
  } catch (e) {
    return argsError(e);
  }
}

/** Adds the settings (target, profiles dir, threads, vars, extra args) to `spec` and runs it. */
export function run(ctx: CommandContext, project: DbtProject, spec: InvocationSpec, extraArgs: string[] = [], onEvent?: (e: RawDbtEvent) => void): Promise<InvocationEntry | undefined> {
  let args: string[];
  try {
    const common = commonOptions(ctx, project, spec.command);
    args = buildArgs({ ...common, ...spec, extraArgs: [...extraArgs, ...(common.extraArgs ?? [])] });
  } catch (e) {
    return argsError(e);
  }
  return ctx.host.run(project, args, { label: describeInvocation(spec), onEvent });
}

/** The settings part of every invocation of a project. */
export function commonOptions(ctx: Pick<CommandContext, 'config' | 'statusBar'>, project: DbtProject, command: DbtCommand): Omit<InvocationSpec, 'command'> {
  const scope = vscode.Uri.file(project.root);
  const extra = ctx.config.extraArgs(scope);
  const vars = ctx.config.vars(scope);
  return {
    target: ctx.statusBar.targetFor(project),
    profilesDir: ctx.config.profilesDir(scope) || undefined,
    threads: ctx.config.threads(scope),
    vars: Object.keys(vars).length > 0 ? JSON.stringify(vars) : undefined,
    extraArgs: [...(extra['*'] ?? []), ...(extra[command] ?? [])],
  };
}

function argsError(e: unknown): Promise<undefined> {
  if (!(e instanceof InvocationError)) throw e;
  void vscode.window.showErrorMessage(`dbt: ${e.message}`);
  return Promise.resolve(undefined);
}

/** `dbt compile` of a target; one node's compiled SQL opens in an editor. */
async function compileTarget(ctx: CommandContext, target: Target | undefined): Promise<InvocationEntry | undefined> {
  if (!target) return noProject();
  const entry = await runOn(ctx, 'compile', target, { withoutTests: target.kind === 'node' });
  const compiled = entry?.result?.output.kind === 'compile' ? entry.result.output.nodes : [];
  const one = target.kind === 'node' ? compiled.find((n) => nameOf(n.uniqueId) === target.name) : compiled.length === 1 ? compiled[0] : undefined;
  if (one) await ctx.compiled.show(target.projectRoot, one.uniqueId, one.compiledCode);
  return entry;
}

const HISTORY_KEY = 'dbtConductor.commandHistory';

/** "Run dbt command...": free-form arguments, split without a shell, with a history. */
async function runFreeForm(ctx: CommandContext, given?: string): Promise<InvocationEntry | undefined> {
  const project = ctx.projects.active();
  if (!project) return noProject();
  if (!ensureTrusted()) return undefined;
  const text = given ?? (await pickOrType(ctx.state.get<string[]>(HISTORY_KEY, []), project));
  if (!text) return undefined;
  let args: string[];
  let label: string;
  try {
    ({ args, label } = parseCommandLine(text));
    // The settings fill in only what the user did not type.
    const typed = new Set(args.filter((t) => t.startsWith('-')).map((t) => t.split('=')[0]));
    const common = commonOptions(ctx, project, 'run');
    if (common.target && !typed.has('--target') && !typed.has('-t')) args.push('--target', common.target);
    if (common.profilesDir && !typed.has('--profiles-dir')) args.push('--profiles-dir', common.profilesDir);
    if (common.vars && !typed.has('--vars')) args.push('--vars', common.vars);
  } catch (e) {
    return argsError(e);
  }
  const history = ctx.state.get<string[]>(HISTORY_KEY, []).filter((h) => h !== text);
  await ctx.state.update(HISTORY_KEY, [text, ...history].slice(0, 20));
  return ctx.host.run(project, args, { label });
}

async function pickOrType(history: string[], project: DbtProject): Promise<string | undefined> {
  const qp = vscode.window.createQuickPick();
  qp.title = `dbt command for ${project.name}`;
  qp.placeholder = 'e.g. build --select +orders --full-refresh (passed to dbt as typed, without a shell)';
  const historyItems = history.map((h) => ({ label: h, description: 'recent' }));
  qp.items = historyItems;
  qp.onDidChangeValue((v) => {
    qp.items = v && !history.includes(v) ? [{ label: v, description: 'run' }, ...historyItems] : historyItems;
  });
  return new Promise<string | undefined>((resolve) => {
    qp.onDidAccept(() => {
      resolve(qp.selectedItems[0]?.label ?? (qp.value || undefined));
      qp.hide();
    });
    qp.onDidHide(() => {
      resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
}

/** Quick pick: a tag or a YAML selector from the manifest, then the command. */
async function pickSelection(ctx: CommandContext): Promise<InvocationEntry | undefined> {
  const project = ctx.projects.active();
  if (!project) return noProject();
  const loaded = ctx.manifests.get(project.root);
  if (!loaded) {
    const parse = 'Parse Now';
    const choice = await vscode.window.showInformationMessage(`Project ${project.name} is not parsed yet, so its tags and selectors are unknown.`, parse);
    if (choice === parse) await runOn(ctx, 'parse', { kind: 'project', projectRoot: project.root }, {});
    return undefined;
  }
  const items = [
    ...loaded.selectors.map((s) => ({ label: `selector:${s}`, description: 'selectors.yml', target: { kind: 'selector', projectRoot: project.root, selector: s, yamlSelector: true } as Target })),
    ...manifestTags(loaded.index).map((t) => ({ label: `tag:${t}`, description: 'tag', target: { kind: 'selector', projectRoot: project.root, selector: `tag:${t}` } as Target })),
  ];
  if (items.length === 0) {
    void vscode.window.showInformationMessage(`Project ${project.name} has no tags and no selectors.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, { title: `dbt: tag or selector (${project.name})`, matchOnDescription: true });
  if (!picked) return undefined;
  const command = (await vscode.window.showQuickPick(['build', 'run', 'test', 'compile', 'list'], { title: `dbt ... ${picked.label}` })) as DbtCommand | undefined;
  return command ? runOn(ctx, command, picked.target, {}) : undefined;
}

function projectOf(ctx: CommandContext, arg: unknown): DbtProject | undefined {
  const root = arg && typeof arg === 'object' && typeof (arg as { projectRoot?: unknown }).projectRoot === 'string' ? (arg as { projectRoot: string }).projectRoot : undefined;
  return (root ? ctx.projects.get(root) : undefined) ?? ctx.projects.active();
}

function nodeTarget(projectRoot: string, node: Pick<NodeRun, 'name' | 'uniqueId' | 'resourceType'>): Target {
  return { kind: 'node', projectRoot, name: node.name, uniqueId: node.uniqueId, resourceType: node.resourceType };
}

/** "dbt: Select Interpreter"; with an argument `{ python }` (a path, or '' for automatic) it chooses without asking. */
async function selectInterpreter(ctx: CommandContext, arg: unknown): Promise<string | undefined> {
  const project = ctx.projects.active();
  if (!project) return noProject();
  const given = arg && typeof arg === 'object' && typeof (arg as { python?: unknown }).python === 'string' ? (arg as { python: string }).python : undefined;
  const chosen = given ?? (await pickInterpreter(ctx.python, ctx.config, project));
  if (chosen === undefined) return undefined;
  await ctx.python.select(project.root, chosen || undefined);
  await ctx.settings.apply(new Set(['find-python', 'restart-workers', 'reparse']), `Interpreter for ${project.name}: ${chosen || 'automatic'}`);
  return chosen;
}

function asNode(el: unknown): Extract<NodeTreeElement, { kind: 'node' }> | undefined {
  return (el as NodeTreeElement | undefined)?.kind === 'node' ? (el as Extract<NodeTreeElement, { kind: 'node' }>) : undefined;
}

function asInvocation(el: unknown): InvocationEntry | undefined {
  const inv = el as NodeTreeElement | undefined;
  return inv?.kind === 'invocation' ? inv.entry : undefined;
}

function asTest(el: unknown): TestResult | undefined {
  return (el as TestTreeElement | undefined)?.kind === 'test' ? (el as Extract<TestTreeElement, { kind: 'test' }>).test : undefined;
}

function nameOf(uniqueId: string): string {
  return uniqueId.split('.').pop() ?? uniqueId;
}

export function noProject(): Promise<undefined> {
  void vscode.window.showWarningMessage('No dbt project found: open a folder that contains a dbt_project.yml (dbt_packages, target and virtualenvs are not searched).');
  return Promise.resolve(undefined);
}
