// What the equivalence layer needs from a database, kept behind one small
// interface so the layer is adapter-neutral: DuckDB now (duckdbTarget.ts);
// another adapter adds a target name in the fixtures' profiles and one
// implementation of EquivalenceTarget.

/** One relation as seen from another connection after a step. */
export interface RelationState {
  kind: 'table' | 'view';
  /** Row count, or "error: ..." when it cannot be read (a view over a dropped table). */
  rows: number | string;
  /** Tables only: the columns compared (snapshot `dbt_*` timestamps left out) and a checksum of their rows, order-free. */
  columns?: string[];
  checksum?: string;
}

/** Every relation of one side's database(s), keyed by where it lives ("<database>:<schema>.<name>"). */
export type DatabaseState = Record<string, RelationState>;

/** A relation named the adapter-neutral way: `schemaSuffix` as dbt's custom schemas append it to the target schema. */
export interface RelationRef {
  schemaSuffix?: string;
  name: string;
}

/** One side's database (the warm side and the cold side each get their own). */
export interface SideDatabase {
  /** Environment for dbt, merged over the fixture copy's env: where the database is, which profile target is the default. */
  readonly env: Record<string, string>;
  snapshot(): Promise<DatabaseState>;
  /** A change made outside dbt, from another connection (a user at a terminal). */
  drop(relation: RelationRef): Promise<void>;
  create(relation: RelationRef): Promise<void>;
  close(): Promise<void>;
}

export interface EquivalenceTarget {
  /** Shown in case names and the summary, e.g. "duckdb". */
  readonly name: string;
  /** The profile's second target for `--target` steps (the default one is chosen through `env`). */
  readonly alternateTarget: string;
  /**
   * One side's database for the copy in `workDir`. With `template`, it starts
   * as a copy of that database (the case template after its setup commands);
   * DuckDB's files travel inside the work dir, so it only has to point at them.
   */
  open(workDir: string, template?: SideDatabase): Promise<SideDatabase>;
  dispose(): Promise<void>;
}
