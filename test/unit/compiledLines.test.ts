// The compiled-line <-> source-line mapping on real compiled SQL of the
// fixtures (test/fixtures/compiled, recorded by scripts/record-compiled.sh):
// injected ephemeral CTEs (with and without the model's own WITH), a macro
// expanding to several lines, for loops, if/else, multi-line tags, inline
// {% if %} with whitespace control.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { CompiledLineMap, firstSqlLine } from '../../src/dbt/compiledLines';
import { repoRoot } from './server-fixture';

const fixtures = join(repoRoot, 'test', 'fixtures');

function load(fixture: string, model: string): { source: string; compiled: string; map: CompiledLineMap; src: string[]; out: string[] } {
  const source = readFileSync(join(fixtures, fixture, 'models', `${model}.sql`), 'utf8');
  const compiled = readFileSync(join(fixtures, 'compiled', fixture, 'models', `${model}.sql`), 'utf8');
  return { source, compiled, map: new CompiledLineMap(source, compiled), src: source.split('\n'), out: compiled.split('\n') };
}

/** 0-based line of the first line containing `needle`. */
function at(lines: string[], needle: string, from = 0): number {
  const i = lines.findIndex((l, n) => n >= from && l.includes(needle));
  assert.ok(i >= 0, `"${needle}" not found`);
  return i;
}

void describe('CompiledLineMap on the jaffle fixture', () => {
  void it('puts the CTE dbt injected for an ephemeral model on the ref() that pulled it in', () => {
    const { map, src, out } = load('jaffle', 'marts/orders');
    const refLine = at(src, "ref('int_order_payments')");
    const cteLines = out.map((_, i) => i).filter((i) => i < at(out, ') select'));
    assert.ok(cteLines.length >= 9);
    for (const i of cteLines) assert.deepEqual(map.sourceLine(i), { line: refLine, how: 'injected', ephemeral: 'int_order_payments' });
    // The model's own first line shares a compiled line with the CTE's end.
    assert.deepEqual(map.sourceLine(at(out, ') select')), { line: at(src, 'select'), how: 'line' });
    assert.deepEqual(map.sourceLine(at(out, 'from "db"."main"."stg_orders" as o')), { line: at(src, "from {{ ref('stg_orders') }}"), how: 'line' });
    assert.deepEqual(map.sourceLine(at(out, 'on o.order_id = p.order_id')), { line: at(src, 'on o.order_id'), how: 'line' });
  });

  void it('puts every line of a macro expansion on the line that calls it', () => {
    const { map, src, out } = load('jaffle', 'staging/stg_payments');
    const call = at(src, 'cents_to_dollars');
    const first = at(out, '    payment_method,') + 1;
    const last = at(out, ' as amount');
    assert.ok(last - first >= 2, 'the macro expands to several lines');
    for (let i = first; i <= last; i++) assert.equal(map.sourceLine(i)?.line, call, `compiled line ${i}: ${out[i]}`);
    assert.deepEqual(map.compiledLines(call), Array.from({ length: last - first + 1 }, (_, k) => first + k));
    assert.deepEqual(map.sourceLine(at(out, '-- depends_on:')), { line: 0, how: 'line' });
  });

  void it('maps every line of every compiled model of the fixture to a source line with the same text, when the text is literal', () => {
    const dir = join(fixtures, 'compiled', 'jaffle', 'models');
    let checked = 0;
    for (const file of walk(dir).filter((f) => !f.includes('.yml/'))) {
      const rel = relative(dir, file).replace(/\.sql$/, '');
      const { map, src, out } = load('jaffle', rel);
      out.forEach((line, i) => {
        const s = map.sourceLine(i);
        if (line.trim() === '' || s?.how === 'injected') return;
        assert.ok(s, `${rel}: compiled line ${i} "${line}" has no source line`);
        if (!/\{[{%]/.test(src[s.line]) && s.how === 'line' && !line.startsWith(')')) assert.equal(src[s.line].trim(), line.trim(), `${rel}:${i}`);
        checked++;
      });
    }
    assert.ok(checked > 60, `checked ${checked} lines`);
  });
});

void describe('CompiledLineMap on the compiled_lines fixture', () => {
  void it('merges the injected CTE into the model\'s own WITH', () => {
    const { map, src, out } = load('compiled_lines', 'with_own_cte');
    const ref = at(src, "ref('payments_base')");
    assert.deepEqual(map.sourceLine(at(out, 'with  __dbt__cte__payments_base')), { line: ref, how: 'injected', ephemeral: 'payments_base' });
    assert.deepEqual(map.sourceLine(at(out, '), payments as (')), { line: at(src, 'with payments as ('), how: 'line' });
    assert.deepEqual(map.sourceLine(at(out, 'select * from __dbt__cte__payments_base')), { line: ref, how: 'line' });
    assert.deepEqual(map.sourceLine(at(out, 'join payments as p')), { line: at(src, 'join payments as p'), how: 'line' });
    assert.deepEqual(map.sourceLine(0), { line: 0, how: 'line' });
  });

  void it('maps each repeat of a loop body to the body, and drops the branch not taken', () => {
    const { map, src, out } = load('compiled_lines', 'loops');
    const body = at(src, "sum(case when method = '{{ m }}'");
    for (const m of ['card', 'coupon', 'bank']) assert.deepEqual(map.sourceLine(at(out, `as ${m}_count`)), { line: body, how: 'line' });
    assert.deepEqual(map.compiledLines(body).filter((i) => out[i].trim() !== ''), [at(out, 'as card_count'), at(out, 'as coupon_count'), at(out, 'as bank_count')]);
    assert.deepEqual(map.sourceLine(at(out, 'sum(amount) as total')), { line: at(src, 'sum(amount) as total'), how: 'line' });
    assert.deepEqual(map.compiledLines(at(src, '0 as total')), [], 'the else branch produced nothing');
    assert.deepEqual(map.sourceLine(at(out, 'from __dbt__cte__payments_base')), { line: at(src, "from {{ ref('payments_base') }}"), how: 'line' });
  });

  void it('puts a macro on a line of its own, and inline {% if %} with whitespace control, on their lines', () => {
    const { map, src, out } = load('compiled_lines', 'macro_lines');
    const call = at(src, '{{ amount_columns(');
    for (const col of ['card_amount', 'coupon_amount', 'bank_amount', 'total_amount']) assert.deepEqual(map.sourceLine(at(out, `as ${col}`)), { line: call, how: 'jinja' });
    assert.deepEqual(map.sourceLine(at(out, 'where amount > 0')), { line: at(src, 'where amount >'), how: 'line' });
    assert.deepEqual(map.sourceLine(at(out, 'group by order_id')), { line: at(src, 'group by order_id'), how: 'line' });
  });

  void it('maps the failing line of the runtime error model past the expansion and the injected CTE', () => {
    const { map, src, out } = load('compiled_lines', 'runtime_error');
    const compiledLine = at(out, 'no_such_column');
    const sourceLine = at(src, '    no_such_column');
    assert.notEqual(compiledLine, sourceLine, 'the lines differ, so the mapping matters');
    assert.deepEqual(map.sourceLine(compiledLine), { line: sourceLine, how: 'line' });
    assert.equal(map.sourceLine(at(out, 'as coupon_amount'))?.line, at(src, '{{ amount_columns('));
  });

  void it('says nothing for a compiled line it cannot place', () => {
    const map = new CompiledLineMap('select 1 as a\n', 'select 1 as a\nunexplained text\n');
    assert.deepEqual(map.sourceLine(0), { line: 0, how: 'line' });
    assert.equal(map.sourceLine(1), undefined);
    assert.equal(map.sourceLine(99), undefined);
  });
});

void describe('firstSqlLine', () => {
  void it('skips config(), comments and Jinja-only lines', () => {
    for (const [fixture, model, expected] of [
      ['jaffle', 'broken/broken_runtime', 'select'],
      ['jaffle', 'marts/order_events', 'select'],
      ['compiled_lines', 'loops', 'select'],
      ['compiled_lines', 'macro_lines', 'select'],
    ] as const) {
      const { source, src } = load(fixture, model);
      assert.equal(src[firstSqlLine(source)].trim(), expected, `${fixture}/${model}`);
    }
    assert.equal(firstSqlLine('/* a\nblock */\n\nselect 1'), 3);
    assert.equal(firstSqlLine('-- only a comment'), 0);
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
