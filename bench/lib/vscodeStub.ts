// A minimal `vscode` module for benches that load editor code in plain Node
// (activation time, the tree model's refresh batching). It does nothing but
// record what was registered: commands, providers, views, listeners. Every
// API the extension touches is either a small working piece (EventEmitter,
// Disposable, Uri) or a permissive stand-in that returns something
// harmless. It is NOT VS Code: the README says so next to every figure
// measured with it.
import Module from 'node:module';
import { pathToFileURL } from 'node:url';

export interface Recorder {
  /** API path -> number of calls, e.g. "commands.registerCommand" -> 40. */
  calls: Map<string, number>;
}

type Listener<T> = (e: T) => unknown;

class Disposable {
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  constructor(private readonly fn: () => unknown = () => undefined) {}
  dispose(): void {
    this.fn();
  }
}

class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  readonly event = (listener: Listener<T>, thisArg?: unknown, disposables?: Disposable[]): Disposable => {
    const bound: Listener<T> = thisArg ? listener.bind(thisArg) : listener;
    this.listeners.add(bound);
    const d = new Disposable(() => this.listeners.delete(bound));
    disposables?.push(d);
    return d;
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
  ) {}
  static file(path: string): Uri {
    return new Uri('file', path);
  }
  static parse(value: string): Uri {
    const m = /^([a-z][\w+.-]*):(?:\/\/)?(.*)$/i.exec(value);
    return m ? new Uri(m[1]!, m[2]!) : new Uri('file', value);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, [base.path, ...parts].join('/').replace(/\/+/g, '/'));
  }
  get fsPath(): string {
    return this.path;
  }
  with(change: { scheme?: string; path?: string }): Uri {
    return new Uri(change.scheme ?? this.scheme, change.path ?? this.path);
  }
  toString(): string {
    return this.scheme === 'file' ? pathToFileURL(this.path).href : `${this.scheme}:${this.path}`;
  }
}

/** Plain data classes the extension constructs (TreeItem, ThemeIcon, Range, ...): keep their arguments. */
function dataClass(name: string): new (...args: unknown[]) => object {
  return {
    [name]: class {
      readonly args: unknown[];
      constructor(...args: unknown[]) {
        this.args = args;
      }
    },
  }[name]!;
}

class MarkdownString {
  constructor(public value = '') {}
  appendMarkdown(s: string): this {
    this.value += s;
    return this;
  }
  appendText(s: string): this {
    this.value += s;
    return this;
  }
  appendCodeblock(code: string, lang = ''): this {
    this.value += `\n\`\`\`${lang}\n${code}\n\`\`\`\n`;
    return this;
  }
}

/**
 * Anything not modelled above: a callable, constructible object whose
 * properties are more of the same. `onDid...`/`onWill...` members return a
 * Disposable when called, so listener registration works; `then` is
 * undefined so that nothing mistakes it for a promise.
 */
function permissive(path: string, recorder: Recorder): unknown {
  // Own properties live in a map: the function target has read-only ones (name, length).
  const props = new Map<string | symbol, unknown>();
  const target = function () {};
  return new Proxy(target, {
    get(t, prop) {
      if (props.has(prop)) return props.get(prop);
      if (prop === 'then') return undefined;
      if (prop === 'prototype') return t.prototype;
      if (prop === Symbol.toPrimitive) return () => '';
      if (prop === Symbol.iterator) return function* () {};
      if (typeof prop === 'symbol') return undefined;
      const value = permissive(`${path}.${prop}`, recorder);
      props.set(prop, value);
      return value;
    },
    set(_t, prop, value) {
      props.set(prop, value);
      return true;
    },
    apply(_t, _this, args) {
      void args;
      count(recorder, path);
      const last = path.slice(path.lastIndexOf('.') + 1);
      if (/^on(Did|Will)/.test(last)) return new Disposable();
      if (/^(register|create)/.test(last)) return permissive(`${path}()`, recorder);
      if (/^(executeCommand|show\w*Message|showQuickPick|showInputBox|findFiles|openTextDocument|withProgress)$/.test(last)) {
        return Promise.resolve(last === 'findFiles' ? [] : undefined);
      }
      return permissive(`${path}()`, recorder);
    },
    construct() {
      count(recorder, `new ${path}`);
      return permissive(`new ${path}()`, recorder) as object;
    },
  });
}

function count(recorder: Recorder, key: string): void {
  recorder.calls.set(key, (recorder.calls.get(key) ?? 0) + 1);
}

function configuration(recorder: Recorder): unknown {
  return {
    get: <T>(_key: string, fallback?: T) => fallback,
    has: () => false,
    inspect: () => undefined,
    update: () => {
      count(recorder, 'workspace.getConfiguration().update');
      return Promise.resolve();
    },
  };
}

function outputChannel(recorder: Recorder, name: string): unknown {
  const noop = () => undefined;
  count(recorder, `window.createOutputChannel(${name})`);
  return {
    name,
    logLevel: 3, // LogLevel.Info
    onDidChangeLogLevel: () => new Disposable(),
    append: noop,
    appendLine: noop,
    replace: noop,
    clear: noop,
    trace: noop,
    debug: noop,
    info: noop,
    warn: noop,
    error: noop,
    show: noop,
    hide: noop,
    dispose: noop,
  };
}

export function createVscodeStub(recorder: Recorder = { calls: new Map() }): { module: Record<string, unknown>; recorder: Recorder } {
  // A plain object (bundlers copy its own keys) whose prototype answers everything else.
  const base: Record<string, unknown> = Object.create(permissive('vscode', recorder) as object) as Record<string, unknown>;
  for (const ns of ['commands', 'languages', 'env', 'extensions', 'tasks', 'debug', 'tests', 'l10n', 'authentication', 'scm', 'comments', 'notebooks']) {
    base[ns] = permissive(ns, recorder);
  }
  const workspace = permissive('workspace', recorder) as Record<string, unknown>;
  workspace.workspaceFolders = undefined;
  workspace.isTrusted = true;
  workspace.getConfiguration = () => configuration(recorder);
  workspace.getWorkspaceFolder = () => undefined;
  workspace.textDocuments = [];
  workspace.fs = permissive('workspace.fs', recorder);
  const window = permissive('window', recorder) as Record<string, unknown>;
  window.activeTextEditor = undefined;
  window.visibleTextEditors = [];
  window.createOutputChannel = (name: string) => outputChannel(recorder, name);
  const enumOf = (...names: string[]) => Object.fromEntries(names.flatMap((n, i) => [[n, i], [i, n]]));
  Object.assign(base, {
    version: '1.95.0',
    workspace,
    window,
    Disposable,
    EventEmitter,
    Uri,
    MarkdownString,
    TreeItem: class TreeItem {
      id?: string;
      description?: string;
      tooltip?: unknown;
      iconPath?: unknown;
      contextValue?: string;
      resourceUri?: unknown;
      command?: unknown;
      constructor(
        public label: unknown,
        public collapsibleState = 0,
      ) {}
    },
    ThemeIcon: dataClass('ThemeIcon'),
    ThemeColor: dataClass('ThemeColor'),
    Range: dataClass('Range'),
    Position: dataClass('Position'),
    Selection: dataClass('Selection'),
    Location: dataClass('Location'),
    CodeLens: dataClass('CodeLens'),
    Diagnostic: dataClass('Diagnostic'),
    RelativePattern: dataClass('RelativePattern'),
    TreeItemCollapsibleState: enumOf('None', 'Collapsed', 'Expanded'),
    StatusBarAlignment: { Left: 1, Right: 2, 1: 'Left', 2: 'Right' },
    LogLevel: enumOf('Off', 'Trace', 'Debug', 'Info', 'Warning', 'Error'),
    DiagnosticSeverity: enumOf('Error', 'Warning', 'Information', 'Hint'),
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2 },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
    FileType: { Unknown: 0, File: 1, Directory: 2, SymbolicLink: 64 },
  });
  return { module: base, recorder };
}

/** Makes `require('vscode')` return the stub in this process. */
export function installVscodeStub(): Recorder {
  const stub = createVscodeStub();
  const loader = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const original = loader._load;
  loader._load = function (request: string, parent: unknown, isMain: boolean) {
    if (request === 'vscode') return stub.module;
    return original.call(this, request, parent, isMain);
  };
  return stub.recorder;
}
