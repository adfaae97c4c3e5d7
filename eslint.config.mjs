import js from '@eslint/js';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

// Layer boundaries (ARCHITECTURE.md). Each layer may import only what is
// below it: src/dbt (pure) < src/runner, src/server < src/editor <
// src/extension.ts; src/webview is browser code beside all of them.
// src/dbt is node-free, so a webview page may bundle any of it, except the
// files listed here, which read files, hash or make nonces; a new one must be added
// here deliberately (test/unit/layers.test.ts plants imports in every layer).
export const NODE_DBT_MODULES = ['fileIndex', 'html', 'manifestPath', 'packageRoots', 'profileTargets', 'projects'];

const LAYERS = {
  runner: '(^|/)runner(/|$)',
  server: '(^|/)server(/|$)',
  editor: '(^|/)editor(/|$)',
  webview: '(^|/)webview(/|$)',
  extension: '(^|/)extension$',
};
const VSCODE = { name: 'vscode', message: 'vscode is imported only in src/editor and src/extension.ts' };
const NODE_BUILTINS = [
  { regex: '^node:', message: 'node builtins' },
  { regex: `^(${builtinModules.filter((m) => !m.startsWith('_')).join('|')})$`, message: 'node builtins' },
];
const NODE_DBT = { regex: `(^|/)(${NODE_DBT_MODULES.join('|')})$`, message: 'a src/dbt module that uses node (NODE_DBT_MODULES in eslint.config.mjs)' };

// One no-restricted-imports entry per file set (a later config object replaces
// the rule's options rather than merging them, so each set lists all it forbids).
function restrict(files, why, { paths = [], layers = [], patterns = [], ignores = [] }) {
  const layerPatterns = layers.map((l) => ({ regex: LAYERS[l], message: `${why} may not import src/${l === 'extension' ? 'extension.ts' : l}` }));
  const others = patterns.map((p) => ({ ...p, message: `${why} may not import ${p.message}` }));
  return {
    files,
    ignores,
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: paths.map((p) => ({ ...p, message: `${why}: ${p.message}` })),
        patterns: [...layerPatterns, ...others],
      }],
    },
  };
}

function layerRules() {
  const nodeDbtFiles = NODE_DBT_MODULES.map((m) => `src/dbt/${m}.ts`);
  return [
    restrict(['src/dbt/**/*.ts'], 'src/dbt is pure and node-free', {
      ignores: nodeDbtFiles, paths: [VSCODE], layers: ['runner', 'server', 'editor', 'webview', 'extension'],
      patterns: [...NODE_BUILTINS, { ...NODE_DBT, allowTypeImports: true }],
    }),
    restrict(nodeDbtFiles, 'src/dbt is pure', {
      paths: [VSCODE], layers: ['runner', 'server', 'editor', 'webview', 'extension'],
    }),
    restrict(['src/runner/**/*.ts'], 'src/runner', { paths: [VSCODE], layers: ['server', 'editor', 'webview', 'extension'] }),
    restrict(['src/server/**/*.ts'], 'src/server (the language server process)', { paths: [VSCODE], layers: ['runner', 'editor', 'webview', 'extension'] }),
    restrict(['src/editor/**/*.ts', 'src/extension.ts'], 'the extension host', {
      // The language server runs in its own process; the client talks to it over LSP.
      layers: ['server', 'webview'],
    }),
    // Webview page scripts run in the browser sandbox of a webview: they talk
    // to the extension only through messages (src/webview/lib/host.ts).
    restrict(['src/webview/**/*.ts'], 'a webview page (browser code)', {
      paths: [{ ...VSCODE, message: 'webview pages cannot use the vscode API; post a message to the extension' }],
      layers: ['runner', 'server', 'editor', 'extension'],
      patterns: [...NODE_BUILTINS, { ...NODE_DBT, allowTypeImports: true }],
    }),
  ];
}

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.venv*/**', '.cache/**', 'test/fixtures/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
      curly: ['error', 'multi-line'],
    },
  },
  ...layerRules(),
  {
    files: ['scripts/**/*.mjs', 'eslint.config.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
