// Writes a dbt project on DuckDB shaped like real ones, for the benchmarks of
// felt speed (issue 13): the synthetic shape of generate-project.ts keeps
// every model in one schema with few tests and no packages, which hides
// costs that grow with schemas, tests, packages and macros.
//
// Shape, for N root models (the same seed always gives the same project):
// - sources: 6-60 tables in 4 source systems, each in its own schema
//   (`<target schema>_raw_<system>`), loaded by seeds;
// - staging: one view per source table (schema `staging`);
// - intermediate and marts: layers of models over 6 domains, each domain a
//   folder with its own schema (`int_<domain>`, `<domain>`): 13 model schemas;
//   intermediate models are views, tables or ephemeral, marts tables or
//   incremental; each refs 1-3 earlier models, some marts also a package model;
// - every model calls macros: `clean_category` (root project), `safe_sum` and
//   `wu_numbers` (a local package in packages/warehouse_utils, installed as
//   `dbt deps` installs a local package: a symlink under dbt_packages/) and
//   `greatest_of` (a dispatched macro of conductor_utils, a vendored package:
//   its files in dbt_packages/ itself, as `dbt deps` leaves a hub package);
// - 2-4 data tests per model: unique and not_null on id, and some of
//   relationships to the first parent, accepted_values, and the vendored
//   package's generic test not_negative; two singular tests;
// - docs blocks for the columns and domains, referenced from schema YAML;
// - exposures on the marts.
// Every model has the columns id, value, category; ids stay unique and values
// non-negative, so `dbt build` passes.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { layerCount, MARKER_FILE, prepareOutputDir, prng } from './generate-project';

export interface RealGenerateOptions {
  /** Number of models in the root project, staging included (>= 1). */
  models: number;
  /** PRNG seed; the same seed gives the same project. Default 1. */
  seed?: number;
}

export type Materialization = 'view' | 'table' | 'ephemeral' | 'incremental';

export interface RealModel {
  name: string;
  /** Folder under models/, e.g. "marts/finance". */
  folder: string;
  /** The custom schema of its folder ("staging", "int_finance", "finance"). */
  schema: string;
  materialized: Materialization;
  /** Model names it refs (package models included); staging models ref a source instead. */
  parents: string[];
  source?: { system: string; table: string };
  /** Generic data tests on its columns, e.g. "unique(id)". */
  tests: string[];
}

export interface GeneratedRealProject {
  dir: string;
  /** Root-project models (the package models are not counted). */
  models: number;
  modelSpecs: RealModel[];
  /** Models of packages/warehouse_utils. */
  packageModels: string[];
  /** Custom schemas the root models are spread over. */
  schemas: string[];
  sources: number;
  /** Every data test: generic tests on models and sources (the package's too) and the singular tests. */
  tests: number;
  exposures: number;
}

export const LOCAL_PACKAGE = 'warehouse_utils';
export const VENDORED_PACKAGE = 'conductor_utils';
const SYSTEMS = ['crm', 'shop', 'web', 'billing'] as const;
const DOMAINS = ['finance', 'marketing', 'product', 'operations', 'sales', 'core'] as const;
const ENTITIES = ['orders', 'customers', 'payments', 'products', 'sessions', 'invoices', 'shipments', 'refunds', 'events', 'accounts'];
const SUFFIXES = ['enriched', 'daily', 'joined', 'summary', 'filtered', 'ranked', 'rollup', 'latest'];
export const CATEGORIES = ['retail', 'wholesale', 'online', 'partner'];
const PACKAGE_MODELS = ['wu_numbers', 'wu_calendar'];

/** Source tables grow with the project: about one per 18 models, 6 to 60. */
function sourceCount(models: number): number {
  return Math.min(models, Math.max(6, Math.min(60, Math.round(models / 18))));
}

function planModels(total: number, rand: () => number): RealModel[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const chance = (p: number) => rand() < p;
  const specs: RealModel[] = [];
  const byName = new Map<string, RealModel>();
  const add = (m: RealModel) => (specs.push(m), byName.set(m.name, m));

  const staging = sourceCount(total);
  for (let i = 0; i < staging; i++) {
    const system = SYSTEMS[i % SYSTEMS.length]!;
    const table = `${ENTITIES[Math.floor(i / SYSTEMS.length) % ENTITIES.length]}_${String(i + 1).padStart(2, '0')}`;
    const tests = ['unique(id)', 'not_null(id)', `relationships(id, source)`];
    if (chance(0.4)) tests.push('accepted_values(category)');
    add({ name: `stg_${system}__${table}`, folder: `staging/${system}`, schema: 'staging', materialized: 'view', parents: [], source: { system, table }, tests });
  }

  const rest = total - staging;
  const layers = layerCount(total);
  const byLayer: string[][] = [specs.map((s) => s.name)];
  let earlier: string[] = [];
  for (let i = 0; i < rest; i++) {
    const layer = 1 + Math.floor((i * layers) / Math.max(rest, 1));
    while (byLayer.length <= layer) {
      earlier = earlier.concat(byLayer[byLayer.length - 1]!);
      byLayer.push([]);
    }
    const previous = byLayer[layer - 1]!.length > 0 ? byLayer[layer - 1]! : earlier;
    const parents = new Set<string>([pick(previous)]);
    const parentCount = 1 + Math.floor(rand() * 3);
    for (let k = 1; k < parentCount; k++) parents.add(chance(0.6) ? pick(previous) : pick(earlier));
    // Ephemeral models inline their parents as CTEs: keep such chains one deep.
    const anyEphemeral = [...parents].some((p) => byName.get(p)?.materialized === 'ephemeral');
    const mart = layer >= layers - 1 && layers > 2;
    const domain = pick(DOMAINS);
    if (mart && chance(0.1)) parents.add(PACKAGE_MODELS[0]!);
    let materialized: Materialization;
    if (mart) materialized = chance(0.25) ? 'incremental' : 'table';
    else if (!anyEphemeral && chance(0.15)) materialized = 'ephemeral';
    else materialized = layer % 2 === 0 ? 'table' : 'view'; // short view-on-view chains: DuckDB inlines views
    const prefix = mart ? (chance(0.5) ? 'fct' : 'dim') : 'int';
    const name = `${prefix}_${domain}__${pick(ENTITIES)}_${pick(SUFFIXES)}_${String(i + 1).padStart(5, '0')}`;
    const tests = ['unique(id)', 'not_null(id)'];
    const first = byName.get([...parents][0]!);
    if (first && first.materialized !== 'ephemeral' && chance(0.5)) tests.push('relationships(id, parent)');
    if (chance(0.3)) tests.push('accepted_values(category)');
    if (tests.length < 4 && chance(0.3)) tests.push('not_negative(value)');
    add({ name, folder: `${mart ? 'marts' : 'intermediate'}/${domain}`, schema: mart ? domain : `int_${domain}`, materialized, parents: [...parents], tests });
    byLayer[layer]!.push(name);
  }
  return specs;
}

function seedCsv(name: string, rand: () => number): string {
  const lines = ['id,value,category,name'];
  for (let id = 1; id <= 8; id++) lines.push(`${id},${Math.floor(rand() * 1000)},${CATEGORIES[Math.floor(rand() * CATEGORIES.length)]},${name}_${id}`);
  return lines.join('\n') + '\n';
}

const refOf = (name: string) => (PACKAGE_MODELS.includes(name) ? `ref('${LOCAL_PACKAGE}', '${name}')` : `ref('${name}')`);

function modelSql(m: RealModel): string {
  if (m.source) {
    return [
      'select',
      '    id,',
      '    value,',
      `    {{ clean_category('category') }} as category`,
      `from {{ source('${m.source.system}', '${m.source.table}') }}`,
      '',
    ].join('\n');
  }
  const config = m.materialized === 'incremental' ? `materialized='incremental', unique_key='id'` : `materialized='${m.materialized}'`;
  const aliases = m.parents.map((_, i) => `p${i + 1}`);
  const values = aliases.map((a) => `'${a}.value'`).join(', ');
  const sum = `${LOCAL_PACKAGE}.safe_sum([${values}])`;
  // About a third of the models also go through the vendored package's dispatched macro.
  const value = m.name.length % 3 === 0 ? `{{ ${VENDORED_PACKAGE}.greatest_of(${sum}, '0') }}` : `{{ ${sum} }}`;
  const lines = [`{{ config(${config}) }}`, '', 'with'];
  m.parents.forEach((p, i) => lines.push(`${aliases[i]} as (`, `    select * from {{ ${refOf(p)} }}`, `)${i < m.parents.length - 1 ? ',' : ''}`));
  lines.push('', 'select', '    p1.id,', `    ${value} as value,`, `    {{ clean_category('p1.category') }} as category`, 'from p1');
  for (let i = 1; i < m.parents.length; i++) lines.push(`left join ${aliases[i]} on p1.id = ${aliases[i]}.id`);
  if (m.materialized === 'incremental') lines.push('{% if is_incremental() %}', 'where p1.id > (select coalesce(max(id), 0) from {{ this }})', '{% endif %}');
  return lines.join('\n') + '\n';
}

function testYaml(m: RealModel, column: string, indent: string): string[] {
  const out: string[] = [];
  for (const t of m.tests) {
    const [kind, col] = /^(\w+)\((\w+)/.exec(t)!.slice(1);
    if (col !== column) continue;
    if (kind === 'unique' || kind === 'not_null') out.push(`${indent}- ${kind}`);
    // A package's generic test is named with its package, as dbt_utils' are.
    else if (kind === 'not_negative') out.push(`${indent}- ${VENDORED_PACKAGE}.not_negative`);
    // The classic argument form (no `arguments:` key), which every dbt 1.x reads, as most projects still write it.
    else if (kind === 'accepted_values') out.push(`${indent}- accepted_values:`, `${indent}    values: [${CATEGORIES.map((c) => `'${c}'`).join(', ')}]`);
    else if (kind === 'relationships') {
      const to = m.source ? `source('${m.source.system}', '${m.source.table}')` : refOf(m.parents[0]!);
      out.push(`${indent}- relationships:`, `${indent}    to: ${to}`, `${indent}    field: id`);
    }
  }
  return out.length > 0 ? [`${indent.slice(2)}data_tests:`, ...out] : [];
}

function schemaYaml(models: RealModel[], domain: string | undefined): string {
  const out = ['version: 2', '', 'models:'];
  for (const m of models) {
    const about = domain ? `{{ doc('domain_${domain}') }} ` : '';
    const from = m.source ? `source ${m.source.system}.${m.source.table}` : m.parents.join(', ');
    out.push(`  - name: ${m.name}`, `    description: "${about}A ${m.materialized} model built from ${from}."`, '    columns:');
    for (const col of ['id', 'value', 'category']) {
      out.push(`      - name: ${col}`, `        description: "{{ doc('col_${col}') }}"`, ...testYaml(m, col, '          '));
    }
  }
  return out.join('\n') + '\n';
}

function sourcesYaml(staging: RealModel[]): string {
  const out = ['version: 2', '', 'sources:'];
  for (const system of SYSTEMS) {
    const tables = staging.filter((m) => m.source?.system === system);
    if (tables.length === 0) continue;
    out.push(`  - name: ${system}`, `    description: "Raw tables of the ${system} system, loaded as they come."`, `    schema: "{{ target.schema }}_raw_${system}"`, '    tables:');
    for (const m of tables) {
      const table = m.source!.table;
      out.push(`      - name: ${table}`, `        identifier: src_${system}_${table}`, '        columns:', '          - name: id', '            data_tests:', '              - unique', '              - not_null');
    }
  }
  return out.join('\n') + '\n';
}

function exposuresYaml(marts: RealModel[], count: number, rand: () => number): string {
  const out = ['version: 2', '', 'exposures:'];
  const types = ['dashboard', 'notebook', 'application', 'analysis'];
  for (let i = 0; i < count; i++) {
    const deps = new Set<string>();
    const n = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < n; k++) deps.add(marts[Math.floor(rand() * marts.length)]!.name);
    out.push(
      `  - name: exposure_${String(i + 1).padStart(3, '0')}`,
      `    type: ${types[i % types.length]}`,
      `    maturity: ${i % 3 === 0 ? 'high' : 'medium'}`,
      `    description: "Reporting on ${[...deps].join(', ')}."`,
      '    owner:',
      `      name: Team ${DOMAINS[i % DOMAINS.length]}`,
      `      email: ${DOMAINS[i % DOMAINS.length]}@example.com`,
      '    depends_on:',
      ...[...deps].map((d) => `      - ref('${d}')`),
    );
  }
  return out.join('\n') + '\n';
}

function docsMd(): string {
  const blocks = [
    ['col_id', 'Row key: unique per model, carried over from the source row.'],
    ['col_value', "Sum of the parents' values, never negative."],
    ['col_category', 'Sales channel, lower-cased: one of retail, wholesale, online, partner.'],
    ...DOMAINS.map((d) => [`domain_${d}`, `Part of the ${d} domain, owned by the ${d} team.`]),
  ];
  return blocks.map(([name, text]) => `{% docs ${name} %}\n${text}\n{% enddocs %}\n`).join('\n');
}

function projectYml(): string {
  const lines = [
    '# Generated by bench/generate-real-project.ts; regenerate rather than edit.',
    'name: real_shape',
    'version: "1.0.0"',
    'config-version: 2',
    'profile: real_shape',
    'model-paths: ["models"]',
    'seed-paths: ["seeds"]',
    'macro-paths: ["macros"]',
    'test-paths: ["tests"]',
    'clean-targets: ["target", "logs"]',
    '',
    'models:',
    '  real_shape:',
    '    staging:',
    '      +schema: staging',
    '      +materialized: view',
    '    intermediate:',
    ...DOMAINS.flatMap((d) => [`      ${d}:`, `        +schema: int_${d}`]),
    '    marts:',
    ...DOMAINS.flatMap((d) => [`      ${d}:`, `        +schema: ${d}`]),
    '',
    'seeds:',
    '  real_shape:',
    ...SYSTEMS.flatMap((s) => [`    ${s}:`, `      +schema: raw_${s}`]),
  ];
  return lines.join('\n') + '\n';
}

const PROFILES_YML = `# DBT_DUCKDB_PATH points the database at a temp file. keep_open is dbt-duckdb's default (true), as in users'
# profiles: one DuckDB open per invocation (the worker releases the file after each one).
real_shape:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{{ env_var('DBT_DUCKDB_PATH', 'real_shape.duckdb') }}"
      schema: main
      threads: 4
`;

const PACKAGES_YML = `packages:
  # Installed as \`dbt deps\` installs a local package: a symlink dbt_packages/${LOCAL_PACKAGE}.
  - local: packages/${LOCAL_PACKAGE}
  # Installed as \`dbt deps\` leaves a hub package: its files in dbt_packages/${VENDORED_PACKAGE}.
  # No hub is reachable here, so the generator writes them (do not run \`dbt deps\` on this project).
  - package: conductor/${VENDORED_PACKAGE}
    version: 1.2.0
`;

// What \`dbt deps\` records; dbt parse compares its count with dbt_packages/.
const PACKAGE_LOCK_YML = `packages:
  - local: packages/${LOCAL_PACKAGE}
    name: ${LOCAL_PACKAGE}
  - name: ${VENDORED_PACKAGE}
    package: conductor/${VENDORED_PACKAGE}
    version: 1.2.0
`;

/** The root project's macros, by relative path. */
const ROOT_MACROS: Record<string, string> = {
  'macros/clean_category.sql': `{% macro clean_category(column) %}lower(trim({{ column }})){% endmacro %}\n`,
  'macros/scaled.sql': `{% macro scaled(expression, factor=1) %}({{ expression }}) * {{ factor }}{% endmacro %}\n`,
};

const LOCAL_PACKAGE_FILES: Record<string, string> = {
  'dbt_project.yml': `name: ${LOCAL_PACKAGE}\nversion: "0.3.0"\nconfig-version: 2\nmodel-paths: ["models"]\nmacro-paths: ["macros"]\nmodels:\n  ${LOCAL_PACKAGE}:\n    +schema: utils\n`,
  'macros/safe_sum.sql': `{% macro safe_sum(columns) -%}\n    ({% for c in columns %}coalesce({{ c }}, 0){% if not loop.last %} + {% endif %}{% endfor %})\n{%- endmacro %}\n`,
  'macros/number_series.sql': `{% macro number_series(upto) %}select range + 1 as id from range({{ upto }}){% endmacro %}\n`,
  'models/wu_numbers.sql': `{{ config(materialized='table') }}\n\nselect id, 0 as value, 'retail' as category from ({{ number_series(8) }}) as n\n`,
  'models/wu_calendar.sql': `{{ config(materialized='view') }}\n\nselect id, current_date + cast(id as integer) as day from {{ ref('wu_numbers') }}\n`,
  'models/schema.yml': `version: 2\n\nmodels:\n  - name: wu_numbers\n    description: "Numbers 1-8, for joins and spines."\n    columns:\n      - name: id\n        data_tests:\n          - unique\n          - not_null\n  - name: wu_calendar\n    description: "One day per number."\n`,
};

const VENDORED_PACKAGE_FILES: Record<string, string> = {
  'dbt_project.yml': `name: ${VENDORED_PACKAGE}\nversion: "1.2.0"\nconfig-version: 2\nmacro-paths: ["macros"]\n`,
  'macros/greatest_of.sql': [
    '{% macro greatest_of(expression, floor) %}',
    `    {{ return(adapter.dispatch('greatest_of', '${VENDORED_PACKAGE}')(expression, floor)) }}`,
    '{% endmacro %}',
    '',
    '{% macro default__greatest_of(expression, floor) %}greatest({{ expression }}, {{ floor }}){% endmacro %}',
    '',
  ].join('\n'),
  'macros/not_negative.sql': `{% test not_negative(model, column_name) %}\nselect {{ column_name }} from {{ model }} where {{ column_name }} < 0\n{% endtest %}\n`,
  'macros/star_except.sql': `{% macro star_except(relation, excluded) %}{% for c in adapter.get_columns_in_relation(relation) if c.name not in excluded %}{{ c.name }}{% if not loop.last %}, {% endif %}{% endfor %}{% endmacro %}\n`,
};

function writeFiles(base: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(base, rel, '..'), { recursive: true });
    writeFileSync(join(base, rel), text);
  }
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const group = out.get(k);
    if (group) group.push(it);
    else out.set(k, [it]);
  }
  return out;
}

/**
 * Writes the project into dir (created if missing). dir must be empty, missing,
 * or a project a generator wrote before (then it is replaced).
 */
export function generateRealProject(dir: string, options: RealGenerateOptions): GeneratedRealProject {
  const { models, seed = 1 } = options;
  prepareOutputDir(dir, models, seed, 'generateRealProject');
  const rand = prng(seed);
  const specs = planModels(models, rand);
  const staging = specs.filter((m) => m.source);
  const marts = specs.filter((m) => m.folder.startsWith('marts/'));

  writeFileSync(join(dir, MARKER_FILE), `real shape: models=${models} seed=${seed}\n`);
  writeFileSync(join(dir, 'dbt_project.yml'), projectYml());
  writeFileSync(join(dir, 'profiles.yml'), PROFILES_YML);
  writeFileSync(join(dir, 'packages.yml'), PACKAGES_YML);
  writeFileSync(join(dir, 'package-lock.yml'), PACKAGE_LOCK_YML);
  writeFileSync(join(dir, '.gitignore'), 'target/\nlogs/\n*.duckdb\n*.duckdb.wal\n');
  for (const m of staging) {
    const { system, table } = m.source!;
    mkdirSync(join(dir, 'seeds', system), { recursive: true });
    writeFileSync(join(dir, 'seeds', system, `src_${system}_${table}.csv`), seedCsv(`${system}_${table}`, rand));
  }
  const singular: Record<string, string> = {
    'tests/assert_staging_ids_positive.sql': `select id from {{ ref('${staging[0]!.name}') }} where id <= 0\n`,
    'tests/assert_marts_values_not_negative.sql': `select id from {{ ref('${(marts[0] ?? specs[specs.length - 1]!).name}') }} where value < 0\n`,
  };
  writeFiles(dir, { ...ROOT_MACROS, ...singular });
  writeFiles(join(dir, 'packages', LOCAL_PACKAGE), LOCAL_PACKAGE_FILES);
  writeFiles(join(dir, 'dbt_packages', VENDORED_PACKAGE), VENDORED_PACKAGE_FILES);
  // Relative, so a copied or moved project keeps its package.
  symlinkSync(join('..', 'packages', LOCAL_PACKAGE), join(dir, 'dbt_packages', LOCAL_PACKAGE), 'dir');

  for (const [folder, group] of groupBy(specs, (m) => m.folder)) {
    const path = join(dir, 'models', folder);
    mkdirSync(path, { recursive: true });
    for (const m of group) writeFileSync(join(path, `${m.name}.sql`), modelSql(m));
    const domain = folder.includes('/') && !folder.startsWith('staging') ? folder.split('/')[1] : undefined;
    // Schema YAML in chunks of 100 models, as real projects split them.
    for (let i = 0; i < group.length; i += 100) {
      writeFileSync(join(path, `_${folder.split('/').pop()}__models_${String(i / 100 + 1).padStart(2, '0')}.yml`), schemaYaml(group.slice(i, i + 100), domain));
    }
  }
  writeFileSync(join(dir, 'models', 'staging', '_sources.yml'), sourcesYaml(staging));
  mkdirSync(join(dir, 'models', 'docs'), { recursive: true });
  writeFileSync(join(dir, 'models', 'docs', 'columns.md'), docsMd());
  const exposures = marts.length > 0 ? Math.max(1, Math.round(models / 40)) : 0;
  if (exposures > 0) writeFileSync(join(dir, 'models', 'exposures.yml'), exposuresYaml(marts, exposures, rand));

  return {
    dir,
    models: specs.length,
    modelSpecs: specs,
    packageModels: [...PACKAGE_MODELS],
    schemas: [...new Set(specs.map((m) => m.schema))].sort(),
    sources: staging.length,
    // + unique and not_null on each source table's id and on the package's wu_numbers.
    tests: specs.reduce((n, m) => n + m.tests.length, 0) + Object.keys(singular).length + staging.length * 2 + 2,
    exposures,
  };
}
