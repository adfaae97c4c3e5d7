// PostgreSQL implementation of EquivalenceTarget, on the tests' throwaway
// server (scripts/postgres.sh): each side gets a database of its own, a copy
// of its case template's (CREATE DATABASE ... TEMPLATE), which holds both
// profile targets (pg: schema main, pg_ci: schema ci). It is inspected and
// changed with psql, from a connection of its own, like a user at a terminal.
import { randomBytes } from 'node:crypto';
import { ensurePostgres, pgQuery, pgTargetEnv } from '../../fixtures/lib/postgres';
import type { DatabaseState, EquivalenceTarget, RelationRef, RelationState, SideDatabase } from './target';

const TARGET_SCHEMA = 'main'; // the pg target's schema in the fixtures' profiles.yml
const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** The server, or an error that says how to get one (never a silent skip). */
function requireServer(): void {
  try {
    ensurePostgres();
  } catch (e) {
    throw new Error(
      'the equivalence layer\'s PostgreSQL cases need the tests\' server: scripts/setup.sh installs PostgreSQL, ' +
        'scripts/postgres.sh start runs it (scripts/test.sh does both); EQUIV_PG_CASES=0 runs the DuckDB cases only. ' +
        `Cause: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

interface Listed {
  schema: string;
  name: string;
  kind: RelationState['kind'];
  columns: string[];
}

/** Tables, views and materialized views of every user schema of `db`, with their columns in order. */
async function listRelations(db: string): Promise<Listed[]> {
  const rows = await pgQuery(db, `
    select n.nspname, c.relname, c.relkind,
      coalesce((select json_agg(a.attname order by a.attnum) from pg_attribute a
                where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped), '[]')
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p', 'v', 'm') and n.nspname <> 'information_schema' and n.nspname not like 'pg\\_%'
    order by 1, 2`);
  return rows.map(([schema, name, relkind, columns]) => ({ schema, name, kind: relkind === 'v' ? 'view' : 'table', columns: JSON.parse(columns) as string[] }));
}

/**
 * Row counts, and for tables a checksum of their rows (as PostgreSQL prints
 * them, sorted, so order-free) over the columns other than dbt_* (snapshot
 * timestamps hold the time of the run): one query for the whole database.
 */
async function snapshotOf(db: string): Promise<DatabaseState> {
  const relations = await listRelations(db);
  if (relations.length === 0) return {};
  const parts = relations.map((r, i) => {
    const rel = `${ident(r.schema)}.${ident(r.name)}`;
    const kept = r.columns.filter((c) => !c.toLowerCase().startsWith('dbt_'));
    const checksum = r.kind === 'table'
      ? `(select md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) from (select ${kept.map(ident).join(', ') || '1'} from ${rel}) as t)`
      : 'null';
    return `select ${i}, (select count(*) from ${rel}), ${checksum}`;
  });
  const state: DatabaseState = {};
  for (const [i, rows, checksum] of await pgQuery(db, parts.join('\nunion all\n'))) {
    const r = relations[Number(i)];
    const kept = r.columns.filter((c) => !c.toLowerCase().startsWith('dbt_'));
    state[`pg:${r.schema}.${r.name}`] = r.kind === 'table' ? { kind: 'table', rows: Number(rows), columns: kept, checksum } : { kind: 'view', rows: Number(rows) };
  }
  return state;
}

function schemaOf(r: RelationRef): string {
  return r.schemaSuffix ? `${TARGET_SCHEMA}_${r.schemaSuffix}` : TARGET_SCHEMA;
}

/** Drops a table or view if it exists; CASCADE, as a user would to get past the views that read it. */
async function dropRelation(db: string, r: RelationRef): Promise<void> {
  const [found] = await pgQuery(db, `select c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${literal(schemaOf(r))} and c.relname = ${literal(r.name)} and c.relkind in ('r', 'p', 'v', 'm')`);
  if (!found) return;
  const kind = { v: 'view', m: 'materialized view' }[found[0]] ?? 'table';
  await pgQuery(db, `drop ${kind} ${ident(schemaOf(r))}.${ident(r.name)} cascade`);
}

async function createRelation(db: string, r: RelationRef): Promise<void> {
  const rel = `${ident(schemaOf(r))}.${ident(r.name)}`;
  await pgQuery(db, `create schema if not exists ${ident(schemaOf(r))};
    drop table if exists ${rel} cascade;
    create table ${rel} as select 1 as id, 'outside'::text as who;`);
}

export function postgresTarget(): EquivalenceTarget {
  const databases = new Set<string>();
  // One CREATE DATABASE at a time: copying a template needs it free of other sessions.
  let creating: Promise<unknown> = Promise.resolve();
  const dropDatabase = async (db: string): Promise<void> => {
    databases.delete(db);
    await pgQuery('postgres', `drop database if exists ${ident(db)} with (force)`);
  };
  return {
    name: 'postgres',
    alternateTarget: 'pg_ci',
    open: async (_workDir: string, template?: SideDatabase): Promise<SideDatabase> => {
      requireServer();
      const db = `equiv_${randomBytes(6).toString('hex')}`;
      const from = template ? ` template ${ident(template.env.DBT_POSTGRES_DB)}` : '';
      const created = creating.then(() => pgQuery('postgres', `create database ${ident(db)}${from}`));
      creating = created.catch(() => undefined);
      await created;
      databases.add(db);
      // A fresh database starts with the pg target's schema, as a DuckDB file starts with main
      // (shop's on-run-start hook creates a table in it before any model does).
      if (!template) await pgQuery(db, `create schema ${ident(TARGET_SCHEMA)}`);
      return {
        env: pgTargetEnv(db),
        localName: db,
        snapshot: () => snapshotOf(db),
        drop: (r) => dropRelation(db, r),
        create: (r) => createRelation(db, r),
        close: () => dropDatabase(db),
      };
    },
    dispose: async () => {
      for (const db of [...databases]) await dropDatabase(db);
    },
  };
}
