// The fixture projects an equivalence case can run on, and what the step
// generator draws from each: models for selectors, tags, paths, seeds, var
// sets, inline SQL, relations to drop from outside, the cancel step, and the
// edits. An edit's variants are computed from the file as the fixture has it
// (undefined when the file is new), so every variant is a fixed text: null
// deletes the file. Paths are relative to the case's work dir, which holds
// the project folder and its sibling packages.

export type Variant = (original: string | undefined) => string | null;

export interface ProjectSpec {
  /** The fixture folder (test/fixtures/<name>), which is also the project folder in the work dir. */
  name: string;
  /** Fixture folders copied next to it (local packages). */
  siblings: string[];
  /** dbt commands that make the template every case starts from. */
  setup: string[][];
  models: string[];
  seeds: string[];
  tags: string[];
  paths: string[];
  varSets: string[];
  inlineSql: string[];
  relations: { schemaSuffix?: string; name: string }[];
  cancel: { args: string[]; others: string[]; slow: string };
  edits: Record<string, Variant[]>;
}

const replace = (from: string, to: string): Variant => (text) => {
  if (text === undefined || !text.includes(from)) throw new Error(`edit: "${from}" not found`);
  return text.replace(from, to);
};
const same: Variant = (text) => text ?? null;
const write = (text: string): Variant => () => text;
const remove: Variant = () => null;

export const shop: ProjectSpec = {
  name: 'shop',
  siblings: ['shop_common'],
  setup: [['deps'], ['seed']],
  models: ['stg_customers', 'stg_orders', 'stg_items', 'int_items_priced', 'int_order_totals', 'fct_orders', 'fct_order_events', 'customer_segments', 'dim_customers', 'common_calendar'],
  seeds: ['raw_customers', 'raw_orders', 'raw_items'],
  tags: ['daily', 'marts'],
  paths: ['models/staging', 'models/intermediate', 'models/marts'],
  varSets: ['{status_filter: [placed, completed]}', '{calendar_days: 4}', '{seed_schema: raw_alt}'],
  inlineSql: ["select count(*) as n from {{ ref('fct_orders') }}", "select * from {{ ref('int_order_totals') }} order by order_id"],
  relations: [{ name: 'stg_orders' }, { name: 'stg_customers' }, { schemaSuffix: 'marts', name: 'fct_orders' }, { schemaSuffix: 'marts', name: 'fct_order_events' }, { schemaSuffix: 'raw', name: 'raw_items' }],
  cancel: {
    args: ['run', '--select', 'stg_customers', 'stg_items', 'slow_orders', '--vars', '{slow: true}'],
    others: ['model.shop.stg_customers', 'model.shop.stg_items'],
    slow: 'model.shop.slow_orders',
  },
  edits: {
    'model-sql shop/models/staging/stg_customers.sql': [
      replace('select id as customer_id,', 'select id as customer_id, upper(country) as country_code,'),
      replace('from {{', 'fromm {{'),
      same,
    ],
    'model-sql shop/models/intermediate/int_items_priced.sql': [replace('select order_id, sku, qty,', 'select order_id, sku, qty * 2 as qty,'), same],
    'macro shop/macros/cents_to_dollars.sql': [replace('scale=2', 'scale=0'), replace('/ 100.0', '/ 10.0'), same],
    'yaml-test shop/models/marts/extra_tests.yml': [
      write('version: 2\nmodels:\n  - name: fct_order_events\n    columns:\n      - name: status\n        data_tests:\n          - accepted_values:\n              values: ["placed", "shipped"]\n'),
      write('version: 2\nmodels:\n  - name: customer_segments\n    columns:\n      - name: customer_id\n        data_tests: [unique, not_null]\n'),
      remove,
    ],
    'disable-model shop/models/marts/customer_segments.sql': [(t) => `{{ config(enabled=false) }}\n${t ?? ''}`, same],
    'disable-model shop/models/staging/stg_items.sql': [(t) => `{{ config(enabled=false) }}\n${t ?? ''}`, same],
    'package-file shop_common/models/common_calendar.sql': [replace("var('calendar_days', 10)", '3'), replace('select day', 'select day * 7 as day'), same],
    'package-file shop_common/macros/safe_divide.sql': [replace('case when {{ denominator }} = 0', 'case when {{ denominator }} <= 1'), same],
    'project-vars shop/dbt_project.yml': [replace('status_filter: ["placed", "shipped", "completed"]', 'status_filter: ["returned"]'), replace('calendar_days: 10', 'calendar_days: 2'), same],
    'env-var shop/.env': [write('SHOP_MIN_CENTS=1000\n'), write('SHOP_MIN_CENTS=500\n'), same],
    'seed-csv shop/seeds/raw_orders.csv': [(t) => `${t ?? ''}9,3,placed,2024-03-01,4200\n`, same],
    'seed-csv shop/seeds/raw_items.csv': [(t) => `${t ?? ''}8,F,2,0\n`, same],
    'new-model shop/models/marts/big_orders.sql': [write("select * from {{ ref('fct_orders') }} where amount > 20\n"), remove],
    'delete-model shop/models/marts/dim_customers_v1.sql': [remove, same],
    'delete-model shop/models/marts/fct_order_events.sql': [remove, same],
  },
};

export const jaffle: ProjectSpec = {
  name: 'jaffle',
  siblings: [],
  setup: [['seed']],
  models: ['stg_customers', 'stg_orders', 'stg_payments', 'int_order_payments', 'orders', 'customers', 'order_events'],
  seeds: ['raw_customers', 'raw_orders', 'raw_payments'],
  tags: ['nightly'], // no model has it: the empty selection
  paths: ['models/staging', 'models/intermediate', 'models/marts'],
  varSets: ['{slow: false}', '{broken_compile: true}', '{broken_runtime: true}'],
  inlineSql: ["select count(*) as n from {{ ref('orders') }}"],
  relations: [{ name: 'stg_orders' }, { name: 'orders' }, { name: 'customers' }, { name: 'raw_payments' }],
  cancel: {
    args: ['run', '--select', 'stg_customers', 'stg_orders', 'slow_model', '--vars', '{slow: true}'],
    others: ['model.jaffle.stg_customers', 'model.jaffle.stg_orders'],
    slow: 'model.jaffle.slow_model',
  },
  edits: {
    'model-sql jaffle/models/marts/orders.sql': [replace('    o.status,', '    upper(o.status) as status,'), same],
    'macro jaffle/macros/cents_to_dollars.sql': [replace('scale=2', 'scale=1'), same],
    'yaml-test jaffle/models/extra_tests.yml': [
      write('version: 2\nmodels:\n  - name: order_events\n    columns:\n      - name: order_id\n        data_tests: [unique]\n'),
      remove,
    ],
    'disable-model jaffle/models/marts/customers.sql': [(t) => `{{ config(enabled=false) }}\n${t ?? ''}`, same],
    'seed-csv jaffle/seeds/raw_payments.csv': [(t) => `${t ?? ''}53,45,coupon,700,2018-04-09 00:00:00\n`, same],
    'new-model jaffle/models/marts/order_count.sql': [write("select count(*) as n from {{ ref('orders') }}\n"), remove],
    'delete-model jaffle/models/marts/order_events.sql': [remove, same],
  },
};

export const PROJECTS: readonly ProjectSpec[] = [shop, jaffle];
