// Real dbt manifests for the language-server tests: the committed manifest of
// the jaffle fixture when present, else one made by running `dbt parse` on a
// temporary copy of the fixture. Also makes small real projects (fixture plus
// extra files) for features the fixture lacks (versions, public models).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ManifestIndex } from '../../src/dbt/manifest';
import { repoRoot as fixturesRepoRoot } from '../fixtures/lib/fixtures';

export const repoRoot = fixturesRepoRoot();
export const jaffleRoot = join(repoRoot, 'test', 'fixtures', 'jaffle');
export const committedManifestPath = join(repoRoot, 'test', 'fixtures', 'manifests', 'jaffle.manifest.json');
export const dbtExecutable = join(repoRoot, '.venv', 'bin', 'dbt');

export function fixtureText(relPath: string): string {
  return readFileSync(join(jaffleRoot, relPath), 'utf8');
}

/** Copies the jaffle fixture (without build output) into a new temp folder; returns the project root. */
export function copyJaffle(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbtc-lsp-'));
  const root = join(dir, 'jaffle');
  cpSync(jaffleRoot, root, { recursive: true, filter: (src) => !/[/\\](target|logs|dbt_packages)$/.test(src) && !src.endsWith('.duckdb') });
  return root;
}

export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
}

/** Runs the real `dbt parse` in `root` and returns target/manifest.json parsed. Bounded to 3 minutes. */
export function dbtParse(root: string): Record<string, unknown> {
  runDbt(root, ['parse']);
  return JSON.parse(readFileSync(join(root, 'target', 'manifest.json'), 'utf8')) as Record<string, unknown>;
}

let jaffleRaw: Record<string, unknown> | null = null;

/** The jaffle fixture's real manifest (committed copy, or parsed now). */
export function jaffleManifest(): Record<string, unknown> {
  if (jaffleRaw) return structuredClone(jaffleRaw);
  if (existsSync(committedManifestPath)) {
    jaffleRaw = JSON.parse(readFileSync(committedManifestPath, 'utf8')) as Record<string, unknown>;
  } else {
    const root = copyJaffle();
    try {
      jaffleRaw = dbtParse(root);
    } finally {
      rmSync(dirname(root), { recursive: true, force: true });
    }
  }
  return structuredClone(jaffleRaw);
}

export function jaffleIndex(): ManifestIndex {
  return new ManifestIndex(jaffleManifest());
}

/**
 * Files added to the fixture for what it lacks: a versioned model, a public
 * model without a description, a model without tests that refs by package.
 */
export const extraFiles: Record<string, string> = {
  'models/marts/customer_tiers_v1.sql': "select customer_id, 'basic' as tier from {{ ref('customers') }}\n",
  'models/marts/customer_tiers_v2.sql': "select customer_id, 'gold' as tier, 1 as rank from {{ ref('customers') }}\n",
  'models/marts/public_orders.sql': "select * from {{ ref('jaffle', 'orders') }}\n",
  'models/marts/extra.yml': [
    'version: 2',
    'models:',
    '  - name: customer_tiers',
    '    description: Tier per customer.',
    '    latest_version: 2',
    '    columns:',
    '      - name: customer_id',
    '        description: The customer.',
    '        data_type: integer',
    '    versions:',
    '      - v: 1',
    '      - v: 2',
    '  - name: public_orders',
    '    access: public',
    '',
  ].join('\n'),
};

let richRaw: Record<string, unknown> | null = null;

/** Real manifest of the fixture plus `extraFiles` (dbt parse on a temp copy, once per process). */
export function richManifest(): Record<string, unknown> {
  if (!richRaw) {
    const root = copyJaffle();
    try {
      writeFiles(root, extraFiles);
      richRaw = dbtParse(root);
    } finally {
      rmSync(dirname(root), { recursive: true, force: true });
    }
  }
  return structuredClone(richRaw);
}

export function resolveFromRepo(...parts: string[]): string {
  return resolve(repoRoot, ...parts);
}

/** The language fixtures (test/fixtures/lang-*), copied side by side so `local: ../lang-connector` resolves. */
export interface LangFixtures {
  /** Temp folder holding the copies. */
  dir: string;
  /** lang_connector: a package opened at its own root, most models disabled by default vars. */
  connector: string;
  /** lang_project: installs lang-connector as a `local:` package (a symlink under dbt_packages/). */
  project: string;
  /** lang_vendored: a package installed as a real folder under dbt_packages/. */
  vendored: string;
  remove(): void;
}

const LANG_FIXTURES = ['lang-connector', 'lang-project', 'lang-vendored'];

/** Copies the language fixtures into a new temp folder and runs `dbt deps` where a project needs it (no network: local packages only). */
export function copyLangFixtures(): LangFixtures {
  const { dir, remove } = copyFixtures(LANG_FIXTURES, ['lang-project']);
  return {
    dir,
    connector: join(dir, 'lang-connector'),
    project: join(dir, 'lang-project'),
    vendored: join(dir, 'lang-vendored'),
    remove,
  };
}

/**
 * Copies fixtures (test/fixtures/<name>) side by side into a new temp folder, so
 * `local: ../x` packages resolve, and runs `dbt deps` in `withDeps` (which makes
 * their `local:` packages symlinks under dbt_packages/, as for a user).
 */
export function copyFixtures(names: string[], withDeps: string[] = []): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'dbtc-fixtures-'));
  for (const name of names) {
    cpSync(join(repoRoot, 'test', 'fixtures', name), join(dir, name), { recursive: true, filter: (src) => !/[/\\](target|logs)$/.test(src) && !src.endsWith('.duckdb') });
  }
  for (const name of withDeps) runDbt(join(dir, name), ['deps']);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function runDbt(root: string, args: string[]): void {
  try {
    execFileSync(dbtExecutable, [...args, '--profiles-dir', root, '--project-dir', root], {
      cwd: root,
      env: { ...process.env, DBT_DUCKDB_PATH: join(root, 'lsp.duckdb'), DO_NOT_TRACK: '1', DBT_SEND_ANONYMOUS_USAGE_STATS: 'false' },
      stdio: 'pipe',
      timeout: 180_000,
    });
  } catch (err) {
    const e = err as { stdout?: Buffer; message: string };
    throw new Error(`dbt ${args.join(' ')} failed in ${root}: ${e.message}\n${e.stdout?.toString().slice(-2000) ?? ''}`);
  }
}
