// Creating the extension's webviews: one place that sets the resource roots
// (only dist/webview and media), the strict CSP page (src/dbt/html.ts) and
// the typed message channel. A view's page script lives in
// src/webview/<name>.ts and is bundled to dist/webview/<name>.js; its style
// sheet src/webview/<name>.css is copied next to it (scripts/build.mjs).
import * as vscode from 'vscode';
import { makeNonce, webviewHtml } from '../dbt/html';

export interface PageOptions {
  /** Bundle name: dist/webview/<script>.js and, when `style` is true, <script>.css. */
  script: string;
  title: string;
  style?: boolean;
  initialState?: unknown;
  body?: string;
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export function pageHtml(webview: vscode.Webview, extensionUri: vscode.Uri, page: PageOptions): string {
  const asset = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', file)).toString();
  return webviewHtml({
    title: page.title,
    cspSource: webview.cspSource,
    nonce: makeNonce(),
    scriptUri: asset(`${page.script}.js`),
    styleUris: page.style === false ? [] : [asset(`${page.script}.css`)],
    initialState: page.initialState,
    body: page.body,
  });
}

/**
 * A typed view of a webview's message channel: `ToPage` goes to the page
 * script, `FromPage` comes back. The types live in src/dbt so that the page
 * (src/webview) and the host share them.
 */
export function channel<ToPage, FromPage>(webview: vscode.Webview) {
  return {
    post: (message: ToPage): Thenable<boolean> => webview.postMessage(message),
    onMessage: (handler: (message: FromPage) => void): vscode.Disposable => webview.onDidReceiveMessage((m: FromPage) => handler(m)),
  };
}
