import { describe, expect, it } from "vitest";
import {
  isConnectionLost,
  isSafeToRetryRead,
  isSafeToRetryWrite,
  PgConnectError,
} from "../../../../../server/store/postgres/pg-errors.ts";

const withCode = (code: string, message = "boom") => Object.assign(new Error(message), { code });

describe("which PostgreSQL failures are retried", () => {
  it("repeats a write only when it provably did not apply", () => {
    expect(isSafeToRetryWrite(new PgConnectError(withCode("ECONNREFUSED")))).toBe(true);
    expect(isSafeToRetryWrite(withCode("40001", "could not serialize access"))).toBe(true);
    expect(isSafeToRetryWrite(withCode("40P01", "deadlock detected"))).toBe(true);
    // Lost mid-flight: it may have committed.
    expect(isSafeToRetryWrite(new Error("Connection terminated unexpectedly"))).toBe(false);
    expect(isSafeToRetryWrite(withCode("ECONNRESET"))).toBe(false);
    expect(isSafeToRetryWrite(withCode("23505", "duplicate key value"))).toBe(false);
  });

  it("repeats a read after any transient failure, but not after a mistake", () => {
    expect(isSafeToRetryRead(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isSafeToRetryRead(withCode("57P01", "terminating connection due to administrator command"))).toBe(
      true,
    );
    expect(isSafeToRetryRead(withCode("08006"))).toBe(true);
    expect(isSafeToRetryRead(withCode("42P01", 'relation "jobs" does not exist'))).toBe(false);
  });

  it("closes connections that broke instead of returning them to the pool", () => {
    expect(isConnectionLost(withCode("ECONNRESET"))).toBe(true);
    expect(isConnectionLost(withCode("40001"))).toBe(false);
  });
});
