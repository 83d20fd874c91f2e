/**
 * The PostgreSQL store's statements, each with a header naming its parameters. Fixed statements
 * are constants; the few whose text depends on the call (which columns a transition sets, which
 * filters a listing uses) are built here from a fixed vocabulary of column names and still take
 * every value as a parameter. Times are epoch ms; `now` always comes from the caller.
 */
import { ENDED, LEASED, TERMINAL } from "../state-sql.ts";
import { backlogByTagsSql, concurrencyKeyUsageSql, PG_OPERATOR } from "../operator-sql.ts";
import { DEFAULT_CONCURRENCY, UNCAPPED } from "../../model/concurrency.ts";
import { sql, type Statement } from "./pg-executor.ts";

interface HistoryValues {
  at: string;
  from: string;
  to: string;
  event: string;
  reason: string;
  worker: string;
}

/**
 * Appends a history row for each row of CTE `source`. The values are SQL expressions (parameter
 * references or constants); the casts tell PostgreSQL the types of parameters it cannot infer.
 */
function historyFrom(source: string, v: HistoryValues): string {
  return `INSERT INTO job_history (job_id, at, from_state, to_state, event, reason, worker_id, attempt)
    SELECT id, (${v.at})::bigint, (${v.from})::text, (${v.to})::text, (${v.event})::text,
      (${v.reason})::text, (${v.worker})::text, attempt FROM ${source}`;
}

/**
 * The settings flowy_claim (created by PostgreSQL migration 6, replaced by later ones, last by 19) runs under. The planner guesses that `tags <@ $2` keeps 0.1% of
 * rows whatever the data, and with statistics not yet gathered (a queue just filled) it then
 * prefers to fetch every pending job and sort them: 24 ms a claim at 20,000 pending, growing with
 * the queue. Without bitmap scans and sorts to choose, it walks jobs_claim in order and stops after
 * `capacity` rows, whatever the statistics say. JIT off: the sort penalty would push the plan's
 * cost past jit_above_cost, and compiling costs ~0.3 s for a statement that runs in 1 ms.
 */

/** A column of the declared limit governing the candidate's key (concurrency.ts: exact, then longest). */
const declared = (column: string) => `(SELECT ${column} FROM concurrency_limits l
       WHERE jobs.concurrency_key LIKE replace(replace(l.pattern, '_', '\\_'), '*', '%')
       ORDER BY l.pattern = jobs.concurrency_key DESC, length(l.pattern) DESC LIMIT 1)`;

/**
 * A keyed candidate's limit (concurrency.ts: its own, else the most specific declared pattern,
 * UNCAPPED when that names only a rate, else 1) and how many of its key's jobs are leased (the
 * counter concurrency_slots keeps).
 */
const KEY_LIMIT = `coalesce(jobs.concurrency_limit, ${declared(`coalesce(l.concurrency, ${UNCAPPED})`)}, ${DEFAULT_CONCURRENCY})`;
const KEY_HELD =
  "coalesce((SELECT s.running FROM concurrency_slots s WHERE s.key = jobs.concurrency_key), 0)";
/**
 * A keyed candidate's rate (rate-window.ts; NULL: none): its limit, its window, and the starts its
 * key's log (concurrency_slots.starts) holds in the window ending at $4.
 */
const RATE_LIMIT = declared("l.rate_limit");
const RATE_WINDOW = declared("l.rate_window_ms");
const RATE_USED = `coalesce((SELECT count(*)::integer FROM concurrency_slots s, unnest(s.starts) t
       WHERE s.key = jobs.concurrency_key AND t > $4 - ${RATE_WINDOW}), 0)`;

/**
 * The bundle version a candidate job needs, as name@version: its pinned version, else the name's
 * latest stored one (uploads must raise the version, so the latest is the newest upload); NULL
 * when nothing of the name is stored, which no worker's list contains.
 */
const BUNDLE_WANTED = `(bundle_name || '@' || coalesce(bundle_version,
      (SELECT b.version FROM bundles b WHERE b.name = jobs.bundle_name ORDER BY b.created_at DESC LIMIT 1)))`;

// $1 worker id, $2 the worker's tags (jsonb array), $3 capacity, $4 now, $5 claim id (or null),
// $6 whether the worker sent this claim before, $7 the worker's kill grace in ms (or null),
// $8 the bundles the worker has installed (jsonb array of name@version).
// One statement per batch: lock up to $3 pending jobs in claim order (skipping rows another claim
// holds, jobs carrying a paused tag — the paused set is read once per claim —, jobs whose
// bundle version the worker lacks and jobs whose concurrency key has no free slot), lease each with a fresh token, record the claims, return
// them in claim order. The partial index jobs_claim is walked in order, so the cost does not grow
// with the queue. A claim id this worker already used answers with the jobs that claim leased
// (still held) instead, their leases renewed (version + 1, which fences off a release decided on
// the lost answer).
// Concurrency keys: of each key, at most its free slots are kept (rank within the key; free is
// the fewer of its concurrency slots and, under a rate, the starts left in its window); then the
// key's counter row is locked (in key order: no deadlock between claims) and raised only if it
// still has room — the UPDATE re-checks the row as committed by any claim that got there first,
// on any replica, its start log too — and jobs of a key whose raise failed are left pending. The
// raise appends the starts to the key's log (rate-window.ts), pruned of those out of the window;
// the log lives in the locked row because a re-check sees only that row's newest version.
export const CLAIM_BODY = `
  WITH earlier AS (
    UPDATE jobs SET lease_expires_at = $4 + trunc(lease_s * 1000)::bigint, updated_at = $4,
      version = version + 1
    WHERE $6::boolean AND claim_id = $5::text AND worker_id = $1 AND state IN ${LEASED}
    RETURNING *
  ), picked AS MATERIALIZED (
    SELECT id, priority, concurrency_key AS ck,
      CASE WHEN concurrency_key IS NULL THEN NULL ELSE ${KEY_LIMIT} END AS lim,
      CASE WHEN concurrency_key IS NULL THEN NULL ELSE ${KEY_HELD} END AS held,
      CASE WHEN concurrency_key IS NULL THEN NULL ELSE ${RATE_LIMIT} END AS rlim,
      CASE WHEN concurrency_key IS NULL THEN NULL ELSE ${RATE_WINDOW} END AS rwin,
      CASE WHEN concurrency_key IS NULL THEN NULL ELSE ${RATE_USED} END AS rused
    FROM jobs
    WHERE state = 'pending' AND tags <@ $2::jsonb AND NOT EXISTS (SELECT 1 FROM earlier)
      AND NOT tags ?| (SELECT coalesce(array_agg(tag), '{}') FROM paused_tags)
      AND (bundle_name IS NULL OR $8::jsonb ? ${BUNDLE_WANTED})
      AND (concurrency_key IS NULL OR (${KEY_HELD} < ${KEY_LIMIT}
        AND coalesce(${RATE_USED} < ${RATE_LIMIT}, true)))
    ORDER BY priority DESC, id
    LIMIT $3
    FOR UPDATE SKIP LOCKED
  ), ranked AS (
    SELECT id, ck, least(lim - held, coalesce(rlim - rused, lim - held)) AS free,
      row_number() OVER (PARTITION BY ck ORDER BY priority DESC, id) AS rank, lim, rlim, rwin FROM picked
  ), wanted AS (
    SELECT ck, count(*)::integer AS n, min(lim) AS lim, min(rlim) AS rlim, min(rwin) AS rwin FROM ranked
    WHERE ck IS NOT NULL AND rank <= free GROUP BY ck
  ), slots AS (
    SELECT key FROM concurrency_slots WHERE key = ANY (ARRAY(SELECT ck FROM wanted)) ORDER BY key FOR UPDATE
  ), granted AS (
    UPDATE concurrency_slots s SET running = s.running + w.n,
      starts = CASE WHEN w.rlim IS NULL THEN s.starts
        ELSE ARRAY(SELECT t FROM unnest(s.starts) t WHERE t > $4 - w.rwin) || array_fill($4::bigint, ARRAY[w.n]) END
    FROM wanted w
    WHERE s.key = w.ck AND s.key IN (SELECT key FROM slots) AND s.running + w.n <= w.lim
      AND (w.rlim IS NULL OR (SELECT count(*) FROM unnest(s.starts) t WHERE t > $4 - w.rwin) + w.n <= w.rlim)
    RETURNING s.key
  ), claimed AS (
    UPDATE jobs SET
      state = 'running', attempt = attempt + 1, worker_id = $1, claim_id = $5::text,
      lease_token = replace(gen_random_uuid()::text, '-', ''), fence = fence + 1, kill_grace_ms = $7::bigint,
      lease_expires_at = $4 + trunc(lease_s * 1000)::bigint,
      deadline_at = CASE WHEN timeout_s IS NULL THEN NULL ELSE $4 + trunc(timeout_s * 1000)::bigint END,
      started_at = $4, updated_at = $4, finished_at = NULL, result = NULL, error = NULL,
      tasks = NULL, reported = NULL, version = version + 1
    WHERE id IN (
      SELECT id FROM ranked WHERE ck IS NULL OR (rank <= free AND ck IN (SELECT key FROM granted)))
    RETURNING *
  ), history AS (
    ${historyFrom("claimed", { at: "$4", from: "'pending'", to: "'running'", event: "'claim'", reason: "NULL", worker: "$1" })}
  )
  SELECT * FROM claimed UNION ALL SELECT * FROM earlier ORDER BY priority DESC, id`;

// The claim is CLAIM_BODY run by the function flowy_claim under the settings above, in one round
// trip; test/helpers/query-plans.ts reads the function's body and settings back, for EXPLAIN and
// for the test that keeps them equal to CLAIM_BODY.
export const CLAIM = sql("SELECT * FROM flowy_claim($1, $2::jsonb, $3, $4, $5, $6, $7, $8::jsonb)");

// $1 id, $2 lease token, $3 now, $4 tasks (jsonb, or null to keep them), $5 worker id.
// Extends the lease only while the token holds it for that worker; a task update is a change
// (version + 1).
export const RENEW_LEASE = sql(`
  UPDATE jobs SET lease_expires_at = $3 + trunc(lease_s * 1000)::bigint, updated_at = $3,
    tasks = coalesce($4::jsonb, tasks), version = version + 1
  WHERE id = $1 AND lease_token = $2 AND worker_id = $5 AND state IN ${LEASED}
  RETURNING *`);

// $1 now, $2 limit: scheduled jobs that are due become pending (rows another replica is moving
// are skipped), with a history row each.
export const PROMOTE_DUE = sql(`
  WITH due AS MATERIALIZED (
    SELECT id FROM jobs WHERE state = 'scheduled' AND run_at <= $1 ORDER BY run_at LIMIT $2
    FOR UPDATE SKIP LOCKED
  ), promoted AS (
    UPDATE jobs SET state = 'pending', updated_at = $1, version = version + 1
    WHERE id IN (SELECT id FROM due) AND state = 'scheduled'
    RETURNING *
  ), history AS (
    ${historyFrom("promoted", { at: "$1", from: "'scheduled'", to: "'pending'", event: "'due'", reason: "NULL", worker: "NULL" })}
  )
  SELECT * FROM promoted`);

// $1 lease expired by, $2 deadline (plus the holder's kill grace) passed by, $3 limit.
export const FIND_EXPIRED = sql(`
  SELECT * FROM jobs
  WHERE state IN ${LEASED}
    AND (lease_expires_at <= $1 OR (deadline_at <= $2 AND deadline_at + coalesce(kill_grace_ms, 0) <= $2))
  LIMIT $3`);

// No parameters: the soonest run_at among scheduled jobs.
export const NEXT_RUN_AT = sql("SELECT min(run_at) AS t FROM jobs WHERE state = 'scheduled'");

// $1 limit: awaiting jobs whose parent reached a terminal state or was deleted.
export const FIND_RELEASABLE = sql(`
  SELECT c.*, p.state AS parent_state FROM jobs c JOIN jobs p ON p.id = c.parent_id
  WHERE c.state = 'awaiting' AND p.state IN ${ENDED}
  LIMIT $1`);

// $1 worker id: the jobs it holds a lease on.
export const RUNNING_FOR_WORKER = sql(
  `SELECT * FROM jobs WHERE worker_id = $1 AND state IN ${LEASED} ORDER BY id`,
);

// No parameters: the database's clock (epoch ms), which every replica's times are taken from.
export const DATABASE_NOW = sql("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now");

// $1 id.
export const GET_JOB = sql("SELECT * FROM jobs WHERE id = $1");
// $1 job ids (text array).
export const GET_JOBS = sql("SELECT * FROM jobs WHERE id = ANY($1::text[])");
// $1 idempotency key.
export const GET_BY_IDEMPOTENCY_KEY = sql("SELECT * FROM jobs WHERE idempotency_key = $1");
// $1 text[] idempotency keys: the jobs that hold them.
export const GET_BY_IDEMPOTENCY_KEYS = sql("SELECT * FROM jobs WHERE idempotency_key = ANY($1::text[])");
// $1 job id: its history, oldest first.
export const GET_HISTORY = sql("SELECT * FROM job_history WHERE job_id = $1 ORDER BY seq");

// No parameters: whether this session's commits wait for the WAL flush.
export const SHOW_SYNCHRONOUS_COMMIT = sql(
  "SELECT current_setting('synchronous_commit') AS synchronous_commit",
);

// $1 job id, $2 attempt: serialises appends to one log until the transaction ends.
export const LOCK_LOG = sql("SELECT pg_advisory_xact_lock(hashtext($1::text), $2::integer)");
// $1 job id, $2 attempt: the log's length in bytes.
export const LOG_LENGTH = sql(
  "SELECT coalesce(max(byte_offset + len), 0) AS length FROM job_logs WHERE job_id = $1 AND attempt = $2",
);
// $1 job id, $2 attempt, $3 byte offset, $4 byte length, $5 data (bytea), $6 now.
export const INSERT_LOG_CHUNK = sql(
  "INSERT INTO job_logs (job_id, attempt, byte_offset, len, data, at) VALUES ($1, $2, $3, $4, $5, $6)",
);
// $1 job id, $2 attempt, $3 byte offset, $4 max bytes: the bytes of [offset, offset + max), cut
// out of their chunks here, so a read of a huge log moves only its answer.
export const READ_LOG = sql(`
  SELECT greatest(byte_offset, $3::bigint) AS start,
    substring(data FROM (greatest($3::bigint - byte_offset, 0) + 1)::integer FOR $4::integer) AS data
  FROM job_logs
  WHERE job_id = $1 AND attempt = $2 AND byte_offset + len > $3::bigint AND byte_offset < $3::bigint + $4::integer
  ORDER BY byte_offset`);

// $1 id, $2 hostname, $3 tags (jsonb), $4 capacity, $5 version, $6 now.
export const UPSERT_WORKER = sql(`
  INSERT INTO workers (id, hostname, tags, capacity, version, registered_at, last_seen_at)
  VALUES ($1, $2, $3, $4, $5, $6, $6)
  ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, tags = excluded.tags,
    capacity = excluded.capacity, version = excluded.version, last_seen_at = excluded.last_seen_at,
    drain_requested_at = NULL
  RETURNING *`);
// $1 worker id, $2 what it reported of its bundles (jsonb), $3 now.
export const SET_WORKER_BUNDLES = sql(
  "UPDATE workers SET bundles = $2::jsonb, last_seen_at = $3 WHERE id = $1 RETURNING id",
);
// $1 worker id, $2 now: the worker is asked to drain.
export const REQUEST_DRAIN = sql("UPDATE workers SET drain_requested_at = $2 WHERE id = $1 RETURNING id");
// $1 worker ids (text[]), $2 now.
export const TOUCH_WORKERS = sql("UPDATE workers SET last_seen_at = $2 WHERE id = ANY($1::text[])");

const WORKERS = `SELECT w.*, (SELECT count(*) FROM jobs j WHERE j.worker_id = w.id AND j.state IN ${LEASED}) AS running
  FROM workers w`;
// $1 worker id.
export const GET_WORKER = sql(`${WORKERS} WHERE w.id = $1`);
// No parameters: every worker, most recently seen first.
export const LIST_WORKERS = sql(`${WORKERS} ORDER BY w.last_seen_at DESC`);

// No parameters: jobs per state.
export const COUNT_BY_STATE = sql("SELECT state, count(*) AS n FROM jobs GROUP BY state");
// No parameters: pending jobs per distinct tag set.
export const PENDING_BY_TAGS = sql(
  "SELECT tags, count(*) AS n FROM jobs WHERE state = 'pending' GROUP BY tags",
);

// $1 since (epoch ms), $2 bucket width (ms): terminal transitions per bucket and state.
export const COUNT_FINISHED = sql(
  `SELECT at - at % $2 AS t, to_state, count(*) AS n FROM job_history
   WHERE at >= $1 AND to_state IN ${TERMINAL}
   GROUP BY 1, 2 ORDER BY 1, 2`,
);

// $1 before (epoch ms), $2 limit: retention — finished or deleted jobs, oldest first, with their
// history and logs, in one statement. SKIP LOCKED leaves a job another replica is touching.
export const PURGE_FINISHED = sql(
  `WITH doomed AS (
     SELECT id FROM jobs
     WHERE state IN ${ENDED} AND updated_at < $1
     ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED),
   history AS (DELETE FROM job_history WHERE job_id IN (SELECT id FROM doomed)),
   logs AS (DELETE FROM job_logs WHERE job_id IN (SELECT id FROM doomed))
   DELETE FROM jobs WHERE id IN (SELECT id FROM doomed) RETURNING id`,
);

// $1 name: a revoked key keeps its row for the record until its name is used again.
export const FREE_KEY_NAME = sql("DELETE FROM api_keys WHERE name = $1 AND revoked_at IS NOT NULL");
// $1 name, $2 role, $3 key hash, $4 prefix, $5 created at. Fails on a name an active key has.
export const INSERT_API_KEY = sql(`
  INSERT INTO api_keys (name, role, key_hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5)
  RETURNING *`);
// No parameters: active keys, oldest first.
export const LIST_API_KEYS = sql("SELECT * FROM api_keys WHERE revoked_at IS NULL ORDER BY created_at, name");
// $1 key hash.
export const FIND_API_KEY = sql("SELECT * FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL");
// $1 name, $2 now: returns the key when it was active.
export const REVOKE_API_KEY = sql(
  "UPDATE api_keys SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL RETURNING name",
);
// $1 name, $2 now.
export const TOUCH_API_KEY = sql("UPDATE api_keys SET last_used_at = $2 WHERE name = $1");

// $1 tag, $2 now: pausing a paused tag keeps its first time.
export const PAUSE_TAG = sql(`
  INSERT INTO paused_tags (tag, paused_at) VALUES ($1, $2)
  ON CONFLICT (tag) DO UPDATE SET tag = excluded.tag RETURNING *`);
// $1 tag: returns the row when it was paused.
export const RESUME_TAG = sql("DELETE FROM paused_tags WHERE tag = $1 RETURNING tag");
// $1 pattern, $2 concurrency (or null), $3 rate limit (or null), $4 rate window in ms (or null).
export const SET_LIMIT = sql(`
  INSERT INTO concurrency_limits (pattern, concurrency, rate_limit, rate_window_ms) VALUES ($1, $2, $3, $4)
  ON CONFLICT (pattern) DO UPDATE SET concurrency = excluded.concurrency, rate_limit = excluded.rate_limit,
    rate_window_ms = excluded.rate_window_ms
  RETURNING *`);
// No parameters: the start logs of rate-limited keys (through concurrency_slots_rated).
export const RATE_STARTS = sql(
  "SELECT key, starts FROM concurrency_slots WHERE cardinality(starts) > 0 ORDER BY key",
);
// $1 key: its start log.
export const RATE_STARTS_OF = sql("SELECT key, starts FROM concurrency_slots WHERE key = $1");
// No parameters: the start logs of rate-limited keys with pending jobs (through jobs_key_pending).
export const PENDING_RATE_STARTS = sql(`
  SELECT key, starts FROM concurrency_slots s WHERE cardinality(starts) > 0
    AND EXISTS (SELECT 1 FROM jobs WHERE jobs.concurrency_key = s.key AND jobs.state = 'pending')`);
// $1 pattern: returns the row when a limit was declared.
export const DELETE_LIMIT = sql("DELETE FROM concurrency_limits WHERE pattern = $1 RETURNING pattern");
// $1 key: its leased jobs, oldest first.
export const LEASED_WITH_KEY = sql(
  `SELECT * FROM jobs WHERE concurrency_key = $1 AND state IN ${LEASED} ORDER BY id`,
);
// $1 priority, $2 id: pending jobs before this one in claim order (walks jobs_claim up to it).
export const COUNT_PENDING_AHEAD = sql(
  `SELECT count(*) AS n FROM jobs
   WHERE state = 'pending' AND (priority > $1 OR (priority = $1 AND id < $2))`,
);
// No parameters: declared limits, in pattern order.
export const LIST_LIMITS = sql("SELECT * FROM concurrency_limits ORDER BY pattern");
// $1 n: at most n keys with leased or pending jobs (operator-sql.ts).
export const CONCURRENCY_KEY_USAGE = sql(concurrencyKeyUsageSql(PG_OPERATOR));
// $1 top: pending jobs by tag set, the top largest sets and the rest as one row (operator-sql.ts).
export const BACKLOG_BY_TAGS = sql(backlogByTagsSql(PG_OPERATOR));
// No parameters: paused tags, in tag order.
export const LIST_PAUSED_TAGS = sql("SELECT * FROM paused_tags ORDER BY tag");

/**
 * Inserts `rows` jobs in one statement: $1…$(rows×n) the jobs' columns, row after row in `columns`
 * order (n = columns.length), then five text arrays of the history rows, one element per job in
 * the same order: job id, from, to, event, reason, worker id (at is each job's created_at). A job
 * whose idempotency key is taken, by a stored job or an earlier row of the same statement, is left
 * out (no row comes back for it). Records each submit, and makes sure each keyed job's key has its
 * counter row (the claim raises it).
 */
export function insertJobs(columns: string[], rows: number): Statement {
  const n = columns.length;
  const tuples = Array.from(
    { length: rows },
    (_, r) => `(${columns.map((_, c) => `$${r * n + c + 1}`).join(", ")}, 1)`,
  );
  const h = (k: number) => `$${rows * n + k}::text[]`;
  return sql(`
    WITH inserted AS (
      INSERT INTO jobs (${columns.join(", ")}, version) VALUES ${tuples.join(", ")}
      ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
      RETURNING *
    ), submitted AS (
      SELECT inserted.*, x.h_from, x.h_to, x.h_event, x.h_reason, x.h_worker FROM inserted
      JOIN unnest(${[1, 2, 3, 4, 5, 6].map(h).join(", ")}) AS x(id, h_from, h_to, h_event, h_reason, h_worker)
        USING (id)
    ), history AS (
      ${historyFrom("submitted", { at: "created_at", from: "h_from", to: "h_to", event: "h_event", reason: "h_reason", worker: "h_worker" })}
    ), slot AS (
      INSERT INTO concurrency_slots (key) SELECT DISTINCT concurrency_key FROM inserted
      WHERE concurrency_key IS NOT NULL ON CONFLICT (key) DO NOTHING
    )
    SELECT * FROM inserted`);
}

/** The PostgreSQL type of each column a transition may set (what jsonb_to_recordset reads). */
const PATCH_COLUMN_TYPES: Record<string, string> = {
  state: "text",
  attempt: "integer",
  run_at: "bigint",
  worker_id: "text",
  lease_token: "text",
  lease_expires_at: "bigint",
  deadline_at: "bigint",
  started_at: "bigint",
  finished_at: "bigint",
  result: "jsonb",
  error: "jsonb",
  tasks: "jsonb",
  reported: "text",
};

/**
 * $1 a jsonb array of {id, version, <columns>, h_from, h_to, h_event, h_reason, h_worker, freed},
 * one per transition (ids distinct), $2 now. Applies every patch whose version still holds, with
 * its history row, in one statement and one round trip; returns the ids it applied. Rows are
 * locked in id order first, so two batches over the same jobs wait for each other instead of
 * deadlocking. `freed` names the concurrency key whose slot an applied transition gives back (a
 * keyed job leaving the leased states): its counter is lowered, counter rows locked in key order
 * as the claim locks them.
 */
export function applyTransitionBatch(columns: string[]): Statement {
  const typed = columns.map((column) => {
    const type = PATCH_COLUMN_TYPES[column];
    if (!type) throw new Error(`a transition cannot set column ${column}`);
    return `${column} ${type}`;
  });
  return sql(`
    WITH v AS (
      SELECT * FROM jsonb_to_recordset($1::jsonb) AS v(id text, version integer, ${[...typed, ""].join(", ")}
        h_from text, h_to text, h_event text, h_reason text, h_worker text, freed text)
    ), locked AS (
      SELECT jobs.id FROM jobs JOIN v ON jobs.id = v.id AND jobs.version = v.version
      ORDER BY jobs.id FOR UPDATE OF jobs
    ), updated AS (
      UPDATE jobs SET ${[...columns.map((c) => `${c} = v.${c}`), "updated_at = $2", "version = jobs.version + 1"].join(", ")}
      FROM v WHERE jobs.id = v.id AND jobs.version = v.version AND jobs.id IN (SELECT id FROM locked)
      RETURNING jobs.id, jobs.attempt
    ), history AS (
      INSERT INTO job_history (job_id, at, from_state, to_state, event, reason, worker_id, attempt)
      SELECT u.id, $2, v.h_from, v.h_to, v.h_event, v.h_reason, v.h_worker, u.attempt
      FROM updated u JOIN v ON v.id = u.id WHERE v.h_event IS NOT NULL
    ), freed AS (
      SELECT v.freed AS key, count(*)::integer AS n FROM updated u JOIN v ON v.id = u.id
      WHERE v.freed IS NOT NULL GROUP BY v.freed
    ), freed_slots AS (
      SELECT key FROM concurrency_slots WHERE key = ANY (ARRAY(SELECT key FROM freed)) ORDER BY key FOR UPDATE
    ), released AS (
      UPDATE concurrency_slots s SET running = s.running - f.n FROM freed f
      WHERE s.key = f.key AND s.key IN (SELECT key FROM freed_slots)
    )
    SELECT id FROM updated`);
}

/** A count of what a search matches; `where` conditions use $1…. */
export function countJobs(where: string[]): Statement {
  const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
  return sql(`SELECT count(*) AS n FROM jobs ${clause}`);
}

/** A search (server/store/job-search.ts); `where` conditions use $2… ($1 is the limit). */
export function listJobs(where: string[], orderBy: string): Statement {
  const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
  return sql(`SELECT * FROM jobs ${clause} ORDER BY ${orderBy} LIMIT $1`);
}
