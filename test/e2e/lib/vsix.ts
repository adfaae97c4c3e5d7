// Packages the extension as a user gets it: the production bundle and
// `vsce package`, the same VSIX a user installs. It is built in a staging dir
// (links to src/ and node_modules/, copies of the shipped files) so the
// working tree's dist/ is left alone.
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onExit } from './cleanup';
import { repoRoot } from './paths';
import { runCommand } from './processes';

export interface Vsix {
  file: string;
  remove(): void;
}

const LINKED = ['src', 'node_modules', 'scripts'];
const COPIED = ['package.json', '.vscodeignore', 'README.md', 'CHANGELOG.md', 'LICENSE', 'media', 'languages', 'snippets'];

export async function packageExtension(): Promise<Vsix> {
  const root = repoRoot();
  const stage = mkdtempSync(join(tmpdir(), 'dbtc-vsix-'));
  const remove = (): void => rmSync(stage, { recursive: true, force: true });
  const forget = onExit(remove);
  try {
    for (const name of LINKED) symlinkSync(join(root, name), join(stage, name));
    for (const name of COPIED) {
      if (existsSync(join(root, name))) cpSync(join(root, name), join(stage, name), { recursive: true });
    }
    mkdirSync(join(stage, 'dist'));
    await run(process.execPath, ['scripts/build.mjs', '--production'], stage);
    const file = join(stage, 'dbt-conductor.vsix');
    // No repository URL yet: keep the README's relative image links as they
    // are (media/ ships in the VSIX, so they resolve in the extension page).
    const args = ['package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', file];
    // Until the repo has a LICENSE file vsce would stop to ask; say so loudly.
    if (!existsSync(join(root, 'LICENSE'))) {
      console.warn('packageExtension: no LICENSE file in the repository; packaging with --skip-license');
      args.push('--skip-license');
    }
    await run(join(root, 'node_modules/.bin/vsce'), args, stage);
    return {
      file,
      remove() {
        forget();
        remove();
      },
    };
  } catch (err) {
    forget();
    remove();
    throw err;
  }
}

async function run(cmd: string, args: string[], cwd: string): Promise<void> {
  const r = await runCommand(cmd, args, { cwd, timeoutMs: 180_000 });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.code}):\n${r.output}`);
}
