/**
 * Runs the store's statements on a pg pool: every statement is named after its text, so each
 * connection prepares it once and reuses the plan; reads and provably-unapplied writes are retried
 * with backoff (pg-errors.ts says which); transactions run BEGIN … COMMIT on one connection.
 */
import { createHash } from "node:crypto";
import pRetry from "p-retry";
import type pg from "pg";
import { isConnectionLost, isSafeToRetryRead, isSafeToRetryWrite, PgConnectError } from "./pg-errors.ts";

export type Row = Record<string, unknown>;

export interface Statement {
  name: string;
  text: string;
}

/** A named statement; the name is a hash of the text, so equal texts share one prepared plan. */
export function sql(text: string): Statement {
  return { name: `flowy_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`, text };
}

/** What a transaction body gets: statements on the transaction's connection. */
export interface Tx {
  query(statement: Statement, values?: unknown[]): Promise<Row[]>;
  /** Fixed text without values (DDL, several statements): the simple query protocol. */
  exec(text: string): Promise<void>;
}

const RETRY = { retries: 4, minTimeout: 25, maxTimeout: 1_000, randomize: true } as const;

export class PgExecutor {
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  /** A read (or a write that is safe to repeat): retried after any transient failure. */
  read(statement: Statement, values: unknown[] = []): Promise<Row[]> {
    return pRetry(() => this.once(statement, values), {
      ...RETRY,
      shouldRetry: ({ error }) => isSafeToRetryRead(error),
    });
  }

  /** Every row (`all`), or those of one name or key (`of`, $1) when it is given. */
  readAllOrOf(all: Statement, of: Statement, name: string | undefined): Promise<Row[]> {
    return name === undefined ? this.read(all) : this.read(of, [name]);
  }

  /** One statement in its own transaction; retried only when it provably did not apply. */
  write(statement: Statement, values: unknown[] = []): Promise<Row[]> {
    return pRetry(() => this.once(statement, values), {
      ...RETRY,
      shouldRetry: ({ error }) => isSafeToRetryWrite(error),
    });
  }

  /**
   * Runs `body` in one transaction; the whole body runs again if the server rolled it back.
   * `settings` (SET LOCAL …) go in the same round trip as BEGIN.
   */
  transaction<T>(body: (tx: Tx) => Promise<T>, settings?: string): Promise<T> {
    return pRetry(() => this.withClient((client) => this.runTransaction(client, body, settings)), {
      ...RETRY,
      shouldRetry: ({ error }) => isSafeToRetryWrite(error),
    });
  }

  private once(statement: Statement, values: unknown[]): Promise<Row[]> {
    return this.withClient(async (client) => (await client.query<Row>({ ...statement, values })).rows);
  }

  private async runTransaction<T>(
    client: pg.PoolClient,
    body: (tx: Tx) => Promise<T>,
    settings: string | undefined,
  ): Promise<T> {
    const tx: Tx = {
      query: async (statement, values = []) => (await client.query<Row>({ ...statement, values })).rows,
      exec: async (text) => {
        await client.query(text);
      },
    };
    await client.query(settings ? `BEGIN; ${settings}` : "BEGIN");
    try {
      const result = await body(tx);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    }
  }

  private async withClient<T>(run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new PgConnectError(error);
    }
    // The pool listens for errors only on idle clients. A session that dies while checked out
    // (the backend terminated, a failover, the network gone) emits "error" as well as failing
    // the query in flight; unheard, that event would take the whole server down. The failed
    // query carries the error to the caller.
    client.on("error", ignoreCheckedOutError);
    try {
      const result = await run(client);
      client.removeListener("error", ignoreCheckedOutError);
      client.release();
      return result;
    } catch (error) {
      client.removeListener("error", ignoreCheckedOutError);
      // A broken connection is closed instead of going back to the pool.
      client.release(isConnectionLost(error) ? (error as Error) : undefined);
      throw error;
    }
  }
}

function ignoreCheckedOutError(): void {}
