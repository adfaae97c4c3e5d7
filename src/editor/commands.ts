// Every command of the extension, as one table of factories
// `(ctx) => handler`. Ids are `dbtConductor.<name>`. Commands that run dbt
// resolve to the InvocationEntry they ran (args, live rows, result), which
// the extension-host tests read; undefined when nothing ran.
import * as vscode from 'vscode';

import type { InvocationEntry, NodeRow } from '../dbt/treeModel';
import type { CompiledSql } from './compiled';
import type { Config } from './config';
import { manifestTags, type ManifestStore } from './manifests';
import { ArgsError, buildArgs, tokenizeArgs, type DbtCommand, type InvocationSpec } from './model/dbtArgs';
import type { NodeTreeElement, NodeTreeProvider } from './nodeTree';
import type { PreviewPanels } from './preview';
import type { DbtProject, Projects } from './projects';
import type { RunnerHost } from './runnerHost';
import type { StatusBar } from './statusBar';
import { describeTarget, resolveTarget, type Target } from './target';
import type { TestTreeElement, TestTreeProvider } from './testTree';
import { ensureTrusted, manageTrust } from './trust';

export interface CommandContext {
  config: Config;
  projects: Projects;
  manifests: ManifestStore;
  host: RunnerHost;
  statusBar: StatusBar;
  preview: PreviewPanels;
  compiled: CompiledSql;
  nodeTree: NodeTreeProvider;
  testTree: TestTreeProvider;
  showOutput: () => void;
  /** Remembered free-form commands ("Run dbt command..."). */
  state: vscode.Memento;
  /** Resolves when the first project discovery is done. */
  ready: Promise<void>;
}

type Handler = (...args: unknown[]) => unknown;
type Factory = (ctx: CommandContext) => Handler;

type Graph = 'parents' | 'children' | 'both';
interface TargetedOptions {
  graph?: Graph;
  fullRefresh?: boolean;
  indirectSelection?: InvocationSpec['indirectSelection'];
}

/** Runs `command` on what the user is looking at. */
const targeted =
  (command: DbtCommand, options: TargetedOptions = {}): Factory =>
  (ctx) =>
  async (...args) => {
    const target = resolveTarget(ctx, args);
    if (!target) return noProject();
    return runOn(ctx, command, target, options);
  };

/** Runs `command` for the whole active project (or the project of a Target argument). */
const projectWide =
  (command: DbtCommand, extra: Partial<InvocationSpec> = {}): Factory =>
  (ctx) =>
  async (...args) => {
    const project = projectOf(ctx, args[0]);
    if (!project) return noProject();
    return run(ctx, project, { command, ...extra }, `dbt ${command}`);
  };

export const COMMANDS: Record<string, Factory> = {
  run: targeted('run'),
  runUpstream: targeted('run', { graph: 'parents' }),
  runDownstream: targeted('run', { graph: 'children' }),
  runUpAndDownstream: targeted('run', { graph: 'both' }),
  runFullRefresh: targeted('run', { fullRefresh: true }),
  build: targeted('build'),
  buildUpstream: targeted('build', { graph: 'parents' }),
  buildDownstream: targeted('build', { graph: 'children' }),
  buildUpAndDownstream: targeted('build', { graph: 'both' }),
  buildFullRefresh: targeted('build', { fullRefresh: true }),
  test: targeted('test'),
  testUpstream: targeted('test', { graph: 'parents' }),
  testDownstream: targeted('test', { graph: 'children' }),
  compile: (ctx) => async (...args) => {
    const target = resolveTarget(ctx, args);
    if (!target) return noProject();
    // A single node: compile just it (not its tests) and show its SQL.
    const entry = await runOn(ctx, 'compile', target, target.kind === 'node' ? { indirectSelection: 'empty' } : {});
    const compiled = entry?.result?.output.kind === 'compile' ? entry.result.output.nodes : [];
    const shown = target.kind === 'node' ? compiled.find((n) => nameOf(n.uniqueId) === target.name) : compiled.length === 1 ? compiled[0] : undefined;
    if (shown) await ctx.compiled.show(nameOf(shown.uniqueId), shown.compiledCode);
    return entry;
  },
  seed: targeted('seed'),
  seedFullRefresh: targeted('seed', { fullRefresh: true }),
  snapshot: targeted('snapshot'),
  show: (ctx) => async (...args) => previewTarget(ctx, resolveTarget(ctx, args)),
  parse: projectWide('parse'),
  list: (ctx) => async (...args) => {
    const target = resolveTarget(ctx, args);
    if (!target) return noProject();
    const entry = await runOn(ctx, 'list', target, {});
    if (entry?.result?.output.kind === 'list') {
      ctx.showOutput();
    }
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
    return COMMANDS.compile!(ctx)(target);
  },
  cancel: (ctx) => () => ctx.host.cancelAll(),
  switchProjectOrTarget: (ctx) => () => ctx.statusBar.pickProjectOrTarget(),
  selectTarget: (ctx) => () => ctx.statusBar.pickTarget(),
  selectProject: (ctx) => () => ctx.statusBar.pickProject(),
  showOutput: (ctx) => () => ctx.showOutput(),
  manageTrust: () => () => manageTrust(),

  // ---- tree item actions ----
  'tree.rerunNode': (ctx) => async (el) => {
    const node = asNode(el);
    if (!node) return undefined;
    const project = ctx.projects.get(node.entry.projectRoot);
    if (!project) return noProject();
    const command = rerunCommand(node.entry, node.row);
    return runOn(ctx, command, { kind: 'node', projectRoot: project.root, name: node.row.name, uniqueId: node.row.uniqueId }, {});
  },
  'tree.openCompiled': (ctx) => async (el) => {
    const node = asNode(el);
    if (!node) return undefined;
    if (node.row.compiledCode) return ctx.compiled.show(node.row.name, node.row.compiledCode);
    return COMMANDS.compile!(ctx)({ kind: 'node', projectRoot: node.entry.projectRoot, name: node.row.name, uniqueId: node.row.uniqueId });
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
    if (!project) return noProject();
    return ctx.host.run(project, inv.entry.args, { label: inv.entry.label });
  },
  'tree.cancelInvocation': (ctx) => (el) => {
    const inv = el as NodeTreeElement | undefined;
    return inv?.kind === 'invocation' ? ctx.host.cancel(inv.entry.id) : false;
  },
  'tree.clear': (ctx) => () => {
    ctx.host.history.clear();
    ctx.nodeTree.refresh();
    ctx.testTree.refresh();
  },
  'tests.openDefinition': (ctx) => async (el) => {
    const test = (el as TestTreeElement | undefined)?.kind === 'test' ? (el as Extract<TestTreeElement, { kind: 'test' }>).test : undefined;
    const def = test && ctx.testTree.definitionOf(test);
    if (!def) {
      void vscode.window.showInformationMessage('The definition of this test is not known yet: parse the project and try again.');
      return undefined;
    }
    const pos = new vscode.Position(def.line, 0);
    return vscode.window.showTextDocument(def.uri, { selection: new vscode.Range(pos, pos), preview: true });
  },
  'tests.showFailingRows': (ctx) => async (el) => {
    const t = el as TestTreeElement | undefined;
    if (t?.kind !== 'test') return undefined;
    // `dbt show` on a test selects its compiled query: the failing rows.
    return previewTarget(ctx, { kind: 'node', projectRoot: t.test.projectRoot, name: t.test.name, uniqueId: t.test.uniqueId, resourceType: 'test' }, `Failing rows: ${t.test.name}`);
  },
  'tests.rerun': (ctx) => async (el) => {
    const t = el as TestTreeElement | undefined;
    if (t?.kind !== 'test') return undefined;
    return runOn(ctx, 'test', { kind: 'node', projectRoot: t.test.projectRoot, name: t.test.name, uniqueId: t.test.uniqueId }, {});
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

function projectOf(ctx: CommandContext, arg: unknown): DbtProject | undefined {
  const root = arg && typeof arg === 'object' && typeof (arg as { projectRoot?: unknown }).projectRoot === 'string' ? (arg as { projectRoot: string }).projectRoot : undefined;
  return (root ? ctx.projects.get(root) : undefined) ?? ctx.projects.active();
}

/** The selection part of an invocation for a target, with graph operators applied. */
export function selectionOf(target: Target, graph?: Graph): Pick<InvocationSpec, 'select' | 'selector'> {
  const wrap = (s: string) => (graph === 'parents' ? `+${s}` : graph === 'children' ? `${s}+` : graph === 'both' ? `+${s}+` : s);
  switch (target.kind) {
    case 'node':
      return { select: [wrap(target.name)] };
    case 'paths':
      return { select: target.paths.map((p) => wrap(`path:${p}`)) };
    case 'selector':
      if (target.yamlSelector) return { selector: target.selector };
      return { select: target.selector.split(/\s+/).filter(Boolean).map(wrap) };
    case 'project':
      return {};
  }
}

function runOn(ctx: CommandContext, command: DbtCommand, target: Target, options: TargetedOptions): Promise<InvocationEntry | undefined> {
  const project = ctx.projects.get(target.projectRoot);
  if (!project) return noProject();
  const spec: InvocationSpec = { command, ...selectionOf(target, options.graph), fullRefresh: options.fullRefresh, indirectSelection: options.indirectSelection };
  const graph = options.graph === 'parents' ? '+' : '';
  const graphEnd = options.graph === 'children' ? '+' : '';
  const what = target.kind === 'project' ? '' : ` ${options.graph === 'both' ? `+${describeTarget(target)}+` : `${graph}${describeTarget(target)}${graphEnd}`}`;
  return run(ctx, project, spec, `dbt ${command}${what}${options.fullRefresh ? ' --full-refresh' : ''}`);
}

/** Adds the settings (target, profiles dir, threads, vars, extra args) and runs. */
export function run(ctx: CommandContext, project: DbtProject, spec: InvocationSpec, label: string): Promise<InvocationEntry | undefined> {
  let args: string[];
  try {
    args = buildArgs({ ...commonOptions(ctx, project, spec.command), ...spec });
  } catch (e) {
    return argsError(e);
  }
  return ctx.host.run(project, args, { label });
}

function argsError(e: unknown): Promise<undefined> {
  if (!(e instanceof ArgsError)) throw e;
  void vscode.window.showErrorMessage(`dbt: ${e.message}`);
  return Promise.resolve(undefined);
}

/** The settings part of every invocation of a project. */
export function commonOptions(ctx: Pick<CommandContext, 'config' | 'statusBar'>, project: DbtProject, command: DbtCommand | undefined): Partial<InvocationSpec> {
  const scope = vscode.Uri.file(project.root);
  const extra = ctx.config.extraArgs(scope);
  const vars = ctx.config.vars(scope);
  return {
    target: ctx.statusBar.targetFor(project),
    profilesDir: ctx.config.profilesDir(scope) || undefined,
    threads: ctx.config.threads(scope),
    vars: Object.keys(vars).length > 0 ? vars : undefined,
    extraArgs: [...(extra['*'] ?? []), ...((command && extra[command]) || [])],
  };
}

/** `dbt show` of a target, shown as a table. */
async function previewTarget(ctx: CommandContext, target: Target | undefined, title?: string): Promise<InvocationEntry | undefined> {
  if (!target) return noProject();
  const project = ctx.projects.get(target.projectRoot);
  if (!project) return noProject();
  const limit = ctx.config.previewLimit(vscode.Uri.file(project.root));
  let spec: InvocationSpec;
  let name: string;
  if (target.kind === 'selector' && /\bselect\b/i.test(target.selector) && /\s/.test(target.selector)) {
    // Selected SQL: preview the query itself.
    spec = { command: 'show', inline: target.selector, limit };
    name = 'selected SQL';
  } else if (target.kind === 'project') {
    void vscode.window.showInformationMessage('Preview needs a model: open a model file, put the cursor on a ref, or select a query.');
    return undefined;
  } else {
    // Tests of a previewed model are left out (they would run too, and fail on a model never built).
    spec = { command: 'show', ...selectionOf(target), limit, indirectSelection: target.kind === 'node' && target.resourceType === 'test' ? undefined : 'empty' };
    name = describeTarget(target);
  }
  const entry = await run(ctx, project, spec, `dbt show ${name}`);
  const output = entry?.result?.output;
  if (output?.kind === 'show' && output.tables.length > 0) {
    for (const table of output.tables) {
      ctx.preview.show({ title: title ?? `Preview: ${output.tables.length > 1 ? nameOf(table.uniqueId) : name}`, subtitle: `${entry!.label} --limit ${limit} · ${project.name}`, table, limit });
    }
  } else if (entry?.result && entry.result.exitCode !== 2) {
    void vscode.window.showWarningMessage(`dbt show returned no rows for ${name}. Check the selection in the dbt output.`);
  }
  return entry;
}

const HISTORY_KEY = 'dbtConductor.commandHistory';

/** "Run dbt command...": free-form arguments, tokenized without a shell, with a history. */
async function runFreeForm(ctx: CommandContext, given?: string): Promise<InvocationEntry | undefined> {
  const project = ctx.projects.active();
  if (!project) return noProject();
  if (!ensureTrusted()) return undefined;
  let text = given;
  if (text === undefined) {
    const history = ctx.state.get<string[]>(HISTORY_KEY, []);
    text = await pickOrType(history, project);
  }
  if (!text) return undefined;
  let tokens: string[];
  let args: string[];
  try {
    tokens = tokenizeArgs(text.replace(/^\s*dbt\s+/, ''));
    if (tokens.length === 0) return undefined;
    // The settings fill in only the flags the user did not type.
    const typed = new Set(tokens.filter((t) => t.startsWith('--')).map((t) => t.split('=')[0]));
    const common = commonOptions(ctx, project, undefined);
    args = [
      ...tokens,
      ...buildArgs({
        target: typed.has('--target') || typed.has('-t') ? undefined : common.target,
        profilesDir: typed.has('--profiles-dir') ? undefined : common.profilesDir,
        vars: typed.has('--vars') ? undefined : common.vars,
      }),
    ];
  } catch (e) {
    if (e instanceof ArgsError) void vscode.window.showErrorMessage(`Could not read the dbt arguments: ${e.message}`);
    else throw e;
    return undefined;
  }
  const history = ctx.state.get<string[]>(HISTORY_KEY, []).filter((h) => h !== text);
  await ctx.state.update(HISTORY_KEY, [text, ...history].slice(0, 20));
  return ctx.host.run(project, args, { label: `dbt ${tokens.join(' ')}` });
}

async function pickOrType(history: string[], project: DbtProject): Promise<string | undefined> {
  const qp = vscode.window.createQuickPick();
  qp.title = `dbt command for ${project.name}`;
  qp.placeholder = 'e.g. build --select +orders --full-refresh (arguments are passed literally, without a shell)';
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

/** Quick pick: a command, then a tag or a YAML selector from the manifest. */
async function pickSelection(ctx: CommandContext): Promise<InvocationEntry | undefined> {
  const project = ctx.projects.active();
  if (!project) return noProject();
  const loaded = ctx.manifests.get(project.root);
  if (!loaded) {
    const parse = 'Parse Now';
    const choice = await vscode.window.showInformationMessage(`Project ${project.name} is not parsed yet, so its tags and selectors are unknown.`, parse);
    if (choice === parse) await COMMANDS.parse!(ctx)({ kind: 'project', projectRoot: project.root });
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
  if (!command) return undefined;
  return runOn(ctx, command, picked.target, {});
}

function rerunCommand(entry: InvocationEntry, row: NodeRow): DbtCommand {
  const original = entry.args.find((a) => ['run', 'build', 'test', 'seed', 'snapshot', 'compile'].includes(a)) as DbtCommand | undefined;
  if (original === 'build' || original === 'compile') return original;
  switch (row.resourceType) {
    case 'test':
    case 'unit_test':
      return 'test';
    case 'seed':
      return 'seed';
    case 'snapshot':
      return 'snapshot';
    default:
      return original ?? 'run';
  }
}

function asNode(el: unknown): Extract<NodeTreeElement, { kind: 'node' }> | undefined {
  return (el as NodeTreeElement | undefined)?.kind === 'node' ? (el as Extract<NodeTreeElement, { kind: 'node' }>) : undefined;
}

function nameOf(uniqueId: string): string {
  return uniqueId.split('.').pop() ?? uniqueId;
}

function noProject(): Promise<undefined> {
  void vscode.window.showWarningMessage('No dbt project found: open a folder that contains a dbt_project.yml (dbt_packages, target and virtualenvs are not searched).');
  return Promise.resolve(undefined);
}
