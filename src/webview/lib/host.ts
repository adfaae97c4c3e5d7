// The page side of a webview's channel (runs in the webview, not in Node):
// typed post/receive, persisted page state, and the initial state the host
// wrote into <body data-state>. Page scripts import only this folder and
// node-free modules of src/dbt (eslint.config.mjs enforces it).
interface VsCodeApi<S> {
  postMessage(message: unknown): void;
  getState(): S | undefined;
  setState(state: S): void;
}
declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

export interface Host<ToHost, FromHost, S> {
  post(message: ToHost): void;
  onMessage(handler: (message: FromHost) => void): void;
  getState(): S | undefined;
  setState(state: S): void;
}

export function connect<ToHost, FromHost, S = unknown>(): Host<ToHost, FromHost, S> {
  const api = acquireVsCodeApi<S>();
  return {
    post: (message) => api.postMessage(message),
    onMessage: (handler) => window.addEventListener('message', (e: MessageEvent<FromHost>) => handler(e.data)),
    getState: () => api.getState(),
    setState: (state) => api.setState(state),
  };
}

export function initialState<T>(): T | undefined {
  const raw = document.body.dataset.state;
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

/** An element with text set safely (never innerHTML with data). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
