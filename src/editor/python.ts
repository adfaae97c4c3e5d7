// Which Python runs dbt: the `dbtConductor.pythonPath` setting; else the
// Python extension's active interpreter (through its API); else python3 /
// python on PATH. The first candidate with dbt-core wins; when none has it,
// the error says exactly what was tried. Only ever called in a trusted
// workspace, on the first command (never on activation). The checks run in
// the runner's bundle, loaded here on first use.
import * as vscode from 'vscode';
import type { PythonEnvironment, RunnerError } from '../runner/api';
import type { Config } from './config';
import { isRunnerError, loadRunner } from './lazyParts';

export interface ResolvedPython extends PythonEnvironment {
  /** Where the interpreter came from, for the output channel. */
  source: 'setting' | 'python extension' | 'PATH';
}

/** The part of ms-python.python's exported API we use. */
interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { id: string; path: string };
    resolveEnvironment(env: { id: string; path: string } | string): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
  };
}

const PYTHON_EXTENSION_ID = 'ms-python.python';

export class PythonResolver implements vscode.Disposable {
  private readonly cache = new Map<string, Promise<ResolvedPython>>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private listening = false;
  /** Fires when the interpreter may have changed (setting or Python extension); runners must restart. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly config: Config) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('dbtConductor.pythonPath')) this.reset();
      }),
    );
  }

  /** The interpreter for a project (cached per project root and setting until something changes). */
  resolve(projectRoot: string, scope: vscode.Uri): Promise<ResolvedPython> {
    const key = `${projectRoot}\0${this.config.pythonPath(scope)}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.find(scope);
      this.cache.set(key, p);
      // A failure is not cached: the user may install dbt and retry.
      p.catch(() => this.cache.delete(key));
    }
    return p;
  }

  reset(): void {
    this.cache.clear();
    this.changed.fire();
  }

  private async find(scope: vscode.Uri): Promise<ResolvedPython> {
    const { checkPython, findPythonOnPath, RunnerError } = loadRunner();
    const setting = this.config.pythonPath(scope);
    if (setting) {
      // An explicit setting is never second-guessed: its failure is the answer.
      try {
        return { ...(await checkPython(setting)), source: 'setting' };
      } catch (e) {
        throw withTried(e, [`the setting dbtConductor.pythonPath (${setting}): ${errorText(e)}`]);
      }
    }
    const tried = ['the setting dbtConductor.pythonPath: not set'];
    let lastError: unknown;
    const candidates: [string | undefined, ResolvedPython['source'], string][] = [
      [await this.fromPythonExtension(scope, tried), 'python extension', "the Python extension's interpreter"],
      [findPythonOnPath(), 'PATH', 'PATH'],
    ];
    for (const [python, source, where] of candidates) {
      if (!python) continue;
      try {
        return { ...(await checkPython(python)), source };
      } catch (e) {
        lastError = e;
        tried.push(`${where} (${python}): ${errorText(e)}`);
      }
    }
    if (!candidates[1][0]) tried.push('python3 and python on PATH: not found');
    // An interpreter was found but lacked (a supported) dbt: keep that error's code.
    const code = isRunnerError(lastError) ? lastError.code : 'python-not-found';
    const message = lastError ? 'No Python interpreter with a usable dbt-core was found.' : 'No Python interpreter was found.';
    throw withTried(new RunnerError(message, code), tried);
  }

  private async fromPythonExtension(scope: vscode.Uri, tried: string[]): Promise<string | undefined> {
    const ext = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
    if (!ext) {
      tried.push('the Python extension: not installed');
      return undefined;
    }
    try {
      const api = ext.isActive ? ext.exports : await ext.activate();
      const envs = api?.environments;
      if (!envs) {
        tried.push('the Python extension: its API has no environments (too old?)');
        return undefined;
      }
      if (!this.listening) {
        this.listening = true;
        this.disposables.push(envs.onDidChangeActiveEnvironmentPath(() => this.reset()));
      }
      const active = envs.getActiveEnvironmentPath(scope);
      const resolved = await envs.resolveEnvironment(active);
      const python = resolved?.executable.uri?.fsPath ?? active.path;
      if (!python) tried.push('the Python extension: no active interpreter');
      return python || undefined;
    } catch (e) {
      tried.push(`the Python extension: ${errorText(e)}`);
      return undefined;
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Keeps the RunnerError's code and adds what was tried to its detail. */
function withTried(e: unknown, tried: string[]): RunnerError {
  const { RunnerError } = loadRunner();
  const list = `Tried:\n${tried.map((t) => `- ${t}`).join('\n')}`;
  if (isRunnerError(e)) return new RunnerError(e.message, e.code, e.detail ? `${e.detail}\n${list}` : list);
  return new RunnerError(errorText(e), 'python-not-found', list);
}
