// The systematic guard behind "warm equals cold": after a warm invocation of
// any kind, the worker's cached manifest must be exactly what the parse made,
// entry by entry (manifest.json structure, nodes' private compile fields,
// flat_graph). dbt mutates the manifest it is handed; the worker puts it back
// (restore_manifest_state in dbt_worker.py). A new leak fails here with the
// entries it changed. On dbt 1.12 and 1.8.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ResultMessage, StatusMessage } from '../../src/dbt/protocol';
import { WorkerProcess } from '../../src/runner/workerProcess';
import { copyProject, PY112, PY18, WORKER, type TempProject } from './runnerHelpers';

const T = { timeout: 600_000 }; // a bound, not a speed check

/** One of each kind of command, in an order that leaves something for the next (seeds, tables, state). */
function commands(stateDir: string): string[][] {
  return [
    ['seed'],
    ['run', '--select', '+orders'],
    ['run', '--select', 'orders'],
    ['build', '--select', '+orders', '--full-refresh'],
    ['test'],
    ['test', '--select', 'test_type:unit'],
    ['compile'],
    ['compile', '--inline', "select * from {{ ref('orders') }}"],
    ['show', '--select', 'orders', '--limit', '2'],
    ['show', '--inline', 'select 1 as x'],
    ['show', '--inline', 'selec broken sql'],
    ['snapshot'],
    ['ls'],
    ['docs', 'generate'],
    ['source', 'freshness'],
    ['run-operation', 'cents_to_dollars', '--args', '{column_name: amount}'],
    ['run', '--select', 'orders', '--defer', '--state', stateDir],
    ['build', '--select', 'customers', '--defer', '--state', stateDir, '--favor-state'],
  ];
}

for (const [label, python] of [['1.12', PY112], ['1.8', PY18]] as const) {
  void describe(`the cached manifest is unchanged by every kind of warm invocation (dbt ${label})`, () => {
    let p: TempProject;
    let w: WorkerProcess;
    let n = 0;
    const call = async (method: 'invoke' | 'parse', args: string[]): Promise<ResultMessage> =>
      (await w.call({ id: `r${n++}`, method, params: { args } })) as ResultMessage;
    const digest = async (): Promise<Record<string, string>> => {
      const s = (await w.call({ id: `s${n++}`, method: 'status', params: { manifestDigest: true } })) as StatusMessage;
      assert.ok(s.manifestDigest, 'the worker has a cached manifest');
      return s.manifestDigest;
    };

    before(async () => {
      p = await copyProject('jaffle');
      w = new WorkerProcess({ python, workerScript: WORKER, projectRoot: p.root, manifestPath: p.manifestPath, env: { ...process.env, ...p.env }, startTimeoutMs: 120_000, scrub: (s) => s });
      await w.ready;
    });

    after(async () => {
      await w.shutdown();
      await p.cleanup();
    });

    void it('digest before = digest after, for each command', T, async () => {
      const parse = await call('parse', []);
      assert.equal(parse.result.exitCode, 0, JSON.stringify(parse.result.exception));
      // The --defer state: the manifest.json the parse wrote.
      const stateDir = join(p.dir, 'state');
      mkdirSync(stateDir);
      cpSync(join(p.root, 'target', 'manifest.json'), join(stateDir, 'manifest.json'));
      const leaks: string[] = [];
      for (const args of commands(stateDir)) {
        const before = await digest();
        const r = await call('invoke', args);
        assert.equal(r.result.parsed, false, `${args.join(' ')} ran on the cached manifest`);
        const afterwards = await digest();
        const changed = [...new Set([...Object.keys(before), ...Object.keys(afterwards)])].filter((k) => before[k] !== afterwards[k]);
        if (changed.length > 0) leaks.push(`${args.join(' ')} (exit ${r.result.exitCode}) changed ${changed.length}: ${changed.slice(0, 6).join(', ')}`);
      }
      assert.deepEqual(leaks, []);
    });
  });
}
