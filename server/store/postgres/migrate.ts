/**
 * Brings the schema up to date at start. Replicas that start together take turns: the first one
 * holds a transaction-level advisory lock (keyed by the schema name) while it applies what is
 * missing; the others wait for it, then find nothing left to do. Everything runs in one
 * transaction, so a migration that fails leaves the schema as it was.
 */
import type { Migration } from "./migrations.ts";
import { type PgExecutor, sql } from "./pg-executor.ts";

// $1 schema name: serialises migrations of one schema across replicas.
const LOCK = sql("SELECT pg_advisory_xact_lock(hashtextextended('flowy.migrate.' || $1::text, 0))");

// No parameters: schema_migrations lives in the search_path schema.
const VERSIONS_TABLE =
  "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())";

// No parameters: the newest migration applied.
const CURRENT = sql("SELECT coalesce(max(version), 0) AS version FROM schema_migrations");

// $1 version, $2 name: records an applied migration.
const RECORD = sql("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)");

/** Applies missing migrations; returns the versions it applied. */
export async function migrate(db: PgExecutor, schema: string, migrations: Migration[]): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query(LOCK, [schema]);
    // The schema name is a checked identifier (pg-config.ts); DDL cannot take it as a parameter.
    await tx.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await tx.exec(VERSIONS_TABLE);
    const [row] = await tx.query(CURRENT);
    const current = Number(row?.version ?? 0);
    const applied: number[] = [];
    for (const migration of migrations.filter((m) => m.version > current)) {
      await tx.exec(migration.sql);
      await tx.query(RECORD, [migration.version, migration.name]);
      applied.push(migration.version);
    }
    return applied;
  });
}
