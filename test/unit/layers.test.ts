// The layer rules of eslint.config.mjs fire: a file of each layer, linted at
// its path through ESLint's Node API, with one import per line; every
// forbidden line must be reported by no-restricted-imports and nothing else.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import { repoRoot } from '../fixtures/lib/fixtures';

const RULE = '@typescript-eslint/no-restricted-imports';

// Only the import rule, without type information: fast, and independent of
// whether the planted file exists on disk (it does not; lintText gets its path).
const eslint = new ESLint({
  cwd: repoRoot(),
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
  ruleFilter: ({ ruleId }) => ruleId === RULE,
});

interface Plant { file: string; forbidden: string[]; allowed: string[] }

async function flaggedLines(file: string, lines: string[]): Promise<string[]> {
  const [result] = await eslint.lintText(lines.join('\n') + '\n', { filePath: join(repoRoot(), file) });
  assert.ok(result, `ESLint returned no result for ${file}`);
  const fatal = result.messages.filter((m) => m.fatal);
  assert.deepEqual(fatal, [], `${file} did not parse`);
  return result.messages.filter((m) => m.ruleId === RULE).map((m) => lines[m.line - 1]);
}

async function check({ file, forbidden, allowed }: Plant): Promise<void> {
  const flagged = await flaggedLines(file, [...allowed, ...forbidden]);
  assert.deepEqual(flagged, forbidden, `${file}: the lines reported are not the forbidden ones`);
}

const PLANTS: Plant[] = [
  {
    file: 'src/dbt/planted.ts',
    allowed: [
      "import { parse } from 'yaml';",
      "import { ManifestIndex } from './manifest';",
      "import type { ProjectInfo } from './projects';",
    ],
    forbidden: [
      "import * as vscode from 'vscode';",
      "import { formatArgs } from '../runner/args';",
      "import { startServer } from '../server/main';",
      "import { Config } from '../editor/config';",
      "import { post } from '../webview/lib/host';",
      "import { activate } from '../extension';",
      "import { readFileSync } from 'node:fs';",
      "import { join } from 'path';",
      "import { readProject } from './projects';",
    ],
  },
  {
    // The src/dbt modules that do file I/O may use node, nothing else changes.
    file: 'src/dbt/projects.ts',
    allowed: ["import { readFileSync } from 'node:fs';", "import { join } from 'path';", "import { ManifestIndex } from './manifest';"],
    forbidden: ["import * as vscode from 'vscode';", "import { formatArgs } from '../runner/args';", "import { Config } from '../editor/config';"],
  },
  {
    file: 'src/runner/planted.ts',
    allowed: ["import { execa } from 'execa';", "import { readFileSync } from 'node:fs';", "import type { WorkerRequest } from '../dbt/protocol';"],
    forbidden: [
      "import * as vscode from 'vscode';",
      "import { startServer } from '../server/main';",
      "import { Config } from '../editor/config';",
      "import type { Config as C } from '../editor/config';",
      "import { post } from '../webview/lib/host';",
      "import { activate } from '../extension';",
    ],
  },
  {
    file: 'src/server/planted.ts',
    allowed: ["import { createConnection } from 'vscode-languageserver/node';", "import { ManifestIndex } from '../dbt/manifest';", "import { readFile } from 'node:fs/promises';"],
    forbidden: [
      "import * as vscode from 'vscode';",
      "import { formatArgs } from '../runner/args';",
      "import type { ProjectRunner } from '../runner/api';",
      "import { Config } from '../editor/config';",
      "import { post } from '../webview/lib/host';",
      "import { activate } from '../extension';",
    ],
  },
  {
    file: 'src/editor/planted.ts',
    allowed: ["import * as vscode from 'vscode';", "import type { ProjectRunner } from '../runner/api';", "import { buildArgs } from '../dbt/args';", "import { Config } from './config';"],
    forbidden: ["import { startServer } from '../server/main';", "import { post } from '../webview/lib/host';"],
  },
  {
    file: 'src/extension.ts',
    allowed: ["import * as vscode from 'vscode';", "import { Config } from './editor/config';"],
    forbidden: ["import { startServer } from './server/main';", "import { post } from './webview/lib/host';"],
  },
  {
    file: 'src/webview/planted.ts',
    allowed: [
      "import { post } from './lib/host';",
      "import { layout } from './lineage/layout';",
      "import { gridView } from '../dbt/grid';",
      "import type { ProjectInfo } from '../dbt/projects';",
      "import MarkdownIt from 'markdown-it';",
    ],
    forbidden: [
      "import * as vscode from 'vscode';",
      "import { readFileSync } from 'node:fs';",
      "import { join } from 'path';",
      "import { formatArgs } from '../runner/args';",
      "import { startServer } from '../server/main';",
      "import { Config } from '../editor/config';",
      "import { activate } from '../extension';",
      "import { nonce } from '../dbt/html';",
    ],
  },
  {
    // A webview page's own modules (lineage/) are held to the same rules.
    file: 'src/webview/lineage/planted.ts',
    allowed: ["import { gridView } from '../../dbt/grid';", "import { post } from '../lib/host';"],
    forbidden: ["import * as vscode from 'vscode';", "import { Config } from '../../editor/config';", "import { readProject } from '../../dbt/projects';"],
  },
];

for (const plant of PLANTS) {
  void test(`layer rules: ${plant.file} reports exactly its ${plant.forbidden.length} forbidden imports`, async () => {
    await check(plant);
  });
}

void test('layer rules: a file of clean imports in every layer passes', async () => {
  for (const plant of PLANTS) assert.deepEqual(await flaggedLines(plant.file, plant.allowed), [], plant.file);
});

void test('layer rules: tests may import vscode and any layer', async () => {
  const lines = ["import * as vscode from 'vscode';", "import { formatArgs } from '../../src/runner/args';", "import { startServer } from '../../src/server/main';"];
  assert.deepEqual(await flaggedLines('test/unit/planted.test.ts', lines), []);
});

void test('layer rules: every src/dbt module allowed to use node does use it (the list has no stale entry)', async () => {
  const config = (await import(join(repoRoot(), 'eslint.config.mjs'))) as { NODE_DBT_MODULES: string[] };
  assert.ok(config.NODE_DBT_MODULES.length > 0);
  for (const name of config.NODE_DBT_MODULES) {
    const text = readFileSync(join(repoRoot(), 'src', 'dbt', `${name}.ts`), 'utf8');
    const usesNode = /from 'node:/.test(text) || config.NODE_DBT_MODULES.some((m) => m !== name && new RegExp(`^import \\{[^}]+\\} from '\\./${m}'`, 'm').test(text));
    assert.ok(usesNode, `src/dbt/${name}.ts is listed in NODE_DBT_MODULES but imports no node builtin or node-using module by value`);
  }
});
