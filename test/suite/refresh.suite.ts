// The views batch their refreshes while events stream in, but show an
// invocation's end at once (issue 13: the last batching delay sat between
// dbt's result and the success icon).
import * as assert from 'node:assert/strict';
import { conductor, ensureParsed, projectRoot, runCommand } from './helpers';

suite('views show the end of an invocation at once', () => {
  test('the Invocations view refreshes with the final state as the invocation ends', async () => {
    const api = await conductor();
    await ensureParsed(api);
    const nodeTreeSaw: string[] = [];
    const seen = () => {
      const e = api.host.history.list()[0];
      return e ? `${e.id}:${e.status}` : '';
    };
    let shownAtFinish: boolean | undefined;
    const subs = [
      api.nodeTree.onDidChangeTreeData(() => nodeTreeSaw.push(seen())),
      // onDidFinish fires right after the host's last change: the view must already have been told.
      api.host.onDidFinish((entry) => {
        if (!entry.background) shownAtFinish ??= nodeTreeSaw.includes(`${entry.id}:${entry.status}`);
      }),
    ];
    try {
      const target = { kind: 'node', projectRoot: projectRoot(), name: 'stg_orders', uniqueId: 'model.jaffle.stg_orders', resourceType: 'model' };
      const entry = await runCommand('compile', target);
      assert.equal(entry.status, 'success');
      assert.equal(shownAtFinish, true, 'the Invocations view was refreshed with the final status when the invocation ended');
    } finally {
      for (const s of subs) s.dispose();
    }
  });
});
