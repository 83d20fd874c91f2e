/**
 * The embedded store on node:sqlite. One connection, WAL, synchronous=FULL; writes go through
 * the WriteBatcher (group commit), reads run directly. Every statement is prepared once and
 * cached by its text.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import type { Task } from "../../../shared/protocol.ts";
import type { JobState } from "../../../shared/states.ts";
import {
  columnOf,
  jobToColumns,
  rowToApiKey,
  rowToHistory,
  rowToJob,
  rowToWorker,
  toColumnValue,
} from "../job-row.ts";
import type {
  ApiKeyRecord,
  ClaimRequest,
  FinishedCount,
  HistoryInput,
  JobFilter,
  JobRecord,
  NewJob,
  Store,
  StoreStats,
  Transition,
  WorkerRecord,
} from "../store.ts";
import { planLogAppend, sliceLog } from "../log-chunks.ts";
import { SQLITE_MIGRATIONS } from "./migrations.ts";
import { WriteBatcher } from "./write-batcher.ts";

type Row = Record<string, SQLInputValue>;
type Params = Record<string, SQLInputValue>;

const LEASED = "('running', 'cancelling')";

const CLAIM_SQL = `
  UPDATE jobs SET
    state = 'running', attempt = attempt + 1, worker_id = :worker_id,
    lease_token = lower(hex(randomblob(16))),
    lease_expires_at = :now + CAST(lease_s * 1000 AS INTEGER),
    deadline_at = CASE WHEN timeout_s IS NULL THEN NULL ELSE :now + CAST(timeout_s * 1000 AS INTEGER) END,
    started_at = :now, updated_at = :now, finished_at = NULL, result = NULL, error = NULL,
    tasks = NULL, reported = NULL, version = version + 1
  WHERE id IN (
    SELECT id FROM jobs INDEXED BY jobs_claim
    WHERE state = 'pending'
      AND (tags = '[]' OR NOT EXISTS (
        SELECT 1 FROM json_each(jobs.tags) AS t
        WHERE t.value NOT IN (SELECT value FROM json_each(:worker_tags))))
    ORDER BY priority DESC, id
    LIMIT :capacity)
  RETURNING *`;

export interface SqliteStoreOptions {
  path: string;
}

export class SqliteStore implements Store {
  readonly kind = "sqlite" as const;
  private readonly db: DatabaseSync;
  private readonly batcher: WriteBatcher;
  private readonly statements = new Map<string, StatementSync>();

  constructor(options: SqliteStoreOptions) {
    if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
    this.db = new DatabaseSync(options.path);
    this.db.exec("PRAGMA journal_mode = WAL");
    this.db.exec("PRAGMA synchronous = FULL");
    this.db.exec("PRAGMA busy_timeout = 5000");
    this.db.exec("PRAGMA foreign_keys = ON");
    this.migrate();
    this.batcher = new WriteBatcher(this.db);
  }

  get largestBatch(): number {
    return this.batcher.largestBatch;
  }

  /** The query plan of the claim, for the test that keeps it on the index. */
  explainClaim(): string {
    const rows = this.db.prepare(`EXPLAIN QUERY PLAN ${CLAIM_SQL}`).all({
      worker_id: "w",
      now: 0,
      worker_tags: "[]",
      capacity: 1,
    }) as Array<{ detail: string }>;
    return rows.map((r) => r.detail).join("\n");
  }

  private migrate(): void {
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at INTEGER)",
    );
    const row = this.db.prepare("SELECT max(version) AS v FROM schema_migrations").get() as {
      v: number | null;
    };
    for (const migration of SQLITE_MIGRATIONS.filter((m) => m.version > (row.v ?? 0))) {
      this.db.exec("BEGIN IMMEDIATE");
      try {
        this.db.exec(migration.sql);
        this.db
          .prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
          .run(migration.version, migration.name, Date.now());
        this.db.exec("COMMIT");
      } catch (error) {
        this.db.exec("ROLLBACK");
        throw error;
      }
    }
  }

  private stmt(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private all(sql: string, params: Params = {}): Row[] {
    return this.stmt(sql).all(params) as Row[];
  }

  private get(sql: string, params: Params = {}): Row | undefined {
    return this.stmt(sql).get(params) as Row | undefined;
  }

  private addHistory(job: JobRecord, history: HistoryInput, now: number): void {
    this.stmt(
      `INSERT INTO job_history (job_id, at, from_state, to_state, event, reason, worker_id, attempt)
       VALUES (:job_id, :at, :from_state, :to_state, :event, :reason, :worker_id, :attempt)`,
    ).run({
      job_id: job.id,
      at: now,
      from_state: history.from,
      to_state: history.to,
      event: history.event,
      reason: history.reason ?? null,
      worker_id: history.workerId ?? null,
      attempt: job.attempt,
    });
  }

  insertJob(job: NewJob, history: HistoryInput): Promise<{ job: JobRecord; created: boolean }> {
    return this.batcher.write(() => {
      if (job.idempotencyKey !== null) {
        const existing = this.get("SELECT * FROM jobs WHERE idempotency_key = :k", { k: job.idempotencyKey });
        if (existing) return { job: rowToJob(existing), created: false };
      }
      const columns = [...jobToColumns(job), ["updated_at", job.createdAt], ["version", 1]] as Array<
        [string, SQLInputValue]
      >;
      const sql = `INSERT INTO jobs (${columns.map(([c]) => c).join(", ")})
        VALUES (${columns.map(([c]) => `:${c}`).join(", ")}) RETURNING *`;
      const row = this.get(sql, Object.fromEntries(columns))!;
      const stored = rowToJob(row);
      this.addHistory(stored, history, job.createdAt);
      return { job: stored, created: true };
    });
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    const row = this.get("SELECT * FROM jobs WHERE id = :id", { id });
    return row ? rowToJob(row) : undefined;
  }

  async getHistory(id: string) {
    return this.all("SELECT * FROM job_history WHERE job_id = :id ORDER BY seq", { id }).map(rowToHistory);
  }

  async listJobs(filter: JobFilter): Promise<JobRecord[]> {
    const where: string[] = [];
    const params: Params = { limit: filter.limit };
    if (filter.states?.length) {
      where.push(`state IN (${filter.states.map((_, i) => `:s${i}`).join(", ")})`);
      filter.states.forEach((s, i) => {
        params[`s${i}`] = s;
      });
    }
    if (filter.tag !== undefined) {
      where.push("EXISTS (SELECT 1 FROM json_each(jobs.tags) AS t WHERE t.value = :tag)");
      params.tag = filter.tag;
    }
    if (filter.name !== undefined) {
      where.push("name = :name");
      params.name = filter.name;
    }
    if (filter.workerId !== undefined) {
      where.push("worker_id = :worker_id");
      params.worker_id = filter.workerId;
    }
    if (filter.beforeId !== undefined) {
      where.push("id < :before");
      params.before = filter.beforeId;
    }
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT :limit`;
    return this.all(sql, params).map(rowToJob);
  }

  claimJobs(req: ClaimRequest): Promise<JobRecord[]> {
    return this.batcher.write(() => {
      const rows = this.all(CLAIM_SQL, {
        worker_id: req.workerId,
        now: req.now,
        worker_tags: JSON.stringify(req.tags),
        capacity: req.capacity,
      });
      const jobs = rows.map(rowToJob).sort(byPriorityThenAge);
      for (const job of jobs) {
        this.addHistory(
          job,
          { event: "claim", from: "pending", to: "running", workerId: req.workerId },
          req.now,
        );
      }
      return jobs;
    });
  }

  applyTransitions(transitions: Transition[], now: number): Promise<Array<JobRecord | undefined>> {
    return this.batcher.write(() => transitions.map((t) => this.applyOne(t, now)));
  }

  private applyOne(transition: Transition, now: number): JobRecord | undefined {
    const fields = Object.entries(transition.patch).filter(([, v]) => v !== undefined);
    const sets = fields.map(([field]) => `${columnOf(field)} = :${columnOf(field)}`);
    const params: Params = { id: transition.id, version: transition.version, now };
    for (const [field, value] of fields)
      params[columnOf(field)] = toColumnValue(field, value) as SQLInputValue;
    const sql = `UPDATE jobs SET ${[...sets, "updated_at = :now", "version = version + 1"].join(", ")}
      WHERE id = :id AND version = :version RETURNING *`;
    const row = this.get(sql, params);
    if (!row) return undefined;
    const job = rowToJob(row);
    if (transition.history) this.addHistory(job, transition.history, now);
    return job;
  }

  renewLease(
    id: string,
    leaseToken: string,
    now: number,
    tasks: Task[] | null,
  ): Promise<JobRecord | undefined> {
    return this.batcher.write(() => {
      const row = this.get(
        `UPDATE jobs SET lease_expires_at = :now + CAST(lease_s * 1000 AS INTEGER), updated_at = :now,
           tasks = coalesce(:tasks, tasks), version = version + (:tasks IS NOT NULL)
         WHERE id = :id AND lease_token = :token AND state IN ${LEASED} RETURNING *`,
        { id, token: leaseToken, now, tasks: tasks ? JSON.stringify(tasks) : null },
      );
      return row ? rowToJob(row) : undefined;
    });
  }

  async findExpired(leaseBefore: number, deadlineBefore: number, limit: number): Promise<JobRecord[]> {
    return this.all(
      `SELECT * FROM jobs INDEXED BY jobs_lease WHERE state IN ${LEASED} AND lease_expires_at <= :lease
       UNION SELECT * FROM jobs INDEXED BY jobs_deadline WHERE state IN ${LEASED} AND deadline_at <= :deadline
       LIMIT :limit`,
      { lease: leaseBefore, deadline: deadlineBefore, limit },
    ).map(rowToJob);
  }

  promoteDue(now: number, limit: number): Promise<JobRecord[]> {
    return this.batcher.write(() => {
      const rows = this.all(
        `UPDATE jobs SET state = 'pending', updated_at = :now, version = version + 1
         WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_due WHERE state = 'scheduled' AND run_at <= :now
                      ORDER BY run_at LIMIT :limit)
         RETURNING *`,
        { now, limit },
      );
      const jobs = rows.map(rowToJob);
      for (const job of jobs) this.addHistory(job, { event: "due", from: "scheduled", to: "pending" }, now);
      return jobs;
    });
  }

  async nextRunAt(): Promise<number | null> {
    const row = this.get("SELECT min(run_at) AS t FROM jobs INDEXED BY jobs_due WHERE state = 'scheduled'");
    return (row?.t as number | null) ?? null;
  }

  async findReleasable(limit: number) {
    return this.all(
      `SELECT c.*, p.state AS parent_state FROM jobs c JOIN jobs p ON p.id = c.parent_id
       WHERE c.state = 'awaiting' AND p.state IN ('succeeded', 'failed', 'timed_out', 'canceled', 'deleted')
       LIMIT :limit`,
      { limit },
    ).map((row) => ({ job: rowToJob(row), parentState: row.parent_state as JobState }));
  }

  async runningForWorker(workerId: string): Promise<JobRecord[]> {
    return this.all(`SELECT * FROM jobs WHERE worker_id = :w AND state IN ${LEASED} ORDER BY id`, {
      w: workerId,
    }).map(rowToJob);
  }

  appendLog(jobId: string, attempt: number, offset: number, data: string, now: number): Promise<number> {
    return this.batcher.write(() => {
      const plan = planLogAppend(this.logLength(jobId, attempt), offset, data);
      if (plan.store) this.insertLogChunk(jobId, attempt, plan.offset, plan.data, now);
      return plan.length;
    });
  }

  private logLength(jobId: string, attempt: number): number {
    const row = this.get(
      "SELECT coalesce(max(offset + len), 0) AS n FROM job_logs WHERE job_id = :j AND attempt = :a",
      {
        j: jobId,
        a: attempt,
      },
    );
    return Number(row?.n ?? 0);
  }

  private insertLogChunk(jobId: string, attempt: number, offset: number, data: string, now: number): void {
    this.stmt(
      "INSERT INTO job_logs (job_id, attempt, offset, len, data, at) VALUES (:j, :a, :o, :l, :d, :at)",
    ).run({ j: jobId, a: attempt, o: offset, l: Buffer.byteLength(data), d: data, at: now });
  }

  async readLog(jobId: string, attempt: number, offset: number, maxBytes: number) {
    const rows = this.all(
      `SELECT offset, data FROM job_logs WHERE job_id = :j AND attempt = :a AND offset + len > :o
       ORDER BY offset`,
      { j: jobId, a: attempt, o: offset },
    );
    return sliceLog(
      rows as Array<{ offset: number; data: string }>,
      offset,
      maxBytes,
      this.logLength(jobId, attempt),
    );
  }

  upsertWorker(worker: Omit<WorkerRecord, "running" | "registeredAt">, now: number): Promise<WorkerRecord> {
    return this.batcher.write(() => {
      const row = this.get(
        `INSERT INTO workers (id, hostname, tags, capacity, version, registered_at, last_seen_at)
         VALUES (:id, :hostname, :tags, :capacity, :version, :now, :now)
         ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, tags = excluded.tags,
           capacity = excluded.capacity, version = excluded.version, last_seen_at = excluded.last_seen_at
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
    });
  }

  touchWorkers(ids: string[], now: number): Promise<void> {
    return this.batcher.write(() => {
      for (const id of ids)
        this.stmt("UPDATE workers SET last_seen_at = :now WHERE id = :id").run({ id, now });
    });
  }

  async getWorker(id: string): Promise<WorkerRecord | undefined> {
    const row = this.get(`${WORKERS_SQL} WHERE w.id = :id`, { id });
    return row ? rowToWorker(row) : undefined;
  }

  async listWorkers(): Promise<WorkerRecord[]> {
    return this.all(`${WORKERS_SQL} ORDER BY w.last_seen_at DESC`).map(rowToWorker);
  }

  async stats(): Promise<StoreStats> {
    const states = Object.fromEntries(
      this.all("SELECT state, count(*) AS n FROM jobs GROUP BY state").map((r) => [r.state, Number(r.n)]),
    );
    const queues = this.all("SELECT tags, count(*) AS n FROM jobs WHERE state = 'pending' GROUP BY tags").map(
      (r) => ({ tags: JSON.parse(String(r.tags)) as string[], pending: Number(r.n) }),
    );
    return { states, queues };
  }

  insertApiKey(key: ApiKeyRecord): Promise<ApiKeyRecord> {
    return this.batcher.write(() => {
      // A revoked key keeps its row for the record but frees its name.
      this.stmt("DELETE FROM api_keys WHERE name = :name AND revoked_at IS NOT NULL").run({ name: key.name });
      const row = this.get(
        `INSERT INTO api_keys (name, role, key_hash, prefix, created_at) VALUES (:name, :role, :hash, :prefix, :at)
         RETURNING *`,
        { name: key.name, role: key.role, hash: key.keyHash, prefix: key.prefix, at: key.createdAt },
      )!;
      return rowToApiKey(row);
    });
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return this.all("SELECT * FROM api_keys WHERE revoked_at IS NULL ORDER BY created_at, name").map(
      rowToApiKey,
    );
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const row = this.get("SELECT * FROM api_keys WHERE key_hash = :hash AND revoked_at IS NULL", {
      hash: keyHash,
    });
    return row ? rowToApiKey(row) : undefined;
  }

  revokeApiKey(name: string, now: number): Promise<boolean> {
    return this.batcher.write(
      () =>
        this.stmt("UPDATE api_keys SET revoked_at = :now WHERE name = :name AND revoked_at IS NULL").run({
          name,
          now,
        }).changes > 0,
    );
  }

  touchApiKey(name: string, now: number): Promise<void> {
    return this.batcher.write(() => {
      this.stmt("UPDATE api_keys SET last_used_at = :now WHERE name = :name").run({ name, now });
    });
  }

  async countFinished(since: number, bucketMs: number): Promise<FinishedCount[]> {
    return this.all(
      // `%` works in integers even though node:sqlite binds JS numbers as REAL.
      `SELECT at - at % :bucket AS t, to_state, count(*) AS n FROM job_history
       WHERE at >= :since AND to_state IN ('succeeded', 'failed', 'timed_out', 'canceled')
       GROUP BY t, to_state ORDER BY t, to_state`,
      { since, bucket: bucketMs },
    ).map((r) => ({ at: Number(r.t), state: r.to_state as JobState, count: Number(r.n) }));
  }

  /** The query plan of countFinished, for the test that keeps it on its index. */
  explainCountFinished(): string {
    const rows = this.db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT at - at % 60000 AS t, to_state, count(*) FROM job_history
         WHERE at >= 0 AND to_state IN ('succeeded', 'failed', 'timed_out', 'canceled') GROUP BY t, to_state`,
      )
      .all() as Array<{ detail: string }>;
    return rows.map((r) => r.detail).join("\n");
  }

  async close(): Promise<void> {
    // Let queued writes commit, then fold the WAL back into the main file.
    await this.batcher.write(() => undefined);
    this.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    this.db.close();
  }
}

const WORKERS_SQL = `SELECT w.*, (SELECT count(*) FROM jobs j WHERE j.worker_id = w.id AND j.state IN ${LEASED}) AS running
  FROM workers w`;

function byPriorityThenAge(a: JobRecord, b: JobRecord): number {
  return b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
