import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  {
    files: ['src/dbt/**/*.ts', 'src/runner/**/*.ts', 'src/server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'vscode is imported only in src/editor and src/extension.ts' }] }],
    },
  },
  {
    // Webview page scripts run in the browser sandbox of a webview: they talk
    // to the extension only through messages (src/webview/lib/host.ts).
    files: ['src/webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'webview pages cannot use the vscode API; post a message to the extension' }],
        patterns: [
          { group: ['node:*'], message: 'webview pages run in a browser, not Node' },
          { group: ['**/editor/**', '**/runner/**', '**/server/**', '**/extension'], message: 'webview pages import only src/webview and node-free modules of src/dbt' },
        ],
      }],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'eslint.config.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
