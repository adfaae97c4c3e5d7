// Writes a synthetic dbt project on DuckDB of any size, for benchmarks
// (parse, manifest loading, language server) and scale tests.
//
// Shape: 3 seeds -> 3 staging views -> layers of models, each ref-ing 1-3
// models of earlier layers (mostly the layer just before). Odd layers are
// views, even layers tables, so no chain of views is more than a few deep:
// DuckDB inlines views, and deep view-on-view chains get slow to bind.
// Every model has the same three columns (id, value, category) and ids stay
// unique, so the generated unique/not_null tests pass. The same seed always
// gives the same project.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface GenerateOptions {
  /** Number of models, staging included (>= 1). */
  models: number;
  /** PRNG seed; the same seed gives the same project. Default 1. */
  seed?: number;
}

export interface GeneratedProject {
  dir: string;
  models: number;
  layers: number;
  tests: number;
  /** Model names, in generation order (parents before children). */
  modelNames: string[];
}

/** Written into every generated project; lets a re-run overwrite it and nothing else. */
export const MARKER_FILE = '.generated-by-dbt-conductor';

const MAX_MODELS = 100_000;
const SEEDS = ['customers', 'orders', 'products'] as const;
const ENTITIES = ['orders', 'customers', 'payments', 'products', 'sessions', 'invoices', 'shipments', 'refunds', 'events', 'accounts'];
const SUFFIXES = ['enriched', 'daily', 'joined', 'summary', 'filtered', 'ranked', 'rollup', 'latest'];
const CATEGORIES = ['retail', 'wholesale', 'online', 'partner'];

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ModelSpec {
  name: string;
  layer: number;
  parents: string[];
  materialized: 'view' | 'table';
  tested: boolean;
  usesMacro: boolean;
}

/** Layer count grows with the log of the size: 100 models -> 7 layers, 10,000 -> 14. */
export function layerCount(models: number): number {
  return Math.max(1, Math.min(20, Math.round(Math.log2(Math.max(models, 2)))));
}

function planModels(total: number, rand: () => number): ModelSpec[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const specs: ModelSpec[] = [];
  const staging = Math.min(SEEDS.length, total);
  for (let i = 0; i < staging; i++) {
    specs.push({ name: `stg_${SEEDS[i]}`, layer: 0, parents: [`raw_${SEEDS[i]}`], materialized: 'view', tested: true, usesMacro: false });
  }
  const rest = total - staging;
  const layers = layerCount(total);
  const byLayer: string[][] = [specs.map((s) => s.name)];
  let earlier: string[] = []; // every model of layers below the current one
  for (let i = 0; i < rest; i++) {
    // Spread the remaining models evenly over layers 1..layers.
    const layer = 1 + Math.floor((i * layers) / Math.max(rest, 1));
    while (byLayer.length <= layer) {
      earlier = earlier.concat(byLayer[byLayer.length - 1]);
      byLayer.push([]);
    }
    const previous = byLayer[layer - 1].length > 0 ? byLayer[layer - 1] : earlier;
    const parentCount = 1 + Math.floor(rand() * 3);
    const parents = new Set<string>([pick(previous)]);
    for (let k = 1; k < parentCount; k++) parents.add(rand() < 0.6 ? pick(previous) : pick(earlier));
    const name = `${layer < layers ? 'int' : 'mart'}_${pick(ENTITIES)}_${pick(SUFFIXES)}_${String(i + 1).padStart(5, '0')}`;
    specs.push({
      name,
      layer,
      parents: [...parents],
      materialized: layer % 2 === 0 ? 'table' : 'view',
      tested: rand() < 0.3,
      usesMacro: rand() < 0.2,
    });
    byLayer[layer].push(name);
  }
  return specs;
}

function seedCsv(seed: (typeof SEEDS)[number], rand: () => number): string {
  const lines = ['id,value,category,name'];
  for (let id = 1; id <= 8; id++) {
    lines.push(`${id},${Math.floor(rand() * 1000)},${CATEGORIES[Math.floor(rand() * CATEGORIES.length)]},${seed}_${id}`);
  }
  return lines.join('\n') + '\n';
}

function modelSql(spec: ModelSpec): string {
  if (spec.layer === 0) {
    return `select\n    id,\n    value,\n    category\nfrom {{ ref('${spec.parents[0]}') }}\n`;
  }
  const aliases = spec.parents.map((_, i) => String.fromCharCode(97 + i)); // a, b, c
  const value = spec.parents.map((_, i) => (i === 0 ? 'a.value' : `coalesce(${aliases[i]}.value, 0)`)).join(' + ');
  const lines = [
    `{{ config(materialized='${spec.materialized}') }}`,
    '',
    'select',
    '    a.id,',
    spec.usesMacro ? `    {{ scaled('${value}') }} as value,` : `    ${value} as value,`,
    '    a.category',
    `from {{ ref('${spec.parents[0]}') }} as a`,
  ];
  for (let i = 1; i < spec.parents.length; i++) {
    lines.push(`left join {{ ref('${spec.parents[i]}') }} as ${aliases[i]}`, `    on a.id = ${aliases[i]}.id`);
  }
  return lines.join('\n') + '\n';
}

function schemaYaml(specs: ModelSpec[]): string {
  const out = ['version: 2', '', 'models:'];
  for (const s of specs) {
    const from = s.parents.join(', ');
    out.push(`  - name: ${s.name}`, `    description: "${s.materialized === 'table' ? 'Table' : 'View'} built from ${from}."`, '    columns:');
    out.push('      - name: id', '        description: Row key, unique per model.');
    if (s.tested) out.push('        data_tests:', '          - unique', '          - not_null');
    out.push('      - name: value', '        description: Sum of the parents\' values.');
    out.push('      - name: category', '        description: Sales channel, from the first parent.');
  }
  return out.join('\n') + '\n';
}

const PROJECT_YML = `# Generated by bench/generate-project.ts; regenerate rather than edit.
name: synthetic
version: "1.0.0"
config-version: 2
profile: synthetic
model-paths: ["models"]
seed-paths: ["seeds"]
macro-paths: ["macros"]
clean-targets: ["target", "logs"]
`;

const PROFILES_YML = `# DBT_DUCKDB_PATH points the database at a temp file. keep_open is dbt-duckdb's default (true), as in users'
# profiles: one DuckDB open per invocation (the worker releases the file after each one).
synthetic:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{{ env_var('DBT_DUCKDB_PATH', 'synthetic.duckdb') }}"
      schema: main
      threads: 4
`;

const MACRO_SQL = `{% macro scaled(expression, factor=1) %}
    ({{ expression }}) * {{ factor }}
{% endmacro %}
`;

/**
 * Checks the options and empties dir for a generator: dir must be empty,
 * missing, or a project a generator wrote before (it has MARKER_FILE).
 */
export function prepareOutputDir(dir: string, models: number, seed: number, generator: string): void {
  if (!Number.isInteger(models) || models < 1 || models > MAX_MODELS) {
    throw new Error(`models must be a whole number from 1 to ${MAX_MODELS}, got ${String(models)}.`);
  }
  if (!Number.isInteger(seed)) throw new Error(`seed must be a whole number, got ${String(seed)}.`);
  if (existsSync(dir)) {
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes(MARKER_FILE)) {
      throw new Error(`${dir} is not empty and was not made by ${generator}; refusing to write into it.`);
    }
    for (const e of entries) rmSync(join(dir, e), { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
}

/**
 * Writes the project into dir (created if missing). dir must be empty, missing,
 * or a project this function generated before (then it is replaced).
 */
export function generateProject(dir: string, options: GenerateOptions): GeneratedProject {
  const { models, seed = 1 } = options;
  prepareOutputDir(dir, models, seed, 'generateProject');
  const rand = prng(seed);
  const specs = planModels(models, rand);
  writeFileSync(join(dir, MARKER_FILE), `models=${models} seed=${seed}\n`);
  writeFileSync(join(dir, 'dbt_project.yml'), PROJECT_YML);
  writeFileSync(join(dir, 'profiles.yml'), PROFILES_YML);
  writeFileSync(join(dir, '.gitignore'), 'target/\nlogs/\n*.duckdb\n*.duckdb.wal\n');
  mkdirSync(join(dir, 'seeds'));
  for (const s of SEEDS) writeFileSync(join(dir, 'seeds', `raw_${s}.csv`), seedCsv(s, rand));
  mkdirSync(join(dir, 'macros'));
  writeFileSync(join(dir, 'macros', 'scaled.sql'), MACRO_SQL);

  // One folder per layer; schema YAML in chunks of 100 models, as real projects split them.
  const layers = new Map<number, ModelSpec[]>();
  for (const s of specs) {
    const group = layers.get(s.layer);
    if (group) group.push(s);
    else layers.set(s.layer, [s]);
  }
  for (const [layer, group] of layers) {
    const folder = join(dir, 'models', layer === 0 ? 'staging' : `layer_${String(layer).padStart(2, '0')}`);
    mkdirSync(folder, { recursive: true });
    for (const s of group) writeFileSync(join(folder, `${s.name}.sql`), modelSql(s));
    for (let i = 0; i < group.length; i += 100) {
      writeFileSync(join(folder, `_schema_${String(i / 100 + 1).padStart(3, '0')}.yml`), schemaYaml(group.slice(i, i + 100)));
    }
  }
  return {
    dir,
    models: specs.length,
    layers: layers.size - 1,
    tests: specs.filter((s) => s.tested).length * 2,
    modelNames: specs.map((s) => s.name),
  };
}
