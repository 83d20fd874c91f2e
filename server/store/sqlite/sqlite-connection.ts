/**
 * Opening a connection to flowy's SQLite file (WAL, synchronous=NORMAL: the write batcher makes each
 * commit durable itself, see wal-sync.ts), running the migrations, and the per-connection cache of
 * prepared statements. The store reads and writes over this one connection.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { SQLITE_MIGRATIONS } from "./migrations.ts";

export type Row = Record<string, SQLInputValue>;
export type Params = Record<string, SQLInputValue>;

export function openConnection(path: string): DatabaseSync {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec("PRAGMA foreign_keys = ON");
  return db;
}

export function migrate(db: DatabaseSync): void {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at INTEGER)",
  );
  const row = db.prepare("SELECT max(version) AS v FROM schema_migrations").get() as { v: number | null };
  for (const migration of SQLITE_MIGRATIONS.filter((m) => m.version > (row.v ?? 0))) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(migration.sql);
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
        migration.version,
        migration.name,
        Date.now(),
      );
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  }
}

/**
 * Every statement is prepared once per connection and cached by its text.
 *
 * Convention: in statements on the hot path, a bound value compared in WHERE or used in LIMIT is
 * written `+:name`. SQLite re-plans a statement on its next step whenever a parameter the planner
 * looked at is bound again (partial indexes make it look at any value compared to a column), and
 * node:sqlite binds every parameter on every call: a bare `:name` cost 4–20 µs of re-preparing per
 * call, more than the query itself. The unary plus keeps the value out of the planner's view; the
 * column side stays bare, so indexes are still used.
 */
export class Statements {
  private readonly cache = new Map<string, StatementSync>();
  readonly db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  stmt(sql: string): StatementSync {
    let statement = this.cache.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.cache.set(sql, statement);
    }
    return statement;
  }

  all(sql: string, params: Params = {}): Row[] {
    return this.stmt(sql).all(params) as Row[];
  }

  get(sql: string, params: Params = {}): Row | undefined {
    return this.stmt(sql).get(params) as Row | undefined;
  }
}
