/**
 * From a `--db postgres://…` URL to pg pool settings. flowy reads one extra query parameter,
 * `schema` (default `public`), so several flowy installations (or test runs) can share a
 * database; every connection starts with that schema as its search_path, so statements name
 * tables without a schema.
 */
import pg from "pg";
import { FlowyError } from "../../../shared/errors.ts";

export interface PgTarget {
  /** The URL without flowy's own parameters, as libpq understands it. */
  connectionString: string;
  schema: string;
  /** libpq `options` carrying the search_path and synchronous_commit (after whatever the URL had). */
  options: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const INT8_OID = 20;

export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

export function parsePgUrl(db: string): PgTarget {
  let url: URL;
  try {
    url = new URL(db);
  } catch {
    throw new FlowyError(
      "invalid-request",
      "--db is not a valid PostgreSQL URL",
      "Use postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME].",
    );
  }
  const schema = url.searchParams.get("schema") ?? "public";
  if (!SCHEMA_NAME.test(schema)) {
    throw new FlowyError(
      "invalid-request",
      `schema "${schema}" in --db is not a plain lower-case identifier`,
      "Use letters a-z, digits and _ (at most 63), starting with a letter or _.",
    );
  }
  const extra = url.searchParams.get("options");
  url.searchParams.delete("schema");
  url.searchParams.delete("options");
  // Last, so it wins over anything the URL or the role says: a commit flowy acknowledges must be
  // flushed to the WAL on disk (store.ts: an answer never acknowledges what a crash could undo).
  const options = [extra, `-c search_path=${schema}`, "-c synchronous_commit=on"].filter(Boolean).join(" ");
  return { connectionString: url.toString(), schema, options };
}

/**
 * Settings shared by the store's pool and the dedicated connections (feed, leadership). The
 * application_name says which role and which process a session belongs to, so an operator (or a
 * test) can tell replicas apart in pg_stat_activity.
 */
export function clientConfig(target: PgTarget, role: string): pg.ClientConfig {
  return {
    connectionString: target.connectionString,
    options: target.options,
    application_name: `${role} (pid ${process.pid})`,
    // A dead peer (a replica's host gone) must drop its session locks, so probe idle sockets.
    keepAlive: true,
    connectionTimeoutMillis: 10_000,
    // Epoch-ms bigints fit a double exactly; take them as numbers instead of strings.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID
          ? Number
          : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig["getTypeParser"],
    },
  };
}
