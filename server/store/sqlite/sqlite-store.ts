/**
 * The embedded store on node:sqlite: one connection, WAL. Reads run directly; writes
 * (sqlite-writes.ts) go through the WriteBatcher, so writes that arrive together share one
 * transaction, and each resolves once a WAL sync after its commit has finished (wal-sync.ts). Every statement is prepared once.
 */
import type { DatabaseSync } from "node:sqlite";
import type { JobState } from "../../../shared/states.ts";
import {
  inOrderOf,
  rowToApiKey,
  rowToHistory,
  rowToJob,
  rowToLimit,
  rowToRateStarts,
  rowToPausedTag,
  rowToWorker,
} from "../job-row.ts";
import { countClauses, type SearchDialect, searchClauses } from "../job-search.ts";
import { joinLogPieces } from "../log-chunks.ts";
import type {
  ApiKeyRecord,
  BacklogGroup,
  ClaimRequest,
  ConcurrencyKeyUsage,
  ConcurrencyLimitRecord,
  RateStartsRecord,
  FinishedCount,
  HistoryInput,
  JobFilter,
  JobRecord,
  LeaseRenewal,
  LogAppend,
  NewJob,
  PausedTagRecord,
  Store,
  StoreStats,
  Transition,
  WorkerBundleRecord,
  WorkerRecord,
} from "../store.ts";
import { ENDED, LEASED, TERMINAL } from "../state-sql.ts";
import {
  backlogByTagsSql,
  concurrencyKeyUsageSql,
  rowToBacklogGroup,
  rowToKeyUsage,
  SQLITE_OPERATOR,
} from "../operator-sql.ts";
import { migrate, openConnection, type Params, Statements } from "./sqlite-connection.ts";
import { SqliteWrites } from "./sqlite-writes.ts";
import { type SyncFile, WalSync } from "./wal-sync.ts";
import { BackgroundCheckpointer } from "./background-checkpointer.ts";
import { WriteBatcher } from "./write-batcher.ts";
import { SqliteBundles } from "./sqlite-bundles.ts";
import { SqliteSchedules } from "./sqlite-schedules.ts";

export interface SqliteStoreOptions {
  path: string;
  /** How the WAL is synced (fdatasync); tests inject a failing one. */
  syncFile?: SyncFile;
  /** How the directory is synced once a WAL file is created (fsync); tests watch it. */
  syncDirectory?: SyncFile;
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
  readonly bundles: SqliteBundles;
  readonly schedules: SqliteSchedules;

  constructor(options: SqliteStoreOptions) {
    this.db = openConnection(options.path);
    migrate(this.db);
    this.q = new Statements(this.db);
    const onDisk = options.path !== ":memory:";
    this.walSync = onDisk
      ? new WalSync(options.path, options.syncFile, options.onFatal, options.syncDirectory)
      : undefined;
    this.checkpointer = onDisk
      ? new BackgroundCheckpointer(this.db, options.path, options.onWarning)
      : undefined;
    this.batcher = new WriteBatcher(this.db, this.walSync, () => this.checkpointer?.committed());
    this.writes = new SqliteWrites(this.db);
    this.bundles = new SqliteBundles(
      this.db,
      (run) => this.batcher.write(run),
      () => this.settled(),
    );
    this.schedules = new SqliteSchedules(
      this.db,
      (run) => this.batcher.write(run),
      () => this.settled(),
      this.writes,
    );
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

  private all(sql: string, params: Params = {}) {
    return this.q.all(sql, params);
  }

  private get(sql: string, params: Params = {}) {
    return this.q.get(sql, params);
  }

  insertJob(job: NewJob, history: HistoryInput): Promise<{ job: JobRecord; created: boolean }> {
    return this.batcher.write(() => this.writes.insertJob(job, history));
  }

  insertJobs(jobs: Array<{ job: NewJob; history: HistoryInput }>) {
    // One write of the batcher: its savepoint makes the batch all or none.
    return this.batcher.write(() => this.writes.insertJobs(jobs));
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
    const params: Params = { limit: filter.limit };
    const { where, orderBy } = searchClauses(filter, sqliteSearch(params));
    const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
    return this.all(`SELECT * FROM jobs ${clause} ORDER BY ${orderBy} LIMIT :limit`, params).map(rowToJob);
  }

  async countJobs(filter: Omit<JobFilter, "limit">): Promise<number> {
    const params: Params = {};
    const where = countClauses(filter, sqliteSearch(params));
    const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
    return Number(this.all(`SELECT count(*) AS n FROM jobs ${clause}`, params)[0]?.n ?? 0);
  }

  claimJobs(req: ClaimRequest): Promise<JobRecord[]> {
    return this.batcher.write(() => this.writes.claimJobs(req));
  }

  applyTransitions(transitions: Transition[], now: number): Promise<Array<JobRecord | undefined>> {
    return this.batcher.write(() => this.writes.applyTransitions(transitions, now));
  }

  renewLease(renewal: LeaseRenewal): Promise<JobRecord | undefined> {
    return this.batcher.write(() => this.writes.renewLease(renewal));
  }

  async findExpired(leaseBefore: number, deadlineBefore: number, limit: number): Promise<JobRecord[]> {
    return this.all(
      `SELECT * FROM jobs INDEXED BY jobs_lease WHERE state IN ${LEASED} AND lease_expires_at <= +:lease
       UNION SELECT * FROM jobs INDEXED BY jobs_deadline WHERE state IN ${LEASED} AND deadline_at <= +:deadline
         AND deadline_at + coalesce(kill_grace_ms, 0) <= +:deadline
       LIMIT +:limit`,
      { lease: leaseBefore, deadline: deadlineBefore, limit },
    ).map(rowToJob);
  }

  promoteDue(now: number, limit: number): Promise<JobRecord[]> {
    return this.batcher.write(() => this.writes.promoteDue(now, limit));
  }

  async nextRunAt(): Promise<number | null> {
    const row = this.get("SELECT min(run_at) AS t FROM jobs INDEXED BY jobs_due WHERE state = 'scheduled'");
    return (row?.t as number | null) ?? null;
  }

  async findReleasable(limit: number) {
    return this.all(
      `SELECT c.*, p.state AS parent_state FROM jobs c JOIN jobs p ON p.id = c.parent_id
       WHERE c.state = 'awaiting' AND p.state IN ${ENDED}
       LIMIT +:limit`,
      { limit },
    ).map((row) => ({ job: rowToJob(row), parentState: row.parent_state as JobState }));
  }

  async runningForWorker(workerId: string): Promise<JobRecord[]> {
    return this.all(`SELECT * FROM jobs WHERE worker_id = +:w AND state IN ${LEASED} ORDER BY id`, {
      w: workerId,
    }).map(rowToJob);
  }

  appendLog(chunk: LogAppend): Promise<number> {
    return this.batcher.write(() => this.writes.appendLog(chunk));
  }

  private logLength(jobId: string, attempt: number): number {
    const row = this.get(
      "SELECT coalesce(max(offset + len), 0) AS n FROM job_logs WHERE job_id = :j AND attempt = :a",
      { j: jobId, a: attempt },
    );
    return Number(row?.n ?? 0);
  }

  async readLog(jobId: string, attempt: number, offset: number, maxBytes: number) {
    // Only the bytes of the range leave SQLite: a read of a huge log costs its answer, no more.
    const rows = this.all(
      `SELECT max(offset, :o) AS start, substr(data, max(:o - offset, 0) + 1, :max) AS data
       FROM job_logs WHERE job_id = :j AND attempt = :a AND offset + len > :o AND offset < :o + :max
       ORDER BY offset`,
      { j: jobId, a: attempt, o: offset, max: maxBytes },
    );
    return {
      data: joinLogPieces(rows as Array<{ start: number; data: Uint8Array }>, offset, maxBytes),
      length: this.logLength(jobId, attempt),
    };
  }

  upsertWorker(
    worker: Omit<WorkerRecord, "running" | "registeredAt" | "drainRequestedAt">,
    now: number,
  ): Promise<WorkerRecord> {
    return this.batcher.write(() => this.writes.upsertWorker(worker, now));
  }

  setWorkerBundles(id: string, bundles: WorkerBundleRecord[], now: number): Promise<boolean> {
    return this.batcher.write(() => this.writes.setWorkerBundles(id, bundles, now));
  }

  async requestDrain(id: string, now: number): Promise<WorkerRecord | undefined> {
    return (await this.batcher.write(() => this.writes.requestDrain(id, now)))
      ? this.getWorker(id)
      : undefined;
  }

  touchWorkers(ids: string[], now: number): Promise<void> {
    return this.batcher.write(() => this.writes.touchWorkers(ids, now));
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
    return this.batcher.write(() => this.writes.pauseTag(tag, now));
  }

  resumeTag(tag: string): Promise<boolean> {
    return this.batcher.write(() => this.writes.resumeTag(tag));
  }

  async listPausedTags(): Promise<PausedTagRecord[]> {
    return this.all("SELECT * FROM paused_tags ORDER BY tag").map(rowToPausedTag);
  }

  setLimit(limit: ConcurrencyLimitRecord): Promise<ConcurrencyLimitRecord> {
    return this.batcher.write(() => this.writes.setLimit(limit));
  }

  deleteLimit(pattern: string): Promise<boolean> {
    return this.batcher.write(() => this.writes.deleteLimit(pattern));
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

  async rateStarts(key?: string): Promise<RateStartsRecord[]> {
    const rows =
      key === undefined
        ? this.all("SELECT * FROM rate_starts ORDER BY key")
        : this.all("SELECT * FROM rate_starts WHERE key = :key", { key });
    return rows.map(rowToRateStarts);
  }

  async pendingRateStarts(): Promise<RateStartsRecord[]> {
    return this.all(
      `SELECT * FROM rate_starts AS rs WHERE EXISTS (SELECT 1 FROM jobs INDEXED BY jobs_key_pending
         WHERE jobs.concurrency_key = rs.key AND jobs.state = 'pending')`,
    ).map(rowToRateStarts);
  }

  async concurrencyKeyUsage(limit: number): Promise<ConcurrencyKeyUsage[]> {
    return this.all(concurrencyKeyUsageSql(SQLITE_OPERATOR), { n: limit }).map(rowToKeyUsage);
  }

  async backlogByTags(top: number): Promise<BacklogGroup[]> {
    return this.all(backlogByTagsSql(SQLITE_OPERATOR), { n: top }).map((row) =>
      rowToBacklogGroup(row, (tags) => JSON.parse(String(tags)) as string[]),
    );
  }

  insertApiKey(key: ApiKeyRecord): Promise<ApiKeyRecord> {
    return this.batcher.write(() => this.writes.insertApiKey(key));
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
    return this.batcher.write(() => this.writes.revokeApiKey(name, now));
  }

  touchApiKey(name: string, now: number): Promise<void> {
    return this.batcher.write(() => this.writes.touchApiKey(name, now));
  }

  async countFinished(since: number, bucketMs: number): Promise<FinishedCount[]> {
    return this.all(COUNT_FINISHED_SQL, { since, bucket: bucketMs }).map((r) => ({
      at: Number(r.t),
      state: r.to_state as JobState,
      count: Number(r.n),
    }));
  }

  purgeFinished(before: number, limit: number): Promise<number> {
    return this.batcher.write(() => this.writes.purgeFinished(before, limit));
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

// `%` works in integers even though node:sqlite binds JS numbers as REAL.
export const COUNT_FINISHED_SQL = `SELECT at - at % :bucket AS t, to_state, count(*) AS n FROM job_history
  WHERE at >= :since AND to_state IN ${TERMINAL}
  GROUP BY t, to_state ORDER BY t, to_state`;

// One pass over the leased jobs counts every worker's, rather than one pass per worker.
const WORKERS_SQL = `SELECT w.*, coalesce(r.n, 0) AS running FROM workers w
  LEFT JOIN (SELECT worker_id, count(*) AS n FROM jobs WHERE state IN ${LEASED} GROUP BY worker_id) r
    ON r.worker_id = w.id`;

/** Job search in SQLite's words: named parameters, tags through json_each, instr. */
function sqliteSearch(params: Params): SearchDialect {
  return {
    param(value) {
      const name = `p${Object.keys(params).length}`;
      params[name] = value as Params[string];
      return `:${name}`;
    },
    hasTag: (p) => `EXISTS (SELECT 1 FROM json_each(jobs.tags) AS t WHERE t.value = ${p})`,
    errorText: "error",
    position: (haystack, needle) => `instr(${haystack}, ${needle})`,
  };
}
