/**
 * Opens the store a --db value names: a postgres:// URL, or a SQLite file path; and, for a server,
 * what its replicas share besides the store. With PostgreSQL that is a change feed crossing
 * processes (LISTEN/NOTIFY) and a leader election (advisory lock); with SQLite there is one server,
 * its in-process feed, and no election.
 */
import type { Logger } from "pino";
import type { ChangeFeed } from "../model/change-feed.ts";
import type { Leadership } from "../model/leadership.ts";
import { createPgChangeFeed } from "./postgres/pg-change-feed.ts";
import { isPostgresUrl } from "./postgres/pg-config.ts";
import { createPgLeadership } from "./postgres/pg-leadership.ts";
import { PostgresStore } from "./postgres/postgres-store.ts";
import { dataPathError } from "./sqlite/data-path-error.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";
import type { Store } from "./store.ts";

export interface OpenStoreOptions {
  /** PostgreSQL connections per server (the pool's maximum). */
  poolSize?: number;
  /** Told when the store can no longer make writes durable (SQLite: a failed WAL sync). */
  onFatal?: (error: Error) => void;
}

export interface Replication {
  /** Set when changes must cross processes; otherwise the server uses its in-process feed. */
  feed?: ChangeFeed;
  /** Set when several replicas may run; otherwise this server always leads. */
  leadership?: Leadership;
  /** Set when replicas share a database: its clock, which all of them stamp times with. */
  databaseNow?: () => Promise<number>;
}

export async function openStore(db: string, logger: Logger, options: OpenStoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(db)) return PostgresStore.open({ url: db, poolSize: options.poolSize });
  try {
    return new SqliteStore({
      path: db,
      onFatal: options.onFatal,
      onWarning: (message) => logger.warn({ db }, message),
    });
  } catch (error) {
    throw dataPathError(db, error) ?? error;
  }
}

export async function openReplication(store: Store, logger: Logger): Promise<Replication> {
  if (!(store instanceof PostgresStore)) return {};
  const feed = await createPgChangeFeed(store.target, {
    onError: (err, context) => logger.warn({ err }, context),
  });
  const leadership = createPgLeadership(store.target, {
    onChange: (leading) =>
      logger.info({ leading }, leading ? "leading: this replica runs the reaper" : "no longer leading"),
  });
  return { feed, leadership, databaseNow: () => store.databaseNow() };
}
