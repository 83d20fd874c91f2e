/**
 * The embedded store on node:sqlite: one connection, WAL. Reads run directly; writes
 * (sqlite-writes.ts) go through the WriteBatcher, so writes that arrive together share one
 * transaction, and each resolves once a WAL sync after its commit has finished (wal-sync.ts). Every statement is prepared once.
 */
import type { DatabaseSync } from "node:sqlite";
import type { Task } from "../../../shared/protocol.ts";
import type { JobState } from "../../../shared/states.ts";
import {
  inOrderOf,
  rowToApiKey,
  rowToHistory,
  rowToJob,
  rowToLimit,
  rowToPausedTag,
  rowToWorker,
} from "../job-row.ts";
import { sliceLog } from "../log-chunks.ts";
import type {
  ApiKeyRecord,
  ClaimRequest,
  ConcurrencyLimitRecord,
  FinishedCount,
  HistoryInput,
  JobFilter,
  JobRecord,
  NewJob,
  PausedTagRecord,
  Store,
  StoreStats,
  Transition,
  WorkerRecord,
} from "../store.ts";
import { LEASED, migrate, openConnection, type Params, Statements } from "./sqlite-connection.ts";
import { CLAIM_SQL, SqliteWrites, type WriteArgs, type WriteOp, type WriteResult } from "./sqlite-writes.ts";
import { type SyncFile, WalSync } from "./wal-sync.ts";
import { BackgroundCheckpointer } from "./background-checkpointer.ts";
import { WriteBatcher } from "./write-batcher.ts";

export interface SqliteStoreOptions {
  path: string;
  /** How the WAL is synced (fdatasync); tests inject a failing one. */
  syncFile?: SyncFile;
  /** Told once when a WAL sync fails and the store stops writing (the server then exits). */
  onFatal?: (error: Error) => void;
  /** Told of trouble the store works around (the background checkpointer failed). */
  onWarning?: (message: string) => void;
}

export class SqliteStore implements Store {
  readonly kind = "sqlite" as const;
  private readonly db: DatabaseSync;
  private readonly q: Statements;
  private readonly batcher: WriteBatcher;
  private readonly writes: SqliteWrites;
  private readonly walSync: WalSync | undefined;
  private readonly checkpointer: BackgroundCheckpointer | undefined;

  constructor(options: SqliteStoreOptions) {
    this.db = openConnection(options.path);
    migrate(this.db);
    this.q = new Statements(this.db);
    const onDisk = options.path !== ":memory:";
    this.walSync = onDisk ? new WalSync(options.path, options.syncFile, options.onFatal) : undefined;
    this.checkpointer = onDisk
      ? new BackgroundCheckpointer(this.db, options.path, options.onWarning)
      : undefined;
    this.batcher = new WriteBatcher(this.db, this.walSync, () => this.checkpointer?.committed());
    this.writes = new SqliteWrites(this.db);
  }

  settled(): Promise<void> {
    return this.walSync?.settled() ?? Promise.resolve();
  }

  failure(): Error | undefined {
    return this.walSync?.failed;
  }

  /** WAL checkpoints made by the background thread so far. */
  get backgroundCheckpoints(): number {
    return this.checkpointer?.checkpoints ?? 0;
  }

  get largestBatch(): number {
    return this.batcher.largestBatch;
  }

  /** Group commits made so far. */
  get commits(): number {
    return this.batcher.commits;
  }

  /** Runs one write in the next group commit; resolves once it is committed. */
  private write<K extends WriteOp>(op: K, ...args: WriteArgs<K>): Promise<WriteResult<K>> {
    const fn = this.writes[op] as (...a: WriteArgs<K>) => WriteResult<K>;
    return this.batcher.write(() => fn.apply(this.writes, args));
  }

  /** The query plan of the claim, for the test that keeps it on the index. */
  explainClaim(): string {
    const rows = this.db.prepare(`EXPLAIN QUERY PLAN ${CLAIM_SQL}`).all({
      worker_id: "w",
      claim_id: null,
      now: 0,
      worker_tags: "[]",
      capacity: 1,
    }) as Array<{ detail: string }>;
    return rows.map((r) => r.detail).join("\n");
  }

  private all(sql: string, params: Params = {}) {
    return this.q.all(sql, params);
  }

  private get(sql: string, params: Params = {}) {
    return this.q.get(sql, params);
  }

  insertJob(job: NewJob, history: HistoryInput): Promise<{ job: JobRecord; created: boolean }> {
    return this.write("insertJob", job, history);
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    const row = this.get("SELECT * FROM jobs WHERE id = +:id", { id });
    return row ? rowToJob(row) : undefined;
  }

  async getJobs(ids: string[]): Promise<Array<JobRecord | undefined>> {
    if (ids.length === 0) return [];
    const rows = this.all("SELECT * FROM jobs WHERE id IN (SELECT value FROM json_each(:ids))", {
      ids: JSON.stringify(ids),
    });
    return inOrderOf(ids, rows.map(rowToJob));
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
    return this.write("claimJobs", req);
  }

  applyTransitions(transitions: Transition[], now: number): Promise<Array<JobRecord | undefined>> {
    return this.write("applyTransitions", transitions, now);
  }

  renewLease(
    id: string,
    leaseToken: string,
    now: number,
    tasks: Task[] | null,
  ): Promise<JobRecord | undefined> {
    return this.write("renewLease", id, leaseToken, now, tasks);
  }

  async findExpired(leaseBefore: number, deadlineBefore: number, limit: number): Promise<JobRecord[]> {
    return this.all(
      `SELECT * FROM jobs INDEXED BY jobs_lease WHERE state IN ${LEASED} AND lease_expires_at <= +:lease
       UNION SELECT * FROM jobs INDEXED BY jobs_deadline WHERE state IN ${LEASED} AND deadline_at <= +:deadline
       LIMIT +:limit`,
      { lease: leaseBefore, deadline: deadlineBefore, limit },
    ).map(rowToJob);
  }

  promoteDue(now: number, limit: number): Promise<JobRecord[]> {
    return this.write("promoteDue", now, limit);
  }

  async nextRunAt(): Promise<number | null> {
    const row = this.get("SELECT min(run_at) AS t FROM jobs INDEXED BY jobs_due WHERE state = 'scheduled'");
    return (row?.t as number | null) ?? null;
  }

  async findReleasable(limit: number) {
    return this.all(
      `SELECT c.*, p.state AS parent_state FROM jobs c JOIN jobs p ON p.id = c.parent_id
       WHERE c.state = 'awaiting' AND p.state IN ('succeeded', 'failed', 'timed_out', 'canceled', 'deleted')
       LIMIT +:limit`,
      { limit },
    ).map((row) => ({ job: rowToJob(row), parentState: row.parent_state as JobState }));
  }

  async runningForWorker(workerId: string): Promise<JobRecord[]> {
    return this.all(`SELECT * FROM jobs WHERE worker_id = +:w AND state IN ${LEASED} ORDER BY id`, {
      w: workerId,
    }).map(rowToJob);
  }

  appendLog(jobId: string, attempt: number, offset: number, data: string, now: number): Promise<number> {
    return this.write("appendLog", jobId, attempt, offset, data, now);
  }

  private logLength(jobId: string, attempt: number): number {
    const row = this.get(
      "SELECT coalesce(max(offset + len), 0) AS n FROM job_logs WHERE job_id = :j AND attempt = :a",
      { j: jobId, a: attempt },
    );
    return Number(row?.n ?? 0);
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
    return this.write("upsertWorker", worker, now);
  }

  touchWorkers(ids: string[], now: number): Promise<void> {
    return this.write("touchWorkers", ids, now);
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

  pauseTag(tag: string, now: number): Promise<PausedTagRecord> {
    return this.write("pauseTag", tag, now);
  }

  resumeTag(tag: string): Promise<boolean> {
    return this.write("resumeTag", tag);
  }

  async listPausedTags(): Promise<PausedTagRecord[]> {
    return this.all("SELECT * FROM paused_tags ORDER BY tag").map(rowToPausedTag);
  }

  setLimit(limit: ConcurrencyLimitRecord): Promise<ConcurrencyLimitRecord> {
    return this.write("setLimit", limit);
  }

  deleteLimit(pattern: string): Promise<boolean> {
    return this.write("deleteLimit", pattern);
  }

  async leasedWithKey(key: string): Promise<JobRecord[]> {
    return this.all(
      `SELECT * FROM jobs INDEXED BY jobs_key_leased
       WHERE concurrency_key = :key AND state IN ${LEASED} ORDER BY id`,
      { key },
    ).map(rowToJob);
  }

  async countPendingAhead(priority: number, id: string): Promise<number> {
    const row = this.get(
      `SELECT count(*) AS n FROM jobs INDEXED BY jobs_claim
       WHERE state = 'pending' AND (priority > :p OR (priority = :p AND id < :id))`,
      { p: priority, id },
    );
    return Number(row?.n ?? 0);
  }

  async listLimits(): Promise<ConcurrencyLimitRecord[]> {
    return this.all("SELECT * FROM concurrency_limits ORDER BY pattern").map(rowToLimit);
  }

  insertApiKey(key: ApiKeyRecord): Promise<ApiKeyRecord> {
    return this.write("insertApiKey", key);
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return this.all("SELECT * FROM api_keys WHERE revoked_at IS NULL ORDER BY created_at, name").map(
      rowToApiKey,
    );
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const row = this.get("SELECT * FROM api_keys WHERE key_hash = +:hash AND revoked_at IS NULL", {
      hash: keyHash,
    });
    return row ? rowToApiKey(row) : undefined;
  }

  revokeApiKey(name: string, now: number): Promise<boolean> {
    return this.write("revokeApiKey", name, now);
  }

  touchApiKey(name: string, now: number): Promise<void> {
    return this.write("touchApiKey", name, now);
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

  purgeFinished(before: number, limit: number): Promise<number> {
    return this.write("purgeFinished", before, limit);
  }

  async close(): Promise<void> {
    // Let queued writes commit, then fold the WAL back into the main file; after a failed sync,
    // leave the WAL as it is for the next start to recover from.
    if (!this.failure()) await this.batcher.write(() => undefined);
    await this.checkpointer?.close();
    if (!this.failure()) this.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    this.walSync?.close();
    this.db.close();
  }
}

// One pass over the leased jobs counts every worker's, rather than one pass per worker.
const WORKERS_SQL = `SELECT w.*, coalesce(r.n, 0) AS running FROM workers w
  LEFT JOIN (SELECT worker_id, count(*) AS n FROM jobs WHERE state IN ${LEASED} GROUP BY worker_id) r
    ON r.worker_id = w.id`;
