// DuckDB implementation of EquivalenceTarget: each side has its own two
// database files (profile targets dev and ci) in its work dir, inspected by
// one long-lived Python helper (duckdb_inspect.py) that opens a fresh
// connection per request, so no lock is held while dbt runs.
import { execa, type ResultPromise } from 'execa';
import { join } from 'node:path';
import { JsonLineReader } from '../../../src/runner/lineReader';
import { pythonPath, repoRoot } from '../../fixtures/lib/fixtures';
import type { DatabaseState, EquivalenceTarget, RelationRef, SideDatabase } from './target';

const TARGET_SCHEMA = 'main'; // the dev target's schema in the fixtures' profiles.yml

class Inspector {
  private readonly child: ResultPromise;
  private readonly waiting: ((value: Record<string, unknown>) => void)[] = [];
  private chain: Promise<unknown> = Promise.resolve();

  constructor(python: string) {
    this.child = execa(python, [join(repoRoot(), 'test', 'equivalence', 'lib', 'duckdb_inspect.py')], {
      stdin: 'pipe', stdout: 'pipe', stderr: 'inherit', buffer: false, reject: false, cleanup: true,
    });
    const reader = new JsonLineReader({ onValue: (v) => this.waiting.shift()?.(v as Record<string, unknown>) });
    this.child.stdout?.on('data', (chunk: Buffer) => reader.push(chunk));
  }

  /** One request at a time, answered in order. */
  ask(request: object): Promise<Record<string, unknown>> {
    const next = this.chain.then(() => new Promise<Record<string, unknown>>((resolve, reject) => {
      this.waiting.push((answer) => (typeof answer.error === 'string' ? reject(new Error(answer.error)) : resolve(answer)));
      this.child.stdin?.write(`${JSON.stringify(request)}\n`);
    }));
    this.chain = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    this.child.stdin?.end();
    await this.child;
  }
}

export function duckdbTarget(python = pythonPath('1.12')): EquivalenceTarget {
  const inspector = new Inspector(python);
  return {
    name: 'duckdb',
    alternateTarget: 'ci',
    open: async (workDir: string): Promise<SideDatabase> => {
      const dev = join(workDir, 'dev.duckdb');
      const ci = join(workDir, 'ci.duckdb');
      const change = async (op: 'drop' | 'create', r: RelationRef): Promise<void> => {
        await inspector.ask({ op, path: dev, schema: r.schemaSuffix ? `${TARGET_SCHEMA}_${r.schemaSuffix}` : TARGET_SCHEMA, name: r.name });
      };
      return {
        env: { DBT_DUCKDB_PATH: dev, DBT_DUCKDB_PATH_CI: ci },
        snapshot: async () => (await inspector.ask({ op: 'snapshot', paths: [dev, ci] })).relations as DatabaseState,
        drop: (r) => change('drop', r),
        create: (r) => change('create', r),
        close: async () => undefined,
      };
    },
    dispose: () => inspector.close(),
  };
}
