/**
 * Opens the store a --db value names: a postgres:// URL, or a SQLite file path. With PostgreSQL
 * the replicas also share a change feed (LISTEN/NOTIFY) and elect a leader (advisory lock); with
 * SQLite there is one server, its in-process feed, and no election.
 */
import type { Logger } from "pino";
import type { ChangeFeed } from "../model/change-feed.ts";
import type { Leadership } from "../model/leadership.ts";
import { createPgChangeFeed } from "./postgres/pg-change-feed.ts";
import { isPostgresUrl } from "./postgres/pg-config.ts";
import { createPgLeadership } from "./postgres/pg-leadership.ts";
import { PostgresStore } from "./postgres/postgres-store.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";
import type { Store } from "./store.ts";

export interface OpenStoreOptions {
  /** PostgreSQL connections per server (the pool's maximum). */
  poolSize?: number;
  logger?: Logger;
}

export interface OpenedStore {
  store: Store;
  /** Set when changes must cross processes; otherwise the server uses its in-process feed. */
  feed?: ChangeFeed;
  /** Set when several replicas may run; otherwise this server always leads. */
  leadership?: Leadership;
}

export async function openStore(db: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  if (!isPostgresUrl(db)) return { store: new SqliteStore({ path: db }) };
  const { logger } = options;
  const store = await PostgresStore.open({ url: db, poolSize: options.poolSize });
  try {
    const feed = await createPgChangeFeed(store.target, {
      onError: (err, context) => logger?.warn({ err }, context),
    });
    const leadership = createPgLeadership(store.target, {
      onChange: (leading) =>
        logger?.info({ leading }, leading ? "leading: this replica runs the reaper" : "no longer leading"),
    });
    return { store, feed, leadership };
  } catch (error) {
    await store.close();
    throw error;
  }
}
