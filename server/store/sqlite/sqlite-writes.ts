/**
 * Every write of the SQLite store, as synchronous functions over the store's one connection. The
 * store calls each inside the WriteBatcher's group-commit transaction (write-batcher.ts), so a
 * write here never begins or commits a transaction itself.
 */
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { jobIdFloor } from "../../../shared/ids.ts";
import {
  applyPatch,
  chunkByColumns,
  jobToColumns,
  patchColumns,
  rowToApiKey,
  rowToJob,
  rowToLimit,
  rowToPausedTag,
  rowToRateStarts,
  rowToWorker,
} from "../job-row.ts";
import { DEFAULT_MAX_LOG_BYTES, planLogAppend } from "../log-chunks.ts";
import type {
  ApiKeyRecord,
  ClaimRequest,
  ConcurrencyLimitRecord,
  HistoryInput,
  JobRecord,
  LeaseRenewal,
  LogAppend,
  NewJob,
  PausedTagRecord,
  Transition,
  WorkerBundleRecord,
  WorkerRecord,
} from "../store.ts";
import { DEFAULT_CONCURRENCY, UNCAPPED } from "../../model/concurrency.ts";
import { rateFor, startsInWindow } from "../../model/rate-window.ts";
import { ENDED, LEASED } from "../state-sql.ts";
import { Statements } from "./sqlite-connection.ts";

/** A column of the declared limit governing the candidate's key (concurrency.ts: exact, then longest). */
const declared = (column: string) => `(SELECT ${column} FROM concurrency_limits AS l
       WHERE jobs.concurrency_key GLOB l.pattern
       ORDER BY l.pattern = jobs.concurrency_key DESC, length(l.pattern) DESC LIMIT 1)`;

/**
 * Free slots of a keyed job's concurrency key: the fewer of its concurrency limit (concurrency.ts)
 * less the key's leased jobs, and its rate's limit less the starts logged in the window
 * (rate-window.ts; UNCAPPED without a rate); NULL for a job without a key. Read per candidate row,
 * through small indexes and the key's one log row.
 */
const FREE_SLOTS = `CASE WHEN jobs.concurrency_key IS NULL THEN NULL ELSE min(
    coalesce(jobs.concurrency_limit, ${declared(`coalesce(l.concurrency, ${UNCAPPED})`)}, ${DEFAULT_CONCURRENCY})
    - (SELECT count(*) FROM jobs AS r INDEXED BY jobs_key_leased
       WHERE r.concurrency_key = jobs.concurrency_key AND r.state IN ('running', 'cancelling')),
    coalesce(${declared("l.rate_limit")} - (SELECT count(*) FROM rate_starts AS rs, json_each(rs.starts) AS t
       WHERE rs.key = jobs.concurrency_key AND t.value > +:now - ${declared("l.rate_window_ms")}), ${UNCAPPED}))
  END`;

/**
 * The bundle version a candidate job needs, as name@version: its pinned version, else the name's
 * latest stored one. Uploads must raise the version, so the latest is the newest upload; NULL when
 * nothing of the name is stored (no worker can have it).
 */
const BUNDLE_WANTED = `(jobs.bundle_name || '@' || coalesce(jobs.bundle_version,
    (SELECT b.version FROM bundles AS b WHERE b.name = jobs.bundle_name
     ORDER BY b.created_at DESC, b.rowid DESC LIMIT 1)))`;

// Walks jobs_claim in order past jobs the worker lacks tags for (or the bundle), jobs with a paused tag and jobs
// whose key has no free slot (nor, under a rate, a start left in its window), up to capacity; then
// keeps, of each key, no more than its free slots (rank within the key), so one batch never
// over-claims a key either. claimJobs then logs the starts of rate-limited keys, in the same
// transaction (one writer: the next claim sees them).
export const CLAIM_SQL = `
  UPDATE jobs SET
    state = 'running', attempt = attempt + 1, worker_id = +:worker_id, claim_id = +:claim_id,
    lease_token = lower(hex(randomblob(16))), fence = fence + 1, kill_grace_ms = :kill_grace_ms,
    lease_expires_at = +:now + CAST(lease_s * 1000 AS INTEGER),
    deadline_at = CASE WHEN timeout_s IS NULL THEN NULL ELSE +:now + CAST(timeout_s * 1000 AS INTEGER) END,
    started_at = +:now, updated_at = +:now, finished_at = NULL, result = NULL, error = NULL,
    tasks = NULL, reported = NULL, version = version + 1
  WHERE id IN (
    SELECT id FROM (
      SELECT id, free, row_number() OVER (PARTITION BY ck ORDER BY priority DESC, id) AS rank
      FROM (
        SELECT id, priority, concurrency_key AS ck, ${FREE_SLOTS} AS free FROM jobs INDEXED BY jobs_claim
        WHERE state = 'pending'
          AND (tags = '[]' OR NOT EXISTS (
            SELECT 1 FROM json_each(jobs.tags) AS t
            WHERE t.value NOT IN (SELECT value FROM json_each(:worker_tags))))
          AND (NOT EXISTS (SELECT 1 FROM paused_tags) OR NOT EXISTS (
            SELECT 1 FROM json_each(jobs.tags) AS p WHERE p.value IN (SELECT tag FROM paused_tags)))
          AND (jobs.concurrency_key IS NULL OR ${FREE_SLOTS} > 0)
          AND (jobs.bundle_name IS NULL OR ${BUNDLE_WANTED} IN (SELECT value FROM json_each(:bundles)))
        ORDER BY priority DESC, id
        LIMIT +:capacity))
    WHERE free IS NULL OR rank <= free)
  RETURNING *`;

// Positional: binding by name costs node:sqlite a lookup per value, and this runs once per transition.
const HISTORY_COLUMNS = "job_id, at, from_state, to_state, event, reason, worker_id, attempt";
const HISTORY_ROW = "(?, ?, ?, ?, ?, ?, ?, ?)";
/** Rows per history INSERT: one statement per claim or report batch instead of one per job. */
const HISTORY_CHUNK = 32;

function historySql(rows: number): string {
  return `INSERT INTO job_history (${HISTORY_COLUMNS}) VALUES ${Array(rows).fill(HISTORY_ROW).join(", ")}`;
}

type HistoryRow = [job: JobRecord, history: HistoryInput, at: number];

/** Rows per multi-row insert: ~30 columns each stays far below SQLite's 32,766 parameters. */
const INSERT_CHUNK = 64;

/** A new job as stored: what the insert writes is the whole record. */
function stored(job: NewJob): JobRecord {
  return { ...job, updatedAt: job.createdAt, version: 1, fence: 0, killGraceMs: null };
}

export class SqliteWrites {
  private readonly q: Statements;

  constructor(db: DatabaseSync) {
    this.q = new Statements(db);
  }

  /** Several history rows in as few statements as chunks: each statement costs more than a row. */
  private addHistories(rows: HistoryRow[]): void {
    for (let start = 0; start < rows.length; start += HISTORY_CHUNK) {
      const chunk = rows.slice(start, start + HISTORY_CHUNK);
      const values: SQLInputValue[] = [];
      for (const [job, history, at] of chunk) {
        values.push(
          job.id,
          at,
          history.from,
          history.to,
          history.event,
          history.reason ?? null,
          history.workerId ?? null,
          job.attempt,
        );
      }
      this.q.stmt(historySql(chunk.length)).run(...values);
    }
  }

  insertJob(job: NewJob, history: HistoryInput): { job: JobRecord; created: boolean } {
    if (job.idempotencyKey !== null) {
      const existing = this.q.get("SELECT * FROM jobs WHERE idempotency_key = +:k", {
        k: job.idempotencyKey,
      });
      if (existing) return { job: rowToJob(existing), created: false };
    }
    return { job: this.insertRows([stored(job)], [history])[0]!, created: true };
  }

  /**
   * Jobs in order; a run of jobs without idempotency keys is written by multi-row inserts (each
   * statement costs more than a row), a keyed job on its own, so it meets the keys before it.
   */
  insertJobs(
    jobs: Array<{ job: NewJob; history: HistoryInput }>,
  ): Array<{ job: JobRecord; created: boolean }> {
    const results: Array<{ job: JobRecord; created: boolean }> = [];
    let run: Array<{ job: NewJob; history: HistoryInput }> = [];
    const flush = () => {
      const written = this.insertRows(
        run.map(({ job }) => stored(job)),
        run.map(({ history }) => history),
      );
      for (const job of written) results.push({ job, created: true });
      run = [];
    };
    for (const entry of jobs) {
      if (entry.job.idempotencyKey === null) {
        run.push(entry);
        continue;
      }
      flush();
      results.push(this.insertJob(entry.job, entry.history));
    }
    flush();
    return results;
  }

  /** New rows and their submit history; a chunk of rows with the same columns per statement. */
  private insertRows(jobs: JobRecord[], histories: HistoryInput[]): JobRecord[] {
    for (const chunk of chunkByColumns(jobs.map(jobToColumns), () => INSERT_CHUNK)) {
      const names = chunk[0]!.map(([c]) => c);
      const row = `(${names.map(() => "?").join(", ")})`;
      // No RETURNING: the row is exactly the record (as with transitions, it costs more than the insert).
      this.q
        .stmt(`INSERT INTO jobs (${names.join(", ")}) VALUES ${Array(chunk.length).fill(row).join(", ")}`)
        .run(...chunk.flatMap((columns) => columns.map(([, value]) => value as SQLInputValue)));
    }
    this.addHistories(jobs.map((job, i) => [job, histories[i]!, job.createdAt]));
    return jobs;
  }

  claimJobs(req: ClaimRequest): JobRecord[] {
    if (req.claimId && req.repeated) {
      // Answered again, the leases are renewed: a write (version + 1) that also fences off a
      // release decided on the lost answer (the worker hung up on it), which would otherwise undo
      // the leases this answer hands out.
      const earlier = this.q.all(
        `UPDATE jobs SET lease_expires_at = +:now + CAST(lease_s * 1000 AS INTEGER), updated_at = +:now,
           version = version + 1
         WHERE state IN ${LEASED} AND claim_id = +:claim AND worker_id = +:worker RETURNING *`,
        { claim: req.claimId, worker: req.workerId, now: req.now },
      );
      if (earlier.length > 0) return earlier.map(rowToJob).sort(byPriorityThenAge);
    }
    const rows = this.q.all(CLAIM_SQL, {
      worker_id: req.workerId,
      claim_id: req.claimId ?? null,
      now: req.now,
      worker_tags: JSON.stringify(req.tags),
      capacity: req.capacity,
      kill_grace_ms: req.killGraceMs ?? null,
      bundles: JSON.stringify(req.bundles ?? []),
    });
    const jobs = rows.map(rowToJob).sort(byPriorityThenAge);
    this.logRateStarts(jobs, req.now);
    const claimed: HistoryInput = { event: "claim", from: "pending", to: "running", workerId: req.workerId };
    this.addHistories(jobs.map((job) => [job, claimed, req.now]));
    return jobs;
  }

  /** Appends each claimed start of a rate-limited key to its log, pruned of starts out of the window. */
  private logRateStarts(jobs: JobRecord[], now: number): void {
    const perKey = new Map<string, number>();
    for (const { concurrencyKey: key } of jobs) if (key !== null) perKey.set(key, (perKey.get(key) ?? 0) + 1);
    if (perKey.size === 0) return;
    const limits = this.q.all("SELECT * FROM concurrency_limits").map(rowToLimit);
    for (const [key, n] of perKey) {
      const rate = rateFor(key, limits)?.rate;
      if (!rate) continue;
      const row = this.q.get("SELECT * FROM rate_starts WHERE key = :key", { key });
      const kept = row ? startsInWindow(rowToRateStarts(row).starts, rate, now) : [];
      const starts = JSON.stringify([...kept, ...Array<number>(n).fill(now)]);
      this.q
        .stmt(
          `INSERT INTO rate_starts (key, starts) VALUES (:key, :starts)
           ON CONFLICT (key) DO UPDATE SET starts = excluded.starts`,
        )
        .run({ key, starts });
    }
  }

  applyTransitions(transitions: Transition[], now: number): Array<JobRecord | undefined> {
    const history: HistoryRow[] = [];
    const written = transitions.map((t) => {
      const job = this.applyOne(t, now);
      if (job && t.history) history.push([job, t.history, now]);
      return job;
    });
    this.addHistories(history);
    return written;
  }

  /** The guarded UPDATE of one transition; its history row is the caller's to write. */
  private applyOne(transition: Transition, now: number): JobRecord | undefined {
    const { job, patch } = transition;
    const columns = patchColumns(patch);
    const sets = columns.map(([column]) => `${column} = ?`);
    // No RETURNING: it costs more than the UPDATE itself here, and the guard makes the row known.
    // Positional values: binding by name costs a lookup per value.
    const sql = `UPDATE jobs SET ${[...sets, "updated_at = ?", "version = version + 1"].join(", ")}
      WHERE id = +? AND version = +?`;
    const values = [...columns.map(([, value]) => value as SQLInputValue), now, job.id, job.version];
    if (this.q.stmt(sql).run(...values).changes === 0) return undefined;
    return applyPatch(job, patch, now);
  }

  renewLease({ id, leaseToken, workerId, now, tasks }: LeaseRenewal): JobRecord | undefined {
    const row = this.q.get(
      `UPDATE jobs SET lease_expires_at = :now + CAST(lease_s * 1000 AS INTEGER), updated_at = :now,
         tasks = coalesce(:tasks, tasks), version = version + 1
       WHERE id = +:id AND lease_token = +:token AND worker_id = +:worker AND state IN ${LEASED}
       RETURNING *`,
      { id, token: leaseToken, now, tasks: tasks ? JSON.stringify(tasks) : null, worker: workerId },
    );
    return row ? rowToJob(row) : undefined;
  }

  promoteDue(now: number, limit: number): JobRecord[] {
    const rows = this.q.all(
      `UPDATE jobs SET state = 'pending', updated_at = :now, version = version + 1
       WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_due WHERE state = 'scheduled' AND run_at <= +:now
                    ORDER BY run_at LIMIT +:limit)
       RETURNING *`,
      { now, limit },
    );
    const jobs = rows.map(rowToJob);
    const due: HistoryInput = { event: "due", from: "scheduled", to: "pending" };
    this.addHistories(jobs.map((job) => [job, due, now]));
    return jobs;
  }

  appendLog({ jobId, attempt, offset, data, now, maxBytes = DEFAULT_MAX_LOG_BYTES }: LogAppend): number {
    const stored = this.q.get(
      "SELECT coalesce(max(offset + len), 0) AS n FROM job_logs WHERE job_id = +:j AND attempt = +:a",
      { j: jobId, a: attempt },
    );
    const plan = planLogAppend(Number(stored?.n ?? 0), offset, data, maxBytes);
    if (plan.store) {
      this.q
        .stmt(
          "INSERT INTO job_logs (job_id, attempt, offset, len, data, at) VALUES (:j, :a, :o, :l, :d, :at)",
        )
        .run({
          j: jobId,
          a: attempt,
          o: plan.offset,
          l: plan.data.length,
          d: plan.data,
          at: now,
        });
    }
    return plan.length;
  }

  upsertWorker(
    worker: Omit<WorkerRecord, "running" | "registeredAt" | "drainRequestedAt">,
    now: number,
  ): WorkerRecord {
    const row = this.q.get(
      `INSERT INTO workers (id, hostname, tags, capacity, version, registered_at, last_seen_at)
       VALUES (:id, :hostname, :tags, :capacity, :version, :now, :now)
       ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, tags = excluded.tags,
         capacity = excluded.capacity, version = excluded.version, last_seen_at = excluded.last_seen_at,
         drain_requested_at = NULL
       RETURNING *`,
      {
        id: worker.id,
        hostname: worker.hostname,
        tags: JSON.stringify(worker.tags),
        capacity: worker.capacity,
        version: worker.version,
        now,
      },
    )!;
    return rowToWorker(row);
  }

  setWorkerBundles(id: string, bundles: WorkerBundleRecord[], now: number): boolean {
    const row = this.q.get(
      "UPDATE workers SET bundles = :bundles, last_seen_at = :now WHERE id = +:id RETURNING id",
      { id, bundles: JSON.stringify(bundles), now },
    );
    return row !== undefined;
  }

  requestDrain(id: string, now: number): boolean {
    const row = this.q.get("UPDATE workers SET drain_requested_at = :now WHERE id = +:id RETURNING id", {
      id,
      now,
    });
    return row !== undefined;
  }

  touchWorkers(ids: string[], now: number): void {
    for (const id of ids)
      this.q.stmt("UPDATE workers SET last_seen_at = :now WHERE id = +:id").run({ id, now });
  }

  pauseTag(tag: string, now: number): PausedTagRecord {
    const row = this.q.get(
      `INSERT INTO paused_tags (tag, paused_at) VALUES (:tag, :now)
       ON CONFLICT (tag) DO UPDATE SET tag = excluded.tag RETURNING *`,
      { tag, now },
    )!;
    return rowToPausedTag(row);
  }

  setLimit(limit: ConcurrencyLimitRecord): ConcurrencyLimitRecord {
    const row = this.q.get(
      `INSERT INTO concurrency_limits (pattern, concurrency, rate_limit, rate_window_ms)
       VALUES (:pattern, :concurrency, :rate_limit, :rate_window_ms)
       ON CONFLICT (pattern) DO UPDATE SET concurrency = excluded.concurrency,
         rate_limit = excluded.rate_limit, rate_window_ms = excluded.rate_window_ms
       RETURNING *`,
      {
        pattern: limit.pattern,
        concurrency: limit.concurrency,
        rate_limit: limit.rate?.limit ?? null,
        rate_window_ms: limit.rate?.windowMs ?? null,
      },
    )!;
    return rowToLimit(row);
  }

  deleteLimit(pattern: string): boolean {
    return (
      this.q.stmt("DELETE FROM concurrency_limits WHERE pattern = :pattern").run({ pattern }).changes > 0
    );
  }

  resumeTag(tag: string): boolean {
    return this.q.stmt("DELETE FROM paused_tags WHERE tag = :tag").run({ tag }).changes > 0;
  }

  insertApiKey(key: ApiKeyRecord): ApiKeyRecord {
    // A revoked key keeps its row for the record but frees its name.
    this.q.stmt("DELETE FROM api_keys WHERE name = :name AND revoked_at IS NOT NULL").run({ name: key.name });
    const row = this.q.get(
      `INSERT INTO api_keys (name, role, key_hash, prefix, created_at) VALUES (:name, :role, :hash, :prefix, :at)
       RETURNING *`,
      { name: key.name, role: key.role, hash: key.keyHash, prefix: key.prefix, at: key.createdAt },
    )!;
    return rowToApiKey(row);
  }

  revokeApiKey(name: string, now: number): boolean {
    const sql = "UPDATE api_keys SET revoked_at = :now WHERE name = :name AND revoked_at IS NULL";
    return this.q.stmt(sql).run({ name, now }).changes > 0;
  }

  touchApiKey(name: string, now: number): void {
    this.q.stmt("UPDATE api_keys SET last_used_at = :now WHERE name = +:name").run({ name, now });
  }

  /**
   * Retention: finished or deleted jobs, oldest created first, with their history and logs. Only
   * jobs created before the cutoff can have finished before it, so the walk stops at its id.
   */
  purgeFinished(before: number, limit: number): number {
    const ids = this.q
      .all(
        `SELECT id FROM jobs INDEXED BY jobs_state
         WHERE state IN ${ENDED}
           AND id < +:floor AND updated_at < +:before
         ORDER BY id LIMIT +:limit`,
        { floor: jobIdFloor(before), before, limit },
      )
      .map((r) => String(r.id));
    if (ids.length === 0) return 0;
    const list = { ids: JSON.stringify(ids) };
    for (const table of ["job_history", "job_logs"]) {
      this.q.stmt(`DELETE FROM ${table} WHERE job_id IN (SELECT value FROM json_each(:ids))`).run(list);
    }
    this.q.stmt("DELETE FROM jobs WHERE id IN (SELECT value FROM json_each(:ids))").run(list);
    return ids.length;
  }
}

function byPriorityThenAge(a: JobRecord, b: JobRecord): number {
  return b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
