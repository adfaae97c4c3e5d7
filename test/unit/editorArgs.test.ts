// The editor's dbt argument lists: every name and selector one literal
// argument, flags only where dbt takes them, and the "Run dbt command..."
// tokenizer (no shell, no expansion).
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArgsError, buildArgs, tokenizeArgs } from '../../src/editor/model/dbtArgs';

describe('buildArgs', () => {
  it('builds a selection with graph operators and full refresh', () => {
    assert.deepEqual(buildArgs({ command: 'build', select: ['+orders+'], fullRefresh: true }), ['build', '--select', '+orders+', '--full-refresh']);
  });
  it('splits two-word commands', () => {
    assert.deepEqual(buildArgs({ command: 'source freshness', select: ['source:raw.orders'] }), ['source', 'freshness', '--select', 'source:raw.orders']);
    assert.deepEqual(buildArgs({ command: 'docs generate' }), ['docs', 'generate']);
  });
  it('adds the settings as flags, vars as JSON, extra args last', () => {
    assert.deepEqual(
      buildArgs({ command: 'run', select: ['a'], target: 'ci', profilesDir: '/p d', threads: 2, vars: { x: 'it\'s "q"' }, extraArgs: ['--fail-fast'] }),
      ['run', '--select', 'a', '--target', 'ci', '--profiles-dir', '/p d', '--threads', '2', '--vars', '{"x":"it\'s \\"q\\""}', '--fail-fast'],
    );
  });
  it('keeps flags off the commands that do not take them', () => {
    assert.deepEqual(buildArgs({ command: 'deps', threads: 4, fullRefresh: true, target: 't' }), ['deps', '--target', 't']);
    assert.throws(() => buildArgs({ command: 'clean', select: ['a'] }), ArgsError);
  });
  it('passes shell metacharacters through as data', () => {
    assert.deepEqual(buildArgs({ command: 'show', inline: "select 1; rm -rf / # $(x) `y`", limit: 5 }), ['show', '--inline', "select 1; rm -rf / # $(x) `y`", '--limit', '5']);
  });
  it('rejects selectors that dbt would read as flags, and NUL characters', () => {
    assert.throws(() => buildArgs({ command: 'run', select: ['--full-refresh'] }), /not a dbt selector/);
    assert.throws(() => buildArgs({ command: 'run', select: [' '] }), ArgsError);
    assert.throws(() => buildArgs({ command: 'run', extraArgs: ['a\0b'] }), /NUL/);
  });
  it('builds only flags when there is no command', () => {
    assert.deepEqual(buildArgs({ target: 'ci', vars: {} }), ['--target', 'ci']);
  });
});

describe('tokenizeArgs', () => {
  it('splits on whitespace and honours quotes and escapes', () => {
    assert.deepEqual(tokenizeArgs(`run  --select "tag:a b" 'x y' c\\ d --vars '{"k": 1}'`), ['run', '--select', 'tag:a b', 'x y', 'c d', '--vars', '{"k": 1}']);
  });
  it('expands nothing', () => {
    assert.deepEqual(tokenizeArgs('ls $(whoami) `id` ~ *.sql'), ['ls', '$(whoami)', '`id`', '~', '*.sql']);
  });
  it('keeps empty quoted arguments', () => {
    assert.deepEqual(tokenizeArgs(`show --inline ""`), ['show', '--inline', '']);
  });
  it('rejects an unterminated quote', () => {
    assert.throws(() => tokenizeArgs(`run --select "orders`), /unterminated double quote/);
  });
});
