/**
 * The grouped reads behind the operator views — the Limits page and the autoscaling metrics —
 * one statement each, written once for both stores: only the parameter marker and the name of the
 * greatest-of-two function differ. Each reads the pending/leased jobs only (never the finished
 * ones that make up most of the table) and answers a bounded number of rows.
 */
import { LEASED } from "./state-sql.ts";
import type { BacklogGroup, ConcurrencyKeyUsage } from "./store.ts";

export interface OperatorDialect {
  /** The marker of the statement's one parameter: `:n` (SQLite) or `$1` (PostgreSQL). */
  param: string;
  /** Scalar greatest of two values: `max` (SQLite) or `GREATEST` (PostgreSQL). */
  greatest: string;
}

export const SQLITE_OPERATOR: OperatorDialect = { param: ":n", greatest: "max" };
export const PG_OPERATOR: OperatorDialect = { param: "$1", greatest: "GREATEST" };

/**
 * Param n: how many tag sets to name. Pending jobs per tag set — the n largest sets, then one row
 * with tags NULL for all the others — each with its job count (`n`) and when its longest-waiting
 * job could first run (`oldest`, epoch ms: its submit, or its run_at when later, as for a retry).
 */
export function backlogByTagsSql(d: OperatorDialect): string {
  return `WITH sets AS (
      SELECT tags, count(*) AS n, min(${d.greatest}(created_at, coalesce(run_at, 0))) AS oldest
      FROM jobs WHERE state = 'pending' GROUP BY tags
    ), ranked AS (
      SELECT tags, n, oldest, row_number() OVER (ORDER BY n DESC, oldest, tags) AS rank FROM sets
    )
    SELECT CASE WHEN rank <= ${d.param} THEN tags END AS tags, sum(n) AS n, min(oldest) AS oldest
    FROM ranked GROUP BY CASE WHEN rank <= ${d.param} THEN tags END ORDER BY sum(n) DESC`;
}

/**
 * Param n: at most this many keys. Concurrency keys with leased or pending jobs, busiest first:
 * how many are leased (`leased`) and pending (`pending`), and the largest limit a job of the key
 * carries itself (`job_limit`, NULL when none does).
 */
export function concurrencyKeyUsageSql(d: OperatorDialect): string {
  return `SELECT concurrency_key AS key,
      sum(CASE WHEN state IN ${LEASED} THEN 1 ELSE 0 END) AS leased,
      sum(CASE WHEN state = 'pending' THEN 1 ELSE 0 END) AS pending,
      max(concurrency_limit) AS job_limit
    FROM jobs WHERE concurrency_key IS NOT NULL AND state IN ('pending', 'running', 'cancelling')
    GROUP BY concurrency_key ORDER BY count(*) DESC, concurrency_key LIMIT ${d.param}`;
}

type Row = Record<string, unknown>;

/** A backlogByTagsSql row as a record; `tagsOf` reads the tags column as its store returns it. */
export function rowToBacklogGroup(row: Row, tagsOf: (value: unknown) => string[]): BacklogGroup {
  return {
    tags: row.tags === null || row.tags === undefined ? null : tagsOf(row.tags),
    jobs: Number(row.n),
    oldestAt: Number(row.oldest),
  };
}

export function rowToKeyUsage(row: Row): ConcurrencyKeyUsage {
  return {
    key: String(row.key),
    leased: Number(row.leased),
    pending: Number(row.pending),
    jobLimit: row.job_limit === null || row.job_limit === undefined ? null : Number(row.job_limit),
  };
}
