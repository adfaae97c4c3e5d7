// Loads the jinja-sql grammar into vscode-textmate with the Oniguruma regex
// engine VS Code uses, on top of a given SQL grammar file (tm-grammars' copy
// of VS Code's in unit tests, the running VS Code's own in the host suite).
// A helper, not a test.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

export interface Token {
  text: string;
  scopes: string[];
}

let wasmLoaded: Promise<void> | undefined;

/** The grammar of source.sql.jinja; `repo`: the extension's folder (languages/, node_modules/). */
export async function loadJinjaSqlGrammar(repo: string, sqlGrammarFile: string): Promise<textmate.IGrammar> {
  const wasm = readFileSync(join(repo, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
  wasmLoaded ??= oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  await wasmLoaded;
  const files: Record<string, string> = { 'source.sql.jinja': join(repo, 'languages', 'jinja-sql.tmLanguage.json'), 'source.sql': sqlGrammarFile };
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p) => new oniguruma.OnigScanner(p), createOnigString: (s) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope) => {
      const file = files[scope];
      return file ? textmate.parseRawGrammar(readFileSync(file, 'utf8'), file) : null;
    },
  });
  const g = await registry.loadGrammar('source.sql.jinja');
  if (!g) throw new Error('the jinja-sql grammar did not load');
  return g;
}

/** Tokens per line. */
export function tokenizeLines(grammar: textmate.IGrammar, text: string): Token[][] {
  let state = textmate.INITIAL;
  return text.split('\n').map((line) => {
    const r = grammar.tokenizeLine(line, state);
    state = r.ruleStack;
    return r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
  });
}

/** The scopes of the first token whose trimmed text is `text`. */
export function scopesOf(lines: Token[][], text: string): string[] {
  for (const line of lines) for (const t of line) if (t.text.trim() === text) return t.scopes;
  throw new Error(`no token "${text}" in ${JSON.stringify(lines.map((l) => l.map((t) => t.text)))}`);
}
