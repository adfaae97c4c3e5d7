// Bundles the extension, the language server and the tests with esbuild.
// Type checking is separate (`npm run typecheck`).
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  external: ['vscode'],
  logLevel: 'warning',
};

function testEntries(dir) {
  const out = [];
  let names = [];
  try { names = readdirSync(dir); } catch { return out; }
  for (const name of names) {
    const p = join(dir, name);
    if (name === 'fixtures' || name === 'node_modules') continue;
    if (statSync(p).isDirectory()) out.push(...testEntries(p));
    else if (/\.(test|suite|main|bench)\.ts$/.test(name) || (dir.endsWith('suite') && name === 'index.ts')) out.push(p);
  }
  return out;
}

// `node scripts/build.mjs test/unit/x.test.ts ...` builds only those test entries.
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));

// What ships in dist/ besides extension.js: the language server (its own
// process), and the parts extension.js require()s on first use
// (src/editor/lazyParts.ts): the language client, the runner with execa, and
// yaml. Activation thus loads and compiles extension.js alone. A new file
// here must also be allowed in .vscodeignore.
const BUNDLES = {
  server: 'src/server/main.ts',
  lspClient: 'src/editor/lspClientPart.ts',
  runner: 'src/editor/runnerPart.ts',
  yaml: 'src/editor/yamlPart.ts',
};

if (only.length === 0) {
  // In extension.js `yaml` is a stand-in that loads dist/yaml.js on first call.
  await esbuild.build({ ...common, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist', alias: { yaml: './src/editor/yamlShim.ts' } });
  await esbuild.build({ ...common, entryPoints: BUNDLES, outdir: 'dist' });
  // The Python worker ships next to the bundle.
  mkdirSync('dist', { recursive: true });
  if (existsSync('src/runner/dbt_worker.py')) cpSync('src/runner/dbt_worker.py', 'dist/dbt_worker.py');
  await buildWebviews();
}

// Webview page scripts: every src/webview/<name>.ts (not lib/) becomes
// dist/webview/<name>.js, a browser bundle loaded by nonce under the strict
// CSP (src/dbt/html.ts); every src/webview/<name>.css is copied beside it.
async function buildWebviews() {
  const dir = 'src/webview';
  let names = [];
  try { names = readdirSync(dir); } catch { return; }
  const entries = names.filter((n) => n.endsWith('.ts') && !n.endsWith('.d.ts')).map((n) => join(dir, n));
  mkdirSync('dist/webview', { recursive: true });
  for (const css of names.filter((n) => n.endsWith('.css'))) cpSync(join(dir, css), join('dist/webview', css));
  if (entries.length === 0) return;
  await esbuild.build({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    entryPoints: entries,
    outdir: 'dist/webview',
  });
}

if (!production) {
  const tests = only.length > 0 ? only : [...testEntries('test'), ...testEntries('bench')];
  if (tests.length > 0) {
    await esbuild.build({ ...common, entryPoints: tests, outdir: 'out', outbase: '.', external: ['vscode', 'mocha', 'playwright-core', 'eslint'] });
  }
}
