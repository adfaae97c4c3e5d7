// dbt argument lists from editor gestures (src/dbt/args.ts): literal array
// elements, flags only where dbt takes them, clear errors for bad input, and
// the shell-like tokenizer of the "Run dbt command..." box.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  COMMANDS, InvocationError, buildArgs, describeInvocation, parseCommandLine, tokenizeCommandLine, validateVars,
  type InvocationSpec,
} from '../../src/dbt/args';

void describe('buildArgs: commands', () => {
  void it('builds every command, two-word commands as two arguments', () => {
    for (const command of COMMANDS) {
      const args = buildArgs({ command });
      assert.deepEqual(args, command.split(' '), command);
    }
    assert.deepEqual(buildArgs({ command: 'docs generate' }), ['docs', 'generate']);
    assert.deepEqual(buildArgs({ command: 'source freshness' }), ['source', 'freshness']);
  });

  void it('rejects an unknown command with the list of known ones', () => {
    assert.throws(() => buildArgs({ command: 'runn' as InvocationSpec['command'] }), (err: unknown) => {
      assert.ok(err instanceof InvocationError);
      assert.match(err.message, /Unknown dbt command "runn"/);
      assert.match(err.message, /build/);
      return true;
    });
  });
});

void describe('buildArgs: selections', () => {
  void it('selects a node by name, with parents, children or both', () => {
    assert.deepEqual(buildArgs({ command: 'run', selection: { kind: 'node', name: 'orders' } }), ['run', '--select', 'orders']);
    assert.deepEqual(buildArgs({ command: 'run', selection: { kind: 'node', name: 'orders', parents: true } }), ['run', '--select', '+orders']);
    assert.deepEqual(buildArgs({ command: 'build', selection: { kind: 'node', name: 'orders', children: true } }), ['build', '--select', 'orders+']);
    assert.deepEqual(
      buildArgs({ command: 'build', selection: { kind: 'node', name: 'orders', parents: true, children: true } }),
      ['build', '--select', '+orders+'],
    );
  });

  void it('selects one version of a versioned model with dbt\'s name.vN syntax', () => {
    assert.deepEqual(buildArgs({ command: 'run', selection: { kind: 'node', name: 'dim', version: 2 } }), ['run', '--select', 'dim.v2']);
    assert.deepEqual(buildArgs({ command: 'run', selection: { kind: 'node', name: 'dim', version: 'v1', parents: true } }), ['run', '--select', '+dim.v1']);
  });

  void it('selects folders and files with path:, relative and with forward slashes', () => {
    assert.deepEqual(buildArgs({ command: 'run', selection: { kind: 'path', path: 'models/staging/' } }), ['run', '--select', 'path:models/staging']);
    assert.deepEqual(buildArgs({ command: 'test', selection: { kind: 'path', path: './models/x.sql' } }), ['test', '--select', 'path:models/x.sql']);
    assert.deepEqual(
      buildArgs({ command: 'build', selection: { kind: 'path', path: 'models\\marts\\orders.sql', parents: true } }),
      ['build', '--select', '+path:models/marts/orders.sql'],
    );
  });

  void it('rejects paths dbt cannot select: outside the project, absolute, with spaces', () => {
    assert.throws(() => buildArgs({ command: 'run', selection: { kind: 'path', path: '../other/models' } }), /not inside the dbt project/);
    assert.throws(() => buildArgs({ command: 'run', selection: { kind: 'path', path: '/abs/models' } }), /not inside the dbt project/);
    assert.throws(() => buildArgs({ command: 'run', selection: { kind: 'path', path: 'C:\\proj\\models' } }), /not inside the dbt project/);
    assert.throws(() => buildArgs({ command: 'run', selection: { kind: 'path', path: 'models/with space/a.sql' } }), /contains a space.*by name/);
    assert.throws(() => buildArgs({ command: 'run', selection: { kind: 'path', path: '  ' } }), /Path is empty/);
  });

  void it('selects tags and named selectors', () => {
    assert.deepEqual(buildArgs({ command: 'build', selection: { kind: 'tag', tag: 'nightly' } }), ['build', '--select', 'tag:nightly']);
    assert.deepEqual(buildArgs({ command: 'build', selection: { kind: 'tag', tag: 'nightly', children: true } }), ['build', '--select', 'tag:nightly+']);
    assert.deepEqual(buildArgs({ command: 'run', selection: { kind: 'selector', name: 'daily' } }), ['run', '--selector', 'daily']);
  });

  void it('turns free selection text into one argument per selector, trimmed', () => {
    assert.deepEqual(
      buildArgs({ command: 'build', selection: { kind: 'text', text: '  +orders   tag:nightly\tpath:models/x  ' } }),
      ['build', '--select', '+orders', 'tag:nightly', 'path:models/x'],
    );
  });

  void it('passes shell metacharacters through as plain data', () => {
    const nasty = 'orders;rm$(x)`y`|z&*';
    assert.deepEqual(buildArgs({ command: 'run', selection: { kind: 'text', text: nasty } }), ['run', '--select', nasty]);
    assert.deepEqual(buildArgs({ command: 'run', selection: { kind: 'node', name: "it's" } }), ['run', '--select', "it's"]);
  });

  void it('rejects empty selections, line breaks, and words dbt would read as flags', () => {
    assert.throws(() => buildArgs({ command: 'run', selection: { kind: 'text', text: '   ' } }), /Selection is empty/);
    assert.throws(() => buildArgs({ command: 'run', selection: { kind: 'text', text: 'orders\ncustomers' } }), /several lines/);
    assert.throws(() => buildArgs({ command: 'run', selection: { kind: 'node', name: '' } }), /Node name is empty/);
    assert.throws(() => buildArgs({ command: 'run', selection: { kind: 'node', name: 'a\nb' } }), /line break/);
    assert.throws(() => buildArgs({ command: 'run', selection: { kind: 'node', name: 'my model' } }), /contains a space/);
    assert.throws(() => buildArgs({ command: 'run', selection: { kind: 'text', text: 'orders --full-refresh' } }), /not a dbt selector/);
    assert.throws(() => buildArgs({ command: 'run', selection: { kind: 'selector', name: ' ' } }), /Selector name is empty/);
  });

  void it('refuses a selection for commands that take none', () => {
    for (const command of ['parse', 'deps', 'debug', 'clean', 'retry'] as const) {
      assert.throws(() => buildArgs({ command, selection: { kind: 'node', name: 'orders' } }), new RegExp(`dbt ${command} does not take a selection`));
    }
  });

  void it('adds --exclude for selecting commands only', () => {
    assert.deepEqual(
      buildArgs({ command: 'build', selection: { kind: 'node', name: 'orders', parents: true }, exclude: 'stg_orders tag:slow' }),
      ['build', '--select', '+orders', '--exclude', 'stg_orders', 'tag:slow'],
    );
    assert.throws(() => buildArgs({ command: 'deps', exclude: 'x' }), /does not take --exclude/);
  });

  void it('previews selected SQL with show --inline and compile --inline, as one argument', () => {
    const sql = '-- a comment\nselect *\nfrom {{ ref("orders") }}; drop table x';
    assert.deepEqual(
      buildArgs({ command: 'show', selection: { kind: 'inline', sql: `  ${sql}\n` }, limit: 10 }),
      ['show', '--inline', sql, '--limit', '10'],
    );
    assert.deepEqual(buildArgs({ command: 'compile', selection: { kind: 'inline', sql: 'select 1' } }), ['compile', '--inline', 'select 1']);
    assert.throws(() => buildArgs({ command: 'run', selection: { kind: 'inline', sql: 'select 1' } }), /use show or compile/);
    assert.throws(() => buildArgs({ command: 'show', selection: { kind: 'inline', sql: ' \n ' } }), /selected SQL is empty/);
  });
});

void describe('buildArgs: options', () => {
  void it('adds --full-refresh only for run, build and seed', () => {
    for (const command of ['run', 'build', 'seed'] as const) {
      assert.ok(buildArgs({ command, fullRefresh: true }).includes('--full-refresh'), command);
    }
    for (const command of ['test', 'compile', 'show', 'snapshot', 'ls', 'parse', 'deps'] as const) {
      assert.ok(!buildArgs({ command, fullRefresh: true }).includes('--full-refresh'), command);
    }
  });

  void it('adds target, profile, profiles dir, threads and vars in a stable order', () => {
    assert.deepEqual(
      buildArgs({
        command: 'run', selection: { kind: 'node', name: 'orders' }, fullRefresh: true, target: 'ci', profile: 'jaffle',
        profilesDir: '/home/me/my profiles', threads: 4, vars: ' {start_date: "2024-01-01"} ',
      }),
      ['run', '--select', 'orders', '--full-refresh', '--target', 'ci', '--profile', 'jaffle', '--profiles-dir', '/home/me/my profiles',
        '--threads', '4', '--vars', '{start_date: "2024-01-01"}'],
    );
  });

  void it('leaves --threads off the commands that do not take it', () => {
    assert.deepEqual(buildArgs({ command: 'ls', threads: 4 }), ['ls']);
    assert.deepEqual(buildArgs({ command: 'deps', threads: 4, target: 'dev' }), ['deps', '--target', 'dev']);
    assert.throws(() => buildArgs({ command: 'run', threads: 0 }), /at least 1/);
    assert.throws(() => buildArgs({ command: 'run', threads: 2.5 }), /whole number/);
  });

  void it('appends the extra arguments from the settings last, untouched', () => {
    assert.deepEqual(
      buildArgs({ command: 'build', selection: { kind: 'node', name: 'orders' }, extraArgs: ['--fail-fast', '--exclude', 'a b'] }),
      ['build', '--select', 'orders', '--fail-fast', '--exclude', 'a b'],
    );
  });

  void it('checks --limit and --output against the command', () => {
    assert.deepEqual(buildArgs({ command: 'show', selection: { kind: 'node', name: 'customers' }, limit: -1 }), ['show', '--select', 'customers', '--limit', '-1']);
    assert.throws(() => buildArgs({ command: 'show', limit: 0 }), /at least 1, or -1/);
    assert.throws(() => buildArgs({ command: 'run', limit: 5 }), /dbt show only/);
    assert.deepEqual(buildArgs({ command: 'ls', output: 'json' }), ['ls', '--output', 'json']);
    assert.deepEqual(buildArgs({ command: 'show', output: 'json' }), ['show', '--output', 'json']);
    assert.throws(() => buildArgs({ command: 'ls', output: 'yaml' }), /json, name, path, selector/);
    assert.throws(() => buildArgs({ command: 'run', output: 'json' }), /no --output/);
  });

  void it('rejects target and profile names that are empty after trimming or contain spaces', () => {
    assert.deepEqual(buildArgs({ command: 'run', target: '' }), ['run']);
    assert.throws(() => buildArgs({ command: 'run', target: ' ' }), /Target name is empty/);
    assert.throws(() => buildArgs({ command: 'run', profile: 'a b' }), /contains a space/);
  });
});

void describe('validateVars', () => {
  void it('accepts YAML and JSON mappings', () => {
    assert.equal(validateVars('{"a": 1}'), '{"a": 1}');
    assert.equal(validateVars('a: 1\nb: [x, y]\n'), 'a: 1\nb: [x, y]');
    assert.equal(validateVars('{broken_runtime: true}'), '{broken_runtime: true}');
  });

  void it('explains what is wrong when vars are not a mapping', () => {
    assert.throws(() => validateVars('[1, 2]'), /must be a mapping.*got a list/);
    assert.throws(() => validateVars('42'), /got a number/);
    assert.throws(() => validateVars('just text'), /got a string/);
    assert.throws(() => validateVars('~'), /got nothing/);
    assert.throws(() => validateVars('{a: 1'), /not valid YAML or JSON/);
    assert.throws(() => buildArgs({ command: 'run', vars: '- a' }), (err: unknown) => err instanceof InvocationError && /got a list/.test(err.message));
  });
});

void describe('describeInvocation', () => {
  void it('labels invocations the way a user would type them', () => {
    assert.equal(describeInvocation({ command: 'run', selection: { kind: 'node', name: 'orders', parents: true } }), 'dbt run +orders');
    assert.equal(describeInvocation({ command: 'build' }), 'dbt build');
    assert.equal(describeInvocation({ command: 'build', fullRefresh: true, target: 'ci' }), 'dbt build --full-refresh --target ci');
    assert.equal(describeInvocation({ command: 'test', fullRefresh: true }), 'dbt test');
    assert.equal(describeInvocation({ command: 'source freshness', selection: { kind: 'text', text: 'source:raw.orders' } }), 'dbt source freshness source:raw.orders');
    assert.equal(describeInvocation({ command: 'run', selection: { kind: 'selector', name: 'nightly' } }), 'dbt run --selector nightly');
    assert.equal(describeInvocation({ command: 'build', selection: { kind: 'path', path: 'models/staging' } }), 'dbt build path:models/staging');
  });

  void it('shortens inline SQL to one line', () => {
    const label = describeInvocation({ command: 'show', selection: { kind: 'inline', sql: 'select *\n  from orders\n where amount > 100 and status = "shipped"' } });
    assert.match(label, /^dbt show --inline "select \* from orders where amount > 1/);
    assert.ok(label.length < 70);
    assert.ok(!label.includes('\n'));
  });

  void it('does not throw on a selection that buildArgs would reject', () => {
    assert.equal(describeInvocation({ command: 'run', selection: { kind: 'text', text: '' } }), 'dbt run (invalid selection)');
  });
});

void describe('tokenizeCommandLine', () => {
  void it('splits on blanks like a POSIX shell', () => {
    assert.deepEqual(tokenizeCommandLine('  run   --select\torders  '), ['run', '--select', 'orders']);
    assert.deepEqual(tokenizeCommandLine(''), []);
  });

  void it('keeps single-quoted text literally', () => {
    assert.deepEqual(tokenizeCommandLine(`run --vars '{"a": "b c"}'`), ['run', '--vars', '{"a": "b c"}']);
    assert.deepEqual(tokenizeCommandLine(`'a\\b'`), ['a\\b']);
    assert.deepEqual(tokenizeCommandLine(`''`), ['']);
  });

  void it('handles double quotes with the POSIX escapes only', () => {
    assert.deepEqual(tokenizeCommandLine(`"a \\"b\\" \\\\ \\$x \\n"`), ['a "b" \\ $x \\n']);
    assert.deepEqual(tokenizeCommandLine(`--vars "{key: 'v'}"`), ['--vars', "{key: 'v'}"]);
  });

  void it('joins adjacent quoted and unquoted parts into one word', () => {
    assert.deepEqual(tokenizeCommandLine(`a'b c'"d e"f`), ['ab cd ef']);
  });

  void it('treats a backslash outside quotes as an escape, and backslash-newline as a continuation', () => {
    assert.deepEqual(tokenizeCommandLine('a\\ b c'), ['a b', 'c']);
    assert.deepEqual(tokenizeCommandLine('run \\\n--select x'), ['run', '--select', 'x']);
  });

  void it('never expands or interprets shell syntax', () => {
    assert.deepEqual(tokenizeCommandLine('ls --select $HOME * ~ `id` $(id) ; rm -rf / | cat'), [
      'ls', '--select', '$HOME', '*', '~', '`id`', '$(id)', ';', 'rm', '-rf', '/', '|', 'cat',
    ]);
  });

  void it('rejects unbalanced quotes and a trailing backslash with a clear message', () => {
    assert.throws(() => tokenizeCommandLine(`run --vars '{a: 1}`), /Unclosed single quote at column 12/);
    assert.throws(() => tokenizeCommandLine(`run "x`), /Unclosed double quote at column 5/);
    assert.throws(() => tokenizeCommandLine(`run "x\\"`), /Unclosed double quote/);
    assert.throws(() => tokenizeCommandLine('run \\'), /ends with a backslash/);
  });
});

void describe('parseCommandLine', () => {
  void it('strips a leading dbt and keeps the rest as arguments', () => {
    assert.deepEqual(parseCommandLine('dbt build --select "+orders" --full-refresh').args, ['build', '--select', '+orders', '--full-refresh']);
    assert.deepEqual(parseCommandLine('run-operation my_macro --args "{x: 1}"').args, ['run-operation', 'my_macro', '--args', '{x: 1}']);
    assert.deepEqual(parseCommandLine('--version').args, ['--version']);
  });

  void it('labels the command with quoting where needed', () => {
    assert.equal(parseCommandLine(`dbt run --vars '{a: 1}'`).label, `dbt run --vars '{a: 1}'`);
    assert.equal(parseCommandLine('build -s +orders').label, 'dbt build -s +orders');
  });

  void it('rejects empty input, unknown commands and commands that would hang', () => {
    assert.throws(() => parseCommandLine('  dbt  '), /Type a dbt command/);
    assert.throws(() => parseCommandLine('rm -rf /'), /Unknown dbt command "rm"/);
    assert.throws(() => parseCommandLine('dbt init my_project'), /run it in a terminal/);
    assert.throws(() => parseCommandLine('docs serve --port 8081'), /web server/);
    assert.throws(() => parseCommandLine('dbt run --select "orders'), /Unclosed double quote/);
  });
});
