// What a command runs on, as pure decisions the editor's command table uses:
// the Target (what the user is looking at), the dbt selection for it, which
// targets fit a command (Seed on seeds, Snapshot on snapshots; anything else
// means all of them), the command to re-run one node of an invocation with,
// and the `dbt ls` that names the nodes a cancelled invocation never ran.
import { InvocationError, type DbtCommand, type Selection } from './args';
import { commandOf } from './subcommand';

export interface NodeTarget {
  kind: 'node';
  projectRoot: string;
  /** The node's name as dbt selects it (`--select name`). */
  name: string;
  uniqueId?: string;
  resourceType?: string;
}

export interface SelectorTarget {
  kind: 'selector';
  projectRoot: string;
  /** Passed as one literal `--select` value, e.g. "tag:nightly" or "orders+ customers". */
  selector: string;
  /** True for a YAML selector name (`--selector name`). */
  yamlSelector?: boolean;
}

export interface PathsTarget {
  kind: 'paths';
  projectRoot: string;
  /** Project-relative, '/'-separated file or folder paths. */
  paths: string[];
}

export interface ProjectTarget {
  kind: 'project';
  projectRoot: string;
}

export type Target = NodeTarget | SelectorTarget | PathsTarget | ProjectTarget;

export function isTarget(v: unknown): v is Target {
  if (!v || typeof v !== 'object') return false;
  const t = v as Partial<Target>;
  return typeof t.projectRoot === 'string' && (t.kind === 'node' || t.kind === 'selector' || t.kind === 'paths' || t.kind === 'project');
}

export interface SelectionOptions {
  parents?: boolean;
  children?: boolean;
}

/** The dbt selection for a target, with graph operators. Throws InvocationError for paths dbt cannot select together. */
export function selectionOf(target: Target, options: SelectionOptions = {}): Selection {
  const graph = { parents: options.parents, children: options.children };
  const wrap = (s: string) => `${options.parents ? '+' : ''}${s}${options.children ? '+' : ''}`;
  switch (target.kind) {
    case 'node':
      return { kind: 'node', name: target.name, ...graph };
    case 'paths':
      if (target.paths.length === 1) return { kind: 'path', path: target.paths[0]!, ...graph };
      for (const p of target.paths) if (/\s/.test(p)) throw new InvocationError(`Path "${p}" contains a space, which dbt selectors cannot express. Select the model by name instead.`);
      return { kind: 'text', text: target.paths.map((p) => wrap(`path:${p}`)).join(' ') };
    case 'selector':
      if (target.yamlSelector) return { kind: 'selector', name: target.selector };
      return { kind: 'text', text: target.selector.split(/\s+/).filter(Boolean).map(wrap).join(' ') };
    case 'project':
      return { kind: 'project' };
  }
}

/** The command to re-run one node of an invocation with: build stays build; otherwise by resource type. */
export function rerunCommand(invocationArgs: readonly string[], resourceType: string): DbtCommand {
  const command = commandOf(invocationArgs);
  if (command === 'build') return 'build';
  switch (resourceType) {
    case 'test':
    case 'unit_test':
      return 'test';
    case 'seed':
      return 'seed';
    case 'snapshot':
      return 'snapshot';
    default:
      return command === 'compile' ? 'compile' : 'run';
  }
}

/** The folders of a project that hold seeds and snapshots (project-relative). */
export interface ResourceFolders {
  seedPaths: readonly string[];
  snapshotPaths: readonly string[];
}

/**
 * Seed runs on seeds and Snapshot on snapshots. A target of another kind (a
 * model file open, the models folder) means all of them: the project. Other
 * commands keep their target.
 */
export function fitTarget(command: DbtCommand, target: Target, folders: ResourceFolders): Target {
  const kind = command === 'seed' ? 'seed' : command === 'snapshot' ? 'snapshot' : undefined;
  if (!kind) return target;
  const project: ProjectTarget = { kind: 'project', projectRoot: target.projectRoot };
  const roots = kind === 'seed' ? folders.seedPaths : folders.snapshotPaths;
  const inRoots = (p: string) => roots.some((r) => p === r || p.startsWith(`${r.replace(/\/$/, '')}/`));
  switch (target.kind) {
    case 'node':
      return target.resourceType === kind ? target : project;
    case 'paths': {
      const fitting = target.paths.filter((p) => inRoots(p) && (kind === 'snapshot' || !/\.(sql|py|ya?ml)$/i.test(p)));
      return fitting.length === 0 ? project : { ...target, paths: fitting };
    }
    default:
      return target;
  }
}

/** Resource types each node-running command selects (what `dbt ls --resource-type` must list for it). */
const RESOURCE_TYPES: Record<string, string[]> = {
  run: ['model'],
  test: ['test', 'unit_test'],
  seed: ['seed'],
  snapshot: ['snapshot'],
  build: ['model', 'seed', 'snapshot', 'test', 'unit_test'],
};

/** Flags of a run/build/... that shape its selection or project, and how many values each takes ('many': until the next flag). */
const SELECTION_FLAGS: Record<string, 1 | 'many'> = {
  '--select': 'many', '-s': 'many', '--models': 'many', '-m': 'many', '--exclude': 'many',
  '--selector': 1, '--indirect-selection': 1, '--resource-type': 'many', '--resource-types': 'many',
  '--exclude-resource-type': 'many', '--exclude-resource-types': 'many',
  '--target': 1, '-t': 1, '--profile': 1, '--profiles-dir': 1, '--project-dir': 1, '--vars': 1, '--state': 1,
};

/**
 * The `dbt ls` arguments that list every node an invocation (`args`)
 * selected, as JSON lines with unique_id, name, resource_type and
 * original_file_path: dbt resolves the selection itself, from the manifest.
 * Undefined for commands that run no nodes.
 */
export function listArgsFor(args: readonly string[]): string[] | undefined {
  const command = commandOf(args);
  const types = RESOURCE_TYPES[command];
  if (!types) return undefined;
  const out = ['ls'];
  let typesGiven = false;
  for (let i = args.indexOf(command) + 1; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    const arity = SELECTION_FLAGS[flag];
    if (arity === undefined) continue;
    if (flag.startsWith('--resource-type')) typesGiven = true;
    if (inline !== undefined) {
      out.push(args[i]);
      continue;
    }
    out.push(flag);
    for (let n = 0; i + 1 < args.length && !args[i + 1].startsWith('-') && (arity === 'many' || n < arity); n++) out.push(args[++i]);
  }
  if (!typesGiven) out.push('--resource-type', ...types);
  out.push('--output', 'json', '--output-keys', 'unique_id', 'name', 'resource_type', 'original_file_path');
  return out;
}

/** The nodes of `dbt ls --output json` lines (anything else is skipped). */
export function listedNodes(items: readonly string[]): { uniqueId: string; name: string; resourceType: string; filePath?: string }[] {
  const out: { uniqueId: string; name: string; resourceType: string; filePath?: string }[] = [];
  for (const item of items) {
    try {
      const o = JSON.parse(item) as Record<string, unknown>;
      if (typeof o.unique_id !== 'string') continue;
      out.push({
        uniqueId: o.unique_id,
        name: typeof o.name === 'string' ? o.name : o.unique_id.split('.').pop()!,
        resourceType: typeof o.resource_type === 'string' ? o.resource_type : o.unique_id.split('.')[0],
        filePath: typeof o.original_file_path === 'string' ? o.original_file_path : undefined,
      });
    } catch {
      // not a JSON line
    }
  }
  return out;
}
