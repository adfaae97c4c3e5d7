// Problems from real dbt results: the recorded streams of the jaffle fixture
// (test/fixtures/events), turned into results by the CLI backend's
// collector, with the fixture's real manifest and files.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cachedSources, deprecationProblems, lineFromMessage, parseFailureOf, ProblemsModel, SchemaFileCache, testDefinition, testProblems, type ProblemSources } from '../../src/dbt/diagnosticsModel';
import type { InvocationResult } from '../../src/dbt/protocol';
import { nodeProjectPath } from '../../src/dbt/packageRoots';
import { InvocationHistory } from '../../src/dbt/treeModel';
import { jaffleDir, loadStream, resultOf } from './eventStreams';
import { jaffleIndex, repoRoot } from './server-fixture';
import { FAILING_TEST } from '../fixtures/lib/jaffleIds';

function fixtureFile(rel: string): string | undefined {
  try {
    return readFileSync(join(jaffleDir, rel), 'utf8');
  } catch {
    return undefined;
  }
}

/** 0-based line of the first line holding `needle` after the line holding `after`. */
function lineOf(rel: string, needle: string, after = ''): number {
  const lines = fixtureFile(rel)!.split('\n');
  const start = lines.findIndex((l) => l.includes(after));
  return lines.findIndex((l, i) => i > start && l.includes(needle));
}

/** The jaffle fixture installs no package: every node's file is under the project. */
const nodePath = (pkg: string, rel: string) => nodeProjectPath({ root: jaffleDir, name: 'jaffle', packagesInstallPath: 'dbt_packages' }, pkg, rel);
const sources: ProblemSources = { index: jaffleIndex(), readFile: fixtureFile, nodePath };

void describe('ProblemsModel with recorded results', () => {
  void it('puts the failing and the warning test on their YAML lines (from the test results)', () => {
    const h = new InvocationHistory();
    const build = loadStream('build');
    const entry = h.start({ label: 'dbt build', args: build.args, projectRoot: '/p', projectName: 'jaffle' });
    for (const e of build.events) h.event(entry, e);
    h.finish(entry, resultOf(build));
    const problems = testProblems(h.tests.all(), sources);
    assert.deepEqual([...new Set(problems.map((p) => p.file))].sort(), ['models/marts/schema.yml', 'models/staging/schema.yml']);
    const fail = problems.find((p) => p.file === 'models/marts/schema.yml');
    assert.equal(fail?.severity, 'error');
    assert.equal(fail?.uniqueId, FAILING_TEST);
    assert.equal(fail?.line, lineOf('models/marts/schema.yml', '- accepted_values:', 'name: status'));
    assert.match(fail?.message ?? '', /^Test accepted_values_orders_status\S* failed \(1 failing row\): Got 1 result/);
    const warn = problems.find((p) => p.file === 'models/staging/schema.yml');
    assert.equal(warn?.severity, 'warning');
    assert.equal(warn?.line, lineOf('models/staging/schema.yml', '- accepted_values:', 'name: payment_method'));
    // The node problems model leaves tests to the test results: one source of truth.
    const model = new ProblemsModel();
    model.apply(resultOf(build), sources);
    assert.deepEqual([...model.files()], []);
  });

  void it('puts a DuckDB runtime error on the source line the database names', () => {
    const model = new ProblemsModel();
    model.apply(resultOf(loadStream('run_broken_runtime')), sources);
    const [p] = model.forFile('models/broken/broken_runtime.sql');
    assert.equal(p?.severity, 'error');
    assert.match(p?.message ?? '', /order_total/);
    assert.equal(p?.line, lineOf('models/broken/broken_runtime.sql', '    order_total'));
  });

  void it('puts a compile error on the line using the undefined macro', () => {
    const model = new ProblemsModel();
    model.apply(resultOf(loadStream('run_broken_compile')), sources);
    const [p] = model.forFile('models/broken/broken_compile.sql');
    assert.equal(p?.severity, 'error');
    assert.match(p?.message ?? '', /Compilation Error/);
    assert.equal(p?.line, lineOf('models/broken/broken_compile.sql', 'cents_to_dollar('));
  });

  void it('clears a node\'s problem when it next succeeds, and keeps it when it is skipped', () => {
    const model = new ProblemsModel();
    const failed = resultOf(loadStream('run_broken_runtime'));
    model.apply(failed, sources);
    const node = (status: string) => failed.nodes.filter((n) => n.name === 'broken_runtime').map((n) => ({ ...n, status }));
    assert.deepEqual([...model.apply({ ...failed, nodes: node('skipped') }, sources)], []);
    assert.equal(model.forFile('models/broken/broken_runtime.sql').length, 1);
    assert.deepEqual([...model.apply({ ...failed, nodes: node('success') }, sources)], ['models/broken/broken_runtime.sql']);
    assert.deepEqual(model.forFile('models/broken/broken_runtime.sql'), []);
  });

  void it('leaves problems alone on commands that do not execute nodes (show, compile)', () => {
    const model = new ProblemsModel();
    const failed = resultOf(loadStream('run_broken_runtime'));
    model.apply(failed, sources);
    const shown: InvocationResult = { ...failed, command: 'show', nodes: failed.nodes.filter((n) => n.name === 'broken_runtime').map((n) => ({ ...n, status: 'success' })) };
    assert.deepEqual([...model.apply(shown, sources)], []);
    assert.deepEqual([...model.apply({ ...shown, command: 'compile' }, sources)], []);
    assert.equal(model.forFile('models/broken/broken_runtime.sql').length, 1);
  });

  void it('keeps its problems across a reload (toJSON / from)', () => {
    const model = new ProblemsModel();
    model.apply(resultOf(loadStream('run_broken_runtime')), sources);
    const restored = ProblemsModel.from(JSON.parse(JSON.stringify(model.toJSON())));
    assert.deepEqual(restored.forFile('models/broken/broken_runtime.sql'), model.forFile('models/broken/broken_runtime.sql'));
    assert.deepEqual([...ProblemsModel.from('garbage').files()], []);
  });

  void it('places problems by the result alone before the first parse (no manifest)', () => {
    const model = new ProblemsModel();
    const result = resultOf(loadStream('run_broken_runtime'));
    const withPaths: InvocationResult = { ...result, nodes: result.nodes.map((n) => ({ ...n, originalFilePath: n.originalFilePath ?? 'models/broken/broken_runtime.sql' })) };
    model.apply(withPaths, { readFile: fixtureFile, nodePath });
    assert.equal(model.forFile('models/broken/broken_runtime.sql').length, 1);
  });
});

void describe('testDefinition with cachedSources', () => {
  void it('gives every test of the fixture the same definition as a parse per look-up, reading each file once', () => {
    const index = jaffleIndex();
    const reads = new Map<string, number>();
    const readFile = (rel: string) => {
      reads.set(rel, (reads.get(rel) ?? 0) + 1);
      return fixtureFile(rel);
    };
    const cached = cachedSources({ index, readFile, nodePath });
    const tests = [...index.byId.values()].filter((e) => e.resourceType === 'test' || e.resourceType === 'unit_test');
    assert.ok(tests.length > 10);
    for (const t of tests) assert.deepEqual(testDefinition(t.uniqueId, t.resourceType, t.name, cached), testDefinition(t.uniqueId, t.resourceType, t.name, sources), t.uniqueId);
    assert.ok(reads.get('models/marts/schema.yml'), 'the marts schema file was read');
    assert.deepEqual([...reads.values()].filter((n) => n !== 1), [], 'each file read once');
    assert.equal(testDefinition(FAILING_TEST, 'test', 'x', cached)?.line, lineOf('models/marts/schema.yml', '- accepted_values:', 'name: status'));
  });
});

void describe('SchemaFileCache', () => {
  void it('parses a file again only when its text changed since the last pass, and follows the new text', () => {
    const cache = new SchemaFileCache();
    const rel = 'models/marts/schema.yml';
    let text = fixtureFile(rel)!;
    const first = cache.sources({ index: jaffleIndex(), readFile: () => text, nodePath }).schemaFile!(rel)!;
    const same = cache.sources({ index: jaffleIndex(), readFile: () => text, nodePath }).schemaFile!(rel)!;
    assert.equal(same, first, 'unchanged text: the same parse');
    text = `# a comment line moves everything down\n${text}`;
    const sources = cache.sources({ index: jaffleIndex(), readFile: () => text, nodePath });
    assert.notEqual(sources.schemaFile!(rel), first);
    assert.equal(testDefinition(FAILING_TEST, 'test', 'x', sources)?.line, lineOf(rel, '- accepted_values:', 'name: status') + 1);
  });
});

void describe('lineFromMessage', () => {
  const sql = 'select\n    a,\n    -- order_total is gone\n    order_total\nfrom t\n';
  void it('uses Jinja\'s "line N" (1-based)', () => {
    assert.equal(lineFromMessage("unexpected '}'\n    line 2\n", sql), 1);
  });
  void it('ignores a line number beyond the file', () => {
    assert.equal(lineFromMessage('line 99', sql), undefined);
  });
  void it('maps a database "LINE N: text" to the unique source line with that text, skipping comments', () => {
    assert.equal(lineFromMessage('Binder Error: x\n  LINE 14:     order_total\n   ^', sql), 3);
  });
  void it('finds the first use of an undefined name', () => {
    assert.equal(lineFromMessage("'missing_macro' is undefined", 'select\n  {{ missing_macro(1) }}\n'), 1);
  });
  void it('gives nothing when the message names no line', () => {
    assert.equal(lineFromMessage('Database Error: permission denied', sql), undefined);
  });
});

void describe('runtime errors on the source line that produced the compiled line (recorded by scripts/record-compiled.sh)', () => {
  const recorded = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/compiled/errors.json'), 'utf8')) as { errors: { fixture: string; uniqueId: string; message: string }[] };
  for (const { fixture, uniqueId, message } of recorded.errors) {
    void it(`${uniqueId}: "${/LINE \d+:.*/.exec(message)?.[0].trim()}"`, () => {
      const model = `models/${uniqueId.split('.')[2] === 'broken_runtime' ? 'broken/' : ''}${uniqueId.split('.')[2]}.sql`;
      const source = readFileSync(join(repoRoot, 'test/fixtures', fixture, model), 'utf8');
      const compiled = readFileSync(join(repoRoot, 'test/fixtures/compiled', fixture, model), 'utf8');
      const column = /column "(\w+)"/.exec(message)![1];
      const expected = source.split('\n').findIndex((l) => l.trim() === column);
      const named = Number(/LINE (\d+)/.exec(message)![1]) - 1;
      assert.notEqual(named, expected, 'the database names another line than the source line');
      assert.equal(lineFromMessage(message, source, compiled), expected);
    });
  }

  void it('falls back to the model\'s first SQL line when the message names no line', () => {
    const model = new ProblemsModel();
    const result = resultOf(loadStream('run_broken_runtime'));
    const vague = { ...result, nodes: result.nodes.map((n) => (n.name === 'broken_runtime' ? { ...n, message: 'Database Error: connection reset' } : n)) };
    model.apply(vague, sources);
    assert.equal(model.forFile('models/broken/broken_runtime.sql')[0]?.line, lineOf('models/broken/broken_runtime.sql', 'select'));
  });
});

void describe('deprecationProblems', () => {
  void it('puts dbt\'s MissingArgumentsPropertyInGenericTestDeprecation as a warning on the test in its YAML', () => {
    const h = new InvocationHistory();
    const entry = h.start({ label: 'dbt build', args: ['build'], projectRoot: '/p', projectName: 'jaffle' });
    for (const e of loadStream('unknown_selector').events) h.event(entry, e);
    assert.equal(entry.state.deprecations.length, 1);
    const [p] = deprecationProblems(entry.state.deprecations, sources);
    assert.equal(p?.file, 'models/marts/schema.yml');
    assert.equal(p?.severity, 'warning');
    assert.match(p?.message ?? '', /^MissingArgumentsPropertyInGenericTestDeprecation: .*arguments/);
    assert.equal(p?.line, lineOf('models/marts/schema.yml', '- relationships:', 'name: orders'));
  });
  void it('puts a deprecation that names no file on dbt_project.yml', () => {
    const [p] = deprecationProblems([{ name: 'SomethingDeprecation', message: 'old config' }], sources);
    assert.deepEqual([p?.file, p?.line], ['dbt_project.yml', 0]);
  });
});

void describe('parseFailureOf', () => {
  // Messages as dbt 1.12 raised them on the jaffle fixture with a broken file.
  const yamlError = 'Parsing Error\n  Error reading jaffle: staging/schema.yml - Runtime Error\n    Syntax error near line 5\n    ------------------------------\n    4  |     columns: [\n';
  const jinjaError = "Compilation Error in model bad2 (models/bad2.sql)\n  unexpected '}', expected ')'\n    line 1\n      select {{ ref('orders' }}";

  void it('resolves a YAML path relative to the model paths', () => {
    const f = parseFailureOf(yamlError, (rel) => rel === 'models/staging/schema.yml');
    assert.deepEqual({ file: f.file, line: f.line }, { file: 'models/staging/schema.yml', line: 5 });
  });
  void it('reads the file and line of a Jinja error', () => {
    const f = parseFailureOf(jinjaError, () => true);
    assert.deepEqual({ file: f.file, line: f.line }, { file: 'models/bad2.sql', line: 1 });
  });
  void it('puts an unknown ref on the model that has it, at the ref, not on dbt_project.yml', () => {
    // As dbt 1.12 raised it after ref('stg_customers') was misspelt in customers.sql.
    const message = "Compilation Error\n  Model 'model.jaffle.customers' (models/marts/customers.sql) depends on a node named 'stg_customerz' which was not found";
    const text = fixtureFile('models/marts/customers.sql')!.replace("ref('stg_customers')", "ref('stg_customerz')");
    const f = parseFailureOf(message, (rel) => rel === 'models/marts/customers.sql', (rel) => (rel === 'models/marts/customers.sql' ? text : undefined));
    assert.equal(f.file, 'models/marts/customers.sql');
    assert.equal(f.line, lineOf('models/marts/customers.sql', "ref('stg_customers')") + 1);
  });
  void it('keeps the whole message and admits when no file is named', () => {
    const f = parseFailureOf("Runtime Error\n  Could not find profile named 'x'", () => true);
    assert.equal(f.file, null);
    assert.equal(f.line, null);
    assert.match(f.message, /Could not find profile/);
  });
});
