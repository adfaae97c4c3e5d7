// What commands run on: selections, the re-run command of a node, which
// targets fit Seed and Snapshot, and the `dbt ls` that lists what a
// cancelled invocation never ran.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildArgs } from '../../src/dbt/args';
import { fitTarget, isTarget, listArgsFor, listedNodes, rerunCommand, selectionOf, type Target } from '../../src/dbt/commandTargets';

const root = '/p';
const folders = { seedPaths: ['seeds'], snapshotPaths: ['snapshots'] };

void describe('selectionOf', () => {
  void it('turns each kind of target into a dbt selection, with graph operators', () => {
    assert.deepEqual(buildArgs({ command: 'run', selection: selectionOf({ kind: 'node', projectRoot: root, name: 'orders' }, { parents: true }) }), ['run', '--select', '+orders']);
    assert.deepEqual(buildArgs({ command: 'run', selection: selectionOf({ kind: 'paths', projectRoot: root, paths: ['models/a.sql', 'models/b.sql'] }, { children: true }) }), ['run', '--select', 'path:models/a.sql+', 'path:models/b.sql+']);
    assert.deepEqual(buildArgs({ command: 'run', selection: selectionOf({ kind: 'selector', projectRoot: root, selector: 'nightly', yamlSelector: true }) }), ['run', '--selector', 'nightly']);
    assert.deepEqual(buildArgs({ command: 'build', selection: selectionOf({ kind: 'selector', projectRoot: root, selector: 'tag:a  orders' }, { parents: true, children: true }) }), ['build', '--select', '+tag:a+', '+orders+']);
    assert.deepEqual(selectionOf({ kind: 'project', projectRoot: root }), { kind: 'project' });
  });
  void it('refuses several paths when one has a space (dbt cannot select it)', () => {
    assert.throws(() => selectionOf({ kind: 'paths', projectRoot: root, paths: ['models/a b.sql', 'models/c.sql'] }), /contains a space/);
  });
  void it('recognises targets passed as command arguments', () => {
    assert.ok(isTarget({ kind: 'node', projectRoot: root, name: 'x' }));
    assert.ok(!isTarget({ kind: 'node' }));
    assert.ok(!isTarget('orders'));
  });
});

void describe('rerunCommand', () => {
  void it('keeps build, else picks the command by resource type', () => {
    assert.equal(rerunCommand(['build', '--select', 'x'], 'model'), 'build');
    assert.equal(rerunCommand(['run'], 'model'), 'run');
    assert.equal(rerunCommand(['run'], 'test'), 'test');
    assert.equal(rerunCommand(['test'], 'unit_test'), 'test');
    assert.equal(rerunCommand(['seed'], 'seed'), 'seed');
    assert.equal(rerunCommand(['snapshot'], 'snapshot'), 'snapshot');
    assert.equal(rerunCommand(['compile', '--select', 'x'], 'model'), 'compile');
    assert.equal(rerunCommand(['--debug', 'run'], 'model'), 'run');
  });
});

void describe('fitTarget: commands offer only what fits the target', () => {
  const model: Target = { kind: 'node', projectRoot: root, name: 'customers', uniqueId: 'model.p.customers', resourceType: 'model' };
  void it('"dbt: Seed" with a model open seeds the project, not "dbt seed customers" (which does nothing)', () => {
    assert.deepEqual(fitTarget('seed', model, folders), { kind: 'project', projectRoot: root });
    assert.deepEqual(buildArgs({ command: 'seed', selection: selectionOf(fitTarget('seed', model, folders)) }), ['seed']);
  });
  void it('keeps a seed, a seed file or the seeds folder', () => {
    const seed: Target = { kind: 'node', projectRoot: root, name: 'raw', resourceType: 'seed' };
    assert.equal(fitTarget('seed', seed, folders), seed);
    assert.deepEqual(fitTarget('seed', { kind: 'paths', projectRoot: root, paths: ['seeds/raw.csv', 'models/a.sql'] }, folders), { kind: 'paths', projectRoot: root, paths: ['seeds/raw.csv'] });
    assert.deepEqual(fitTarget('seed', { kind: 'paths', projectRoot: root, paths: ['seeds'] }, folders), { kind: 'paths', projectRoot: root, paths: ['seeds'] });
    assert.deepEqual(fitTarget('seed', { kind: 'paths', projectRoot: root, paths: ['models'] }, folders), { kind: 'project', projectRoot: root });
  });
  void it('Snapshot runs on snapshots only', () => {
    assert.deepEqual(fitTarget('snapshot', model, folders), { kind: 'project', projectRoot: root });
    const snap: Target = { kind: 'node', projectRoot: root, name: 's', resourceType: 'snapshot' };
    assert.equal(fitTarget('snapshot', snap, folders), snap);
    assert.deepEqual(fitTarget('snapshot', { kind: 'paths', projectRoot: root, paths: ['snapshots/s.sql'] }, folders), { kind: 'paths', projectRoot: root, paths: ['snapshots/s.sql'] });
  });
  void it('leaves other commands and explicit selectors alone', () => {
    assert.equal(fitTarget('run', model, folders), model);
    const sel: Target = { kind: 'selector', projectRoot: root, selector: 'tag:x' };
    assert.equal(fitTarget('seed', sel, folders), sel);
  });
});

void describe('listArgsFor: the nodes a cancelled invocation selected', () => {
  void it('asks dbt ls for the same selection, the command\'s resource types, as JSON', () => {
    assert.deepEqual(listArgsFor(['build', '--select', '+orders', 'customers', '--full-refresh', '--target', 'ci', '--threads', '4']), [
      'ls', '--select', '+orders', 'customers', '--target', 'ci',
      '--resource-type', 'model', 'seed', 'snapshot', 'test', 'unit_test',
      '--output', 'json', '--output-keys', 'unique_id', 'name', 'resource_type', 'original_file_path',
    ]);
    assert.deepEqual(listArgsFor(['run', '-s', 'a', '--exclude', 'b', '--vars', '{x: 1}', '--fail-fast'])!.slice(0, 9), ['ls', '-s', 'a', '--exclude', 'b', '--vars', '{x: 1}', '--resource-type', 'model']);
    assert.deepEqual(listArgsFor(['test', '--selector=nightly', '--indirect-selection', 'cautious'])!.slice(0, 6), ['ls', '--selector=nightly', '--indirect-selection', 'cautious', '--resource-type', 'test']);
    assert.deepEqual(listArgsFor(['build', '--resource-type', 'model'])!.slice(0, 3), ['ls', '--resource-type', 'model'], 'the user\'s own resource types');
  });
  void it('has nothing to list for commands that run no nodes', () => {
    for (const args of [['parse'], ['compile'], ['show', '--select', 'x'], ['deps'], ['source', 'freshness']]) assert.equal(listArgsFor(args), undefined, args.join(' '));
  });
  void it('reads dbt ls JSON lines and skips anything else', () => {
    const lines = [
      '{"unique_id": "model.p.a", "name": "a", "resource_type": "model", "original_file_path": "models/a.sql"}',
      '{"name": "t", "resource_type": "test", "unique_id": "test.p.t.1"}',
      'not json',
      '{"no_id": true}',
    ];
    assert.deepEqual(listedNodes(lines), [
      { uniqueId: 'model.p.a', name: 'a', resourceType: 'model', filePath: 'models/a.sql' },
      { uniqueId: 'test.p.t.1', name: 't', resourceType: 'test', filePath: undefined },
    ]);
  });
});
