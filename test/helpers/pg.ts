/**
 * PostgreSQL for tests: every test gets its own schema (pg-boss style), dropped when the test
 * passes and kept when it fails so it can be inspected. In CI (CI=true) a missing server fails
 * the tests; elsewhere they are skipped with a note when no server answers.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, onTestFinished } from "vitest";

const DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres";
const inCi = process.env.CI === "true";

export const PG_URL = process.env.FLOWY_TEST_PG_URL ?? DEFAULT_URL;

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const available = inCi || (await reachable());
if (!available) {
  process.stderr.write(
    `PostgreSQL tests skipped: nothing answers at ${PG_URL} (start it or set FLOWY_TEST_PG_URL; in CI they fail).\n`,
  );
}

/** `describe` for tests that need PostgreSQL: runs in CI always (and fails there without it). */
export const describePg = describe.skipIf(!available);

/** Runs statements as the admin connection (creating and dropping schemas). */
export async function adminQuery<T extends pg.QueryResultRow = Record<string, unknown>>(
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * A --db URL naming a schema of its own (the store creates it on open). Dropped when the test
 * passes, kept (and named on stderr) when it fails.
 */
export function freshSchemaUrl(label = "t"): { url: string; schema: string } {
  const schema = `flowy_${label}_${randomBytes(6).toString("hex")}`;
  const url = new URL(PG_URL);
  url.searchParams.set("schema", schema);
  onTestFinished(async (ctx) => {
    if (ctx.task.result?.state === "fail") {
      process.stderr.write(`kept PostgreSQL schema ${schema} of failed test "${ctx.task.name}"\n`);
      return;
    }
    await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
  return { url: url.toString(), schema };
}
