// HTML for the extension's webviews, built as text with no vscode import so
// it is unit-tested in plain Node. Every webview gets the same strict
// Content Security Policy: nothing loads but the extension's own bundled
// script and styles (by nonce or the webview's own resource origin), so no
// CDN, no inline handlers, no eval. All text that reaches the page goes
// through escapeHtml, or is set with textContent by the page's script.
import { randomBytes } from 'node:crypto';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64');
}

export interface WebviewPage {
  title: string;
  /** The webview's `cspSource` (its resource origin). */
  cspSource: string;
  nonce: string;
  /** URIs (already converted with asWebviewUri) of the page's script and style sheets. */
  scriptUri?: string;
  styleUris?: string[];
  /** Initial state for the script, JSON-encoded into a data attribute (escaped). */
  initialState?: unknown;
  /** Trusted markup for the body (the caller escapes any text in it). */
  body?: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function webviewHtml(page: WebviewPage): string {
  const styles = (page.styleUris ?? []).map((u) => `<link rel="stylesheet" href="${escapeHtml(u)}">`).join('\n');
  const script = page.scriptUri ? `<script nonce="${page.nonce}" src="${escapeHtml(page.scriptUri)}"></script>` : '';
  const state = page.initialState === undefined ? '' : ` data-state="${escapeHtml(JSON.stringify(page.initialState))}"`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(page.cspSource, page.nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
${styles}
</head>
<body${state}>
${page.body ?? ''}
${script}
</body></html>`;
}
