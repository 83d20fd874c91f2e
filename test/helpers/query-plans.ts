/**
 * Query plans of the stores' hot statements, for the tests that keep them on their indexes. They
 * open their own connection to the store's database, so the stores carry no test-only methods.
 */
import pg from "pg";
import { CLAIM_BODY } from "../../server/store/postgres/job-statements.ts";
import { clientConfig, parsePgUrl } from "../../server/store/postgres/pg-config.ts";
import { openConnection } from "../../server/store/sqlite/sqlite-connection.ts";
import { COUNT_FINISHED_SQL } from "../../server/store/sqlite/sqlite-store.ts";
import { CLAIM_SQL } from "../../server/store/sqlite/sqlite-writes.ts";

/** EXPLAIN QUERY PLAN of one statement on the SQLite file at `path` (already migrated). */
function explainSqlite(path: string, sql: string, params: Record<string, string | number | null>): string {
  const db = openConnection(path);
  try {
    const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as Array<{ detail: string }>;
    return rows.map((r) => r.detail).join("\n");
  } finally {
    db.close();
  }
}

export function explainSqliteClaim(path: string): string {
  return explainSqlite(path, CLAIM_SQL, {
    worker_id: "w",
    claim_id: null,
    now: 0,
    worker_tags: "[]",
    capacity: 1,
    kill_grace_ms: null,
    bundles: "[]",
  });
}

export function explainSqliteCountFinished(path: string): string {
  return explainSqlite(path, COUNT_FINISHED_SQL, { since: 0, bucket: 60_000 });
}

async function withPgClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(clientConfig(parsePgUrl(url), "flowy-test"));
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** flowy_claim as the database at `url` has it: its source and its settings (`name=value`). */
export function pgClaimFunction(url: string): Promise<{ source: string; settings: string[] }> {
  return withPgClient(url, async (client) => {
    const { rows } = await client.query(
      "SELECT prosrc, proconfig FROM pg_proc WHERE oid = 'flowy_claim'::regproc",
    );
    return { source: String(rows[0]?.prosrc ?? ""), settings: (rows[0]?.proconfig as string[] | null) ?? [] };
  });
}

/** The plan of the claim statement under the settings flowy_claim runs it with. */
export async function explainPgClaim(url: string): Promise<string> {
  const { settings } = await pgClaimFunction(url);
  return withPgClient(url, async (client) => {
    await client.query("BEGIN");
    try {
      for (const setting of settings) await client.query(`SET LOCAL ${setting.replace("=", " = ")}`);
      const { rows } = await client.query(`EXPLAIN ${CLAIM_BODY}`, [
        "w",
        "[]",
        10,
        0,
        null,
        false,
        null,
        "[]",
      ]);
      return rows.map((r) => String(r["QUERY PLAN"])).join("\n");
    } finally {
      await client.query("ROLLBACK");
    }
  });
}
