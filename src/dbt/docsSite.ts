// The dbt docs site (target/index.html from `dbt docs generate`) as a
// webview page: the same file with a Content Security Policy that lets its
// own inline scripts run (by nonce) and lets it load only from the webview's
// resource origin, where `<base>` points at the target folder for its
// manifest.json and catalog.json. Nothing else loads: no analytics, no
// fonts or images from the internet, no requests to any other host.
// Pure and node-free.

export interface DocsSiteOptions {
  /** The webview's `cspSource`. */
  cspSource: string;
  /** Letters and digits only (it is written into the page unquoted-safe). */
  nonce: string;
  /** The target folder as a webview URI, ending with '/'. */
  baseHref: string;
}

export function docsSiteCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    // The site sets styles inline (Angular, its own <style> blocks).
    `style-src ${cspSource} 'unsafe-inline'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource} data:`,
    `connect-src ${cspSource}`,
    "base-uri 'self' " + cspSource,
    "form-action 'none'",
  ].join('; ');
}

/**
 * Adds the nonce to every <script> element. A script's content ends at the
 * first `</script` (HTML's own rule), so scanning from tag to closing tag
 * never touches "<script" text inside a script.
 */
export function addScriptNonce(html: string, nonce: string): string {
  const lower = html.toLowerCase();
  let out = '';
  let pos = 0;
  for (;;) {
    const open = lower.indexOf('<script', pos);
    if (open < 0) break;
    const after = lower[open + 7];
    if (after !== '>' && after !== ' ' && after !== '\t' && after !== '\n' && after !== '\r' && after !== '/') {
      out += html.slice(pos, open + 7);
      pos = open + 7;
      continue;
    }
    out += `${html.slice(pos, open + 7)} nonce="${nonce}"`;
    const close = lower.indexOf('</script', open + 7);
    const end = close < 0 ? html.length : close;
    out += html.slice(open + 7, end);
    pos = end;
    if (close < 0) break;
  }
  return out + html.slice(pos);
}

export function docsSiteHtml(indexHtml: string, options: DocsSiteOptions): string {
  if (!/^[A-Za-z0-9]+$/.test(options.nonce)) throw new Error('the nonce must be letters and digits');
  const head = `<meta http-equiv="Content-Security-Policy" content="${docsSiteCsp(options.cspSource, options.nonce)}"><base href="${options.baseHref.replace(/"/g, '%22')}">`;
  const withNonce = addScriptNonce(indexHtml, options.nonce);
  const at = /<head[^>]*>/i.exec(withNonce);
  // The policy must come before the first script; a site without <head> gets it first.
  return at ? withNonce.slice(0, at.index + at[0].length) + head + withNonce.slice(at.index + at[0].length) : head + withNonce;
}
