/**
 * Which PostgreSQL failures are safe to retry. A read may always be repeated after a transient
 * failure. A write is repeated only when it provably did not happen: the connection could not be
 * obtained (nothing was sent), or the server rolled it back (serialization failure, deadlock).
 * A connection lost while a write was in flight may have committed, so it is not retried; the
 * callers above are idempotent (workers retry reports with the same lease token).
 */
import { FlowyError } from "../../../shared/errors.ts";

/**
 * Nothing was sent: the pool could not hand out a working connection. A 503 with a hint when it
 * reaches a client, and the message flowy-server exits with when the database is away at start.
 */
export class PgConnectError extends FlowyError {
  constructor(cause: unknown) {
    super(
      "unavailable",
      `cannot connect to PostgreSQL: ${cause instanceof Error ? cause.message : String(cause)}`,
      "Check that PostgreSQL is running and accepts connections from this host, and the --db URL " +
        "(host, port, database, user; a password in the URL or in PGPASSWORD).",
    );
    this.name = "PgConnectError";
    this.cause = cause;
  }
}

/** SQLSTATEs after which the server has rolled the transaction back. */
const ROLLED_BACK = new Set(["40001", "40P01"]);
/** SQLSTATEs of a server that is going away or not accepting connections yet. */
const UNAVAILABLE = new Set(["57P01", "57P02", "57P03", "53300"]);
const NETWORK = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND"]);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The connection itself broke (so it must not go back to the pool). */
export function isConnectionLost(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined) return NETWORK.has(code) || code.startsWith("08") || UNAVAILABLE.has(code);
  return (
    error instanceof Error &&
    /Connection terminated|connection timeout|Client has encountered/i.test(error.message)
  );
}

export function isSafeToRetryWrite(error: unknown): boolean {
  return error instanceof PgConnectError || ROLLED_BACK.has(codeOf(error) ?? "");
}

export function isSafeToRetryRead(error: unknown): boolean {
  return isSafeToRetryWrite(error) || isConnectionLost(error);
}
