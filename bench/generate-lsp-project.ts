// Writes a dbt project shaped like the large public ones the language server
// must stay fast on (issue 13: a 1,196-model project with a 15.7 MB
// manifest): models spread over folders with CTEs, sources in several YAML
// files, schema YAML with documented columns and 2-4 tests per model, docs
// blocks used by column descriptions, ~400 project macros and a vendored
// package (a real folder under dbt_packages/, as `dbt deps` leaves it) with
// ~1,000 more. With dbt's own and DuckDB's macros the manifest holds about
// 1,900 macros. Deterministic for a given size.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LspProjectOptions {
  models: number;
  /** Macros of the project itself, and of the vendored package. */
  projectMacros?: number;
  packageMacros?: number;
}

const MARKER = '.generated-lsp-project';
const SOURCES = 60;
const TABLES_PER_SOURCE = 10;
const DOCS = 300;
const FOLDERS = 12;
const COLUMNS = ['id', 'parent_id', 'status', 'amount', 'created_at', 'updated_at', 'channel', 'region'];

const pad = (n: number, w = 4) => String(n).padStart(w, '0');
const modelName = (i: number) => `m_${pad(i)}`;
const folderOf = (i: number) => `area_${pad(i % FOLDERS, 2)}`;

function write(dir: string, rel: string, text: string): void {
  const path = join(dir, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

function macroFiles(count: number, prefix: string, perFile = 20): [string, string][] {
  const files: [string, string][] = [];
  for (let f = 0; f * perFile < count; f++) {
    const body: string[] = [];
    for (let k = f * perFile; k < Math.min(count, (f + 1) * perFile); k++) {
      body.push(
        `{% macro ${prefix}_${pad(k)}(column, scale=1) %}`,
        `    {# ${prefix} helper ${k}: normalises a value #}`,
        `    {% if scale != 1 %}({{ column }}) * {{ scale }}{% else %}coalesce({{ column }}, 0){% endif %}`,
        '{% endmacro %}',
        '',
      );
    }
    files.push([`${prefix}_${pad(f, 3)}.sql`, body.join('\n')]);
  }
  return files;
}

function modelSql(i: number, projectMacros: number, packageMacros: number): string {
  const staging = i < SOURCES * TABLES_PER_SOURCE && i % 2 === 0;
  const input = staging ? `{{ source('src_${pad(i % SOURCES, 2)}', 'table_${pad(i % TABLES_PER_SOURCE, 2)}') }}` : `{{ ref('${modelName(Math.max(0, i - 1 - (i % 7)))}') }}`;
  const second = i > 10 ? `{{ ref('${modelName(i - 10)}') }}` : input;
  return [
    `{{ config(materialized='${i % 5 === 0 ? 'table' : 'view'}', tags=['${folderOf(i)}']) }}`,
    '',
    'with base as (',
    `    select * from ${input}`,
    '),',
    '',
    'other as (',
    `    select id, amount from ${second}`,
    '),',
    '',
    'final as (',
    '    select',
    '        base.id,',
    '        base.parent_id,',
    '        base.status,',
    `        {{ helper_${pad(i % projectMacros)}('base.amount') }} as amount,`,
    `        {{ shared_utils.util_${pad(i % packageMacros)}('other.amount', scale=2) }} as scaled_amount,`,
    '        base.created_at,',
    '        base.updated_at,',
    '        base.channel,',
    '        base.region',
    '    from base',
    '    left join other on base.id = other.id',
    ')',
    '',
    'select * from final',
    '',
  ].join('\n');
}

function schemaYaml(from: number, to: number): string {
  const out = ['version: 2', '', 'models:'];
  for (let i = from; i < to; i++) {
    out.push(`  - name: ${modelName(i)}`, `    description: "Model ${i} of ${folderOf(i)}, built from its parents; see the area docs."`, '    columns:');
    for (const [k, c] of COLUMNS.entries()) {
      out.push(`      - name: ${c}`, `        description: '{{ doc("col_${pad((i * COLUMNS.length + k) % DOCS, 3)}") }}'`);
      if (c === 'id') out.push('        data_tests:', '          - unique', '          - not_null');
      if (c === 'status' && i % 3 === 0) out.push('        data_tests:', '          - accepted_values:', "              values: ['new', 'open', 'closed']");
      if (c === 'parent_id' && i > 10 && i % 4 === 0) out.push('        data_tests:', `          - relationships:`, `              to: ref('${modelName(i - 10)}')`, '              field: id');
    }
  }
  return out.join('\n') + '\n';
}

function sourcesYaml(from: number, to: number): string {
  const out = ['version: 2', '', 'sources:'];
  for (let s = from; s < to; s++) {
    out.push(`  - name: src_${pad(s, 2)}`, `    schema: raw_${pad(s, 2)}`, `    description: Raw data of system ${s}.`, '    tables:');
    for (let t = 0; t < TABLES_PER_SOURCE; t++) {
      out.push(`      - name: table_${pad(t, 2)}`, `        description: Table ${t} of system ${s}.`, '        columns:');
      for (const c of COLUMNS) out.push(`          - name: ${c}`, `            description: ${c.replace('_', ' ')} as loaded.`);
    }
  }
  return out.join('\n') + '\n';
}

/** Writes the project into `dir` (replacing a project this function wrote before). */
export function generateLspProject(dir: string, options: LspProjectOptions): void {
  const { models, projectMacros = 400, packageMacros = 1000 } = options;
  if (existsSync(dir)) {
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes(MARKER)) throw new Error(`${dir} is not empty and was not made by generateLspProject; refusing to write into it.`);
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  write(dir, MARKER, `models=${models}\n`);
  write(dir, 'dbt_project.yml', 'name: lsp_shape\nversion: "1.0.0"\nconfig-version: 2\nprofile: lsp_shape\n');
  write(dir, 'profiles.yml', "lsp_shape:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: \"{{ env_var('DBT_DUCKDB_PATH', 'lsp_shape.duckdb') }}\"\n      threads: 1\n      keep_open: false\n");
  write(dir, 'packages.yml', 'packages:\n  - package: acme/shared_utils\n    version: 2.1.0\n');
  write(dir, 'dbt_packages/shared_utils/dbt_project.yml', 'name: shared_utils\nversion: "2.1.0"\nconfig-version: 2\n');
  for (const [file, text] of macroFiles(packageMacros, 'util')) write(dir, `dbt_packages/shared_utils/macros/${file}`, text);
  for (const [file, text] of macroFiles(projectMacros, 'helper')) write(dir, `macros/${file}`, text);
  const docs: string[] = [];
  for (let d = 0; d < DOCS; d++) docs.push(`{% docs col_${pad(d, 3)} %}`, `Column documentation block ${d}: what the value means, where it comes from and how it is kept up to date.`, '{% enddocs %}', '');
  write(dir, 'models/docs/columns.md', docs.join('\n'));
  for (let s = 0; s < SOURCES; s += 10) write(dir, `models/sources/sources_${pad(s, 2)}.yml`, sourcesYaml(s, Math.min(SOURCES, s + 10)));
  for (let i = 0; i < models; i++) write(dir, `models/${folderOf(i)}/${modelName(i)}.sql`, modelSql(i, projectMacros, packageMacros));
  for (let f = 0; f < FOLDERS; f++) {
    const inFolder = Array.from({ length: models }, (_, i) => i).filter((i) => i % FOLDERS === f);
    const out = ['version: 2', '', 'models:'];
    for (const i of inFolder) out.push(...schemaYaml(i, i + 1).split('\n').slice(3).filter((l) => l !== ''));
    write(dir, `models/${folderOf(f)}/_schema.yml`, out.join('\n') + '\n');
  }
}
