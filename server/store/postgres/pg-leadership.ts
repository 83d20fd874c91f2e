/**
 * Leader election among replicas with a session-level advisory lock held on a dedicated
 * connection. Whoever holds the lock leads; when its process dies, PostgreSQL ends the session,
 * the lock goes with it, and the next replica to ask takes over (each asks on every reaper pass).
 * While leading, each ask also checks the connection is alive, so a replica that lost its session
 * stops leading at its next pass. Keepalive probes (pg-config.ts) end sessions of vanished hosts.
 */
import pg from "pg";
import type { Leadership } from "../../model/leadership.ts";
import { clientConfig, type PgTarget } from "./pg-config.ts";
import { sql } from "./pg-executor.ts";

// $1 schema name: one leader per schema (several flowy installations may share a database).
const TRY_LOCK = sql("SELECT pg_try_advisory_lock(hashtextextended('flowy.leader.' || $1::text, 0)) AS held");
// $1 schema name.
const UNLOCK = sql("SELECT pg_advisory_unlock(hashtextextended('flowy.leader.' || $1::text, 0))");
// No parameters: a round trip proving the session (and with it the lock) is still there.
const PING = sql("SELECT 1");

export interface PgLeadershipOptions {
  /** Told when this replica starts or stops leading. */
  onChange?: (leading: boolean) => void;
}

export function createPgLeadership(target: PgTarget, options: PgLeadershipOptions = {}): Leadership {
  let client: pg.Client | undefined;
  let leading = false;
  let closed = false;
  let asking: Promise<boolean> | undefined;

  const setLeading = (value: boolean) => {
    if (value !== leading) options.onChange?.(value);
    leading = value;
  };

  const drop = () => {
    client?.end().catch(() => undefined);
    client = undefined;
    setLeading(false);
  };

  const connect = async (): Promise<pg.Client> => {
    const fresh = new pg.Client(clientConfig(target, "flowy-server leader election"));
    fresh.on("error", () => {
      if (client === fresh) drop();
    });
    await fresh.connect();
    return fresh;
  };

  const ask = async (): Promise<boolean> => {
    if (closed) return false;
    try {
      client ??= await connect();
      if (leading) {
        await client.query(PING);
      } else {
        const [row] = (await client.query({ ...TRY_LOCK, values: [target.schema] })).rows as Array<{
          held: boolean;
        }>;
        setLeading(row?.held === true);
      }
      return leading;
    } catch {
      drop();
      return false;
    }
  };

  return {
    isLeader() {
      // The reaper asks once per pass; concurrent asks share one round trip.
      asking ??= ask().finally(() => {
        asking = undefined;
      });
      return asking;
    },
    async close() {
      closed = true;
      await asking?.catch(() => undefined);
      if (client && leading)
        await client.query({ ...UNLOCK, values: [target.schema] }).catch(() => undefined);
      drop();
    },
  };
}
