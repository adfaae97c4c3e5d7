// Which Python runs dbt for a project, found in the order of
// dbt/pythonDiscovery.ts (setting, Select Interpreter choice, Python
// extension, project and workspace venvs, VIRTUAL_ENV, the Python behind
// `dbt` on PATH, python3), each probed with the runner's checkPython. When
// none works, the error lists what was tried. Only ever called in a trusted
// workspace, on the first command or parse (never on activation). The probe
// runs in the runner's bundle, loaded here on first use.
import * as vscode from 'vscode';
import { discoverPython, probeAll, pythonCandidates, type Candidates, type Discovered, type ProbedPython, type PythonCandidate } from '../dbt/pythonDiscovery';
import type { RunnerError } from '../runner/api';
import type { Config } from './config';
import { isRunnerError, loadRunner } from './lazyParts';

export type ResolvedPython = Discovered;

/** The part of ms-python.python's exported API we use. */
interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { id: string; path: string };
    resolveEnvironment(env: { id: string; path: string } | string): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
  };
}

const PYTHON_EXTENSION_ID = 'ms-python.python';
/** Interpreters chosen with Select Interpreter, by project root (workspace state). */
const SELECTED_KEY = 'dbtConductor.selectedPython';

export class PythonResolver implements vscode.Disposable {
  private readonly cache = new Map<string, Promise<ResolvedPython>>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private listening = false;
  /** Fires when the interpreter may have changed (setting, choice, Python extension): runners must restart. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly config: Config,
    private readonly state: vscode.Memento,
  ) {}

  /** The interpreter for a project (cached per project until something changes). */
  resolve(projectRoot: string): Promise<ResolvedPython> {
    let p = this.cache.get(projectRoot);
    if (!p) {
      p = this.find(projectRoot);
      this.cache.set(projectRoot, p);
      // A failure is not cached: the user may install dbt and retry.
      p.catch(() => this.cache.delete(projectRoot));
    }
    return p;
  }

  /** Forgets what was found; the next command looks again. */
  reset(): void {
    this.cache.clear();
    this.changed.fire();
  }

  /** Every candidate for a project with its dbt-core and adapters (one probe each), for Select Interpreter. */
  async candidates(projectRoot: string): Promise<{ candidate: PythonCandidate; probed?: ProbedPython; error?: string }[]> {
    const { checkPython } = loadRunner();
    return probeAll(await this.candidateList(projectRoot, true), (python) => checkPython(python));
  }

  /** The interpreter chosen with Select Interpreter for a project; undefined = automatic. */
  selected(projectRoot: string): string | undefined {
    return this.state.get<Record<string, string>>(SELECTED_KEY, {})[projectRoot];
  }

  async select(projectRoot: string, python: string | undefined): Promise<void> {
    const all = { ...this.state.get<Record<string, string>>(SELECTED_KEY, {}) };
    if (python) all[projectRoot] = python;
    else delete all[projectRoot];
    await this.state.update(SELECTED_KEY, all);
    this.reset();
  }

  private async find(projectRoot: string): Promise<ResolvedPython> {
    const { checkPython, RunnerError } = loadRunner();
    const outcome = await discoverPython(await this.candidateList(projectRoot, false), (python) => checkPython(python));
    if (outcome.found) return outcome.found;
    const last = outcome.lastError;
    // An interpreter was found but lacked (a supported) dbt: keep that error's code.
    const code = isRunnerError(last) ? last.code : 'python-not-found';
    const setting = this.config.pythonPath(vscode.Uri.file(projectRoot));
    const message = setting
      ? (last instanceof Error ? last.message : `The interpreter ${setting} of dbtConductor.pythonPath cannot run dbt.`)
      : last
        ? 'No Python interpreter with a usable dbt-core was found.'
        : 'No Python interpreter was found.';
    throw withTried(new RunnerError(message, code, isRunnerError(last) ? last.detail : undefined), outcome.tried);
  }

  private async candidateList(projectRoot: string, includeSetting: boolean): Promise<Candidates> {
    const scope = vscode.Uri.file(projectRoot);
    const setting = this.config.pythonPath(scope);
    const folder = vscode.workspace.getWorkspaceFolder(scope)?.uri.fsPath;
    const input = {
      setting: includeSetting ? '' : setting,
      selected: this.selected(projectRoot),
      pythonExtension: await this.fromPythonExtension(scope),
      projectRoot,
      workspaceFolder: folder,
      virtualEnv: process.env.VIRTUAL_ENV,
      pathValue: process.env.PATH ?? '',
      platform: process.platform,
    };
    const found = pythonCandidates(input, loadRunner().discoveryFs);
    // Select Interpreter lists the setting's interpreter too, first.
    if (includeSetting && setting) found.candidates.unshift({ python: setting, source: 'setting', where: 'the setting dbtConductor.pythonPath' });
    return found;
  }

  private async fromPythonExtension(scope: vscode.Uri): Promise<{ python: string } | { missing: string }> {
    const ext = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
    if (!ext) return { missing: 'not installed' };
    try {
      const api = ext.isActive ? ext.exports : await ext.activate();
      const envs = api?.environments;
      if (!envs) return { missing: 'its API has no environments (too old?)' };
      if (!this.listening) {
        this.listening = true;
        this.disposables.push(envs.onDidChangeActiveEnvironmentPath(() => this.reset()));
      }
      const active = envs.getActiveEnvironmentPath(scope);
      const resolved = await envs.resolveEnvironment(active);
      const python = resolved?.executable.uri?.fsPath ?? active.path;
      return python ? { python } : { missing: 'no active interpreter' };
    } catch (e) {
      return { missing: e instanceof Error ? e.message : String(e) };
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** Keeps the RunnerError's code and adds what was tried to its detail. */
function withTried(e: RunnerError, tried: string[]): RunnerError {
  const { RunnerError } = loadRunner();
  const list = `Tried, in order:\n${tried.map((t) => `- ${t}`).join('\n')}`;
  return new RunnerError(e.message, e.code, e.detail ? `${e.detail}\n${list}` : list);
}
