// Cancel: a long model (slow_model, enabled by a var) is stopped through the
// runner while DuckDB works on it; the worker survives and the next command
// runs. Queued invocations are dropped by the same cancel.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { InvocationEntry } from '../../src/dbt/treeModel';
import type { NodeTreeElement } from '../../src/editor/nodeTree';
import { conductor, cpuSeconds, projectRoot, runCommand, seedProject, waitFor, workerPids } from './helpers';

const SLOW = `run --select slow_model --vars "{slow: true}"`;

function startSlow(): Thenable<InvocationEntry | undefined> {
  return vscode.commands.executeCommand<InvocationEntry | undefined>('dbtConductor.runCommand', SLOW);
}

suite('cancel', () => {
  suiteSetup(seedProject);

  test('Cancel stops a running model; the worker lives on and runs the next command', async () => {
    const api = await conductor();
    const running = startSlow();
    const entry = await waitFor('slow_model to be running', () => {
      const e = api.host.history.list().find((x) => x.label.includes('slow_model'));
      return e?.rows.some((r) => r.name === 'slow_model' && r.status === 'running') && e;
    });
    assert.match(api.statusBar.text, /\$\(sync~spin\)/, 'the status bar shows dbt running');
    const pidsBefore = workerPids(projectRoot());
    assert.equal(pidsBefore.length, 1, 'one worker serves the project');
    // Cancel once DuckDB executes the query: a cancel that lands while dbt is still preparing the
    // node is not honoured by dbt 1.12 (the runner then kills the worker; covered below). The
    // statement's own events are filtered out of the editor's stream, but its work shows as CPU
    // time: preparing the node costs a small fraction of a CPU second, the query burns cores.
    const cpuAtStart = cpuSeconds(pidsBefore[0]!);
    await waitFor('DuckDB to be executing the slow query', () => cpuSeconds(pidsBefore[0]!) - cpuAtStart >= 1);
    // The palette's Cancel (the progress notification's Cancel button aborts the same controller).
    const cancelled = await vscode.commands.executeCommand<number>('dbtConductor.cancel');
    assert.equal(cancelled, 1);
    const done = await running;
    assert.equal(done, entry);
    assert.equal(entry.status, 'cancelled', entry.error);
    assert.equal(entry.result?.cancelled, true);
    assert.equal(entry.rows.find((r) => r.name === 'slow_model')?.status, 'cancelled');
    assert.equal(api.host.runningCount, 0);
    assert.doesNotMatch(api.statusBar.text, /sync~spin/);
    const next = await runCommand('runCommand', 'run --select stg_orders');
    assert.equal(next.result?.exitCode, 0, next.error);
    assert.deepEqual(workerPids(projectRoot()), pidsBefore, 'the same worker ran the next command');
  });

  test('cancelling from the tree drops a queued invocation too, even right after the start', async () => {
    const api = await conductor();
    const slow = startSlow();
    await waitFor('slow_model to be running', () => api.host.history.list().find((x) => x.label.includes('slow_model') && x.rows.some((r) => r.status === 'running')));
    const queued = vscode.commands.executeCommand<InvocationEntry | undefined>('dbtConductor.runCommand', 'run --select stg_customers');
    await waitFor('the second invocation to be listed', () => api.host.history.list()[0]?.label === 'dbt run --select stg_customers');
    // Inline action on each invocation item of the tree.
    for (const el of api.nodeTree.getChildren().filter((e): e is Extract<NodeTreeElement, { kind: 'invocation' }> => e.kind === 'invocation' && (e.entry.status === 'running' || e.entry.status === 'queued'))) {
      assert.match(String(api.nodeTree.getTreeItem(el).contextValue), /running/);
      await vscode.commands.executeCommand('dbtConductor.tree.cancelInvocation', el);
    }
    const [a, b] = await Promise.all([slow, queued]);
    assert.equal(a?.status, 'cancelled', `${a?.error} ${JSON.stringify(a?.result?.exception)}`);
    assert.equal(b?.status, 'cancelled', `${b?.error} ${JSON.stringify(b?.result?.exception)}`);
    assert.equal(b?.result?.exception?.message, 'Cancelled before it started.');
    // What it had selected is listed as not run (dbt ls of its selection).
    assert.deepEqual(b?.rows.map((r) => [r.name, r.status]), [['stg_customers', 'not run']]);
  });
});
