// Webview HTML (src/dbt/html.ts): a strict CSP with a nonce, and escaped text.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentSecurityPolicy, escapeHtml, makeNonce, webviewHtml } from '../../src/dbt/html';

void describe('webviewHtml', () => {
  void it('allows scripts only by nonce and nothing from the network', () => {
    const csp = contentSecurityPolicy('vscode-webview://abc', 'N0NCE');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-N0NCE'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
  });

  void it('escapes the title, the URIs and the initial state', () => {
    const html = webviewHtml({
      title: '<img src=x onerror=alert(1)>',
      cspSource: 'vscode-webview://abc',
      nonce: 'n1',
      scriptUri: 'vscode-webview://abc/dist/webview/lineage.js?"x',
      styleUris: ['vscode-webview://abc/dist/webview/lineage.css'],
      initialState: { name: '</script><script>alert(1)</script>' },
    });
    assert.doesNotMatch(html, /<img src=x/);
    assert.doesNotMatch(html, /<\/script><script>alert/);
    assert.match(html, /<script nonce="n1" src="vscode-webview:\/\/abc\/dist\/webview\/lineage.js\?&quot;x"><\/script>/);
    const state = /data-state="([^"]*)"/.exec(html)?.[1];
    assert.ok(state);
    const decoded = state.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    assert.deepEqual(JSON.parse(decoded), { name: '</script><script>alert(1)</script>' });
  });

  void it('makes a different nonce each time', () => {
    assert.notEqual(makeNonce(), makeNonce());
    assert.equal(escapeHtml(`a&b<c>"d'`), 'a&amp;b&lt;c&gt;&quot;d&#39;');
  });
});
