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

if (only.length === 0) {
  const main = Object.fromEntries(
    Object.entries({ extension: 'src/extension.ts', server: 'src/server/main.ts' }).filter(([, p]) => existsSync(p)),
  );
  await esbuild.build({ ...common, entryPoints: main, outdir: 'dist' });
  // The Python worker ships next to the bundle.
  mkdirSync('dist', { recursive: true });
  if (existsSync('src/runner/dbt_worker.py')) cpSync('src/runner/dbt_worker.py', 'dist/dbt_worker.py');
}

if (!production) {
  const tests = only.length > 0 ? only : [...testEntries('test'), ...testEntries('bench')];
  if (tests.length > 0) {
    await esbuild.build({ ...common, entryPoints: tests, outdir: 'out', outbase: '.', external: ['vscode', 'mocha', 'playwright-core'] });
  }
}
