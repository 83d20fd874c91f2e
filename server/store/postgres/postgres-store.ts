/**
 * The scaled-out store on PostgreSQL: several server replicas share one database. A pool sized by
 * config; statements prepared once per connection (pg-executor.ts); migrations at open under an
 * advisory lock (migrate.ts). Every write is one statement or one transaction, durable once its
 * promise resolves (synchronous_commit as the server sets it, on by default).
 */
import pg from "pg";
import { FlowyError } from "../../../shared/errors.ts";
import type { JobState } from "../../../shared/states.ts";
import {
  applyPatch,
  columnOf,
  inOrderOf,
  rowToApiKey,
  rowToPausedTag,
  rowToHistory,
  rowToJob,
  rowToLimit,
  rowToRateStarts,
  rowToWorker,
} from "../job-row.ts";
import { freedKey } from "../../model/concurrency.ts";
import { countClauses, type SearchDialect, searchClauses } from "../job-search.ts";
import { rowToBacklogGroup, rowToKeyUsage } from "../operator-sql.ts";
import { DEFAULT_MAX_LOG_BYTES, joinLogPieces, planLogAppend } from "../log-chunks.ts";
import type {
  ApiKeyRecord,
  BacklogGroup,
  PausedTagRecord,
  ClaimRequest,
  ConcurrencyKeyUsage,
  ConcurrencyLimitRecord,
  RateStartsRecord,
  FinishedCount,
  HistoryInput,
  HistoryRecord,
  JobFilter,
  JobRecord,
  LeaseRenewal,
  LogAppend,
  NewJob,
  PoolStats,
  Store,
  StoreStats,
  Transition,
  WorkerBundleRecord,
  WorkerRecord,
} from "../store.ts";
import * as q from "./job-statements.ts";
import { migrate } from "./migrate.ts";
import { PG_MIGRATIONS } from "./migrations.ts";
import { clientConfig, type PgTarget, parsePgUrl } from "./pg-config.ts";
import { PgExecutor, type Row, type Statement, type Tx } from "./pg-executor.ts";
import { PgSchedules } from "./pg-schedules.ts";
import { insertJobStatement, insertJobStatements } from "./job-insert.ts";
import { PgBundles } from "./pg-bundles.ts";

export const DEFAULT_POOL_SIZE = 10;

export interface PostgresStoreOptions {
  /** postgres://… with an optional `schema` parameter. */
  url: string;
  poolSize?: number;
}

export class PostgresStore implements Store {
  readonly kind = "postgres" as const;
  readonly target: PgTarget;
  private readonly pool: pg.Pool;
  private readonly db: PgExecutor;
  readonly bundles: PgBundles;
  readonly schedules: PgSchedules;

  private constructor(target: PgTarget, poolSize: number) {
    this.target = target;
    this.pool = new pg.Pool({
      ...clientConfig(target, "flowy-server"),
      max: poolSize,
      idleTimeoutMillis: 30_000,
    });
    // An idle connection that breaks is dropped by the pool; the next query opens a new one.
    this.pool.on("error", () => undefined);
    this.db = new PgExecutor(this.pool);
    this.bundles = new PgBundles(this.db);
    this.schedules = new PgSchedules(this.db);
  }

  /** Connects and brings the schema up to date. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(parsePgUrl(options.url), options.poolSize ?? DEFAULT_POOL_SIZE);
    try {
      await store.checkDurable();
      await migrate(store.db, store.target.schema, PG_MIGRATIONS);
    } catch (error) {
      await store.pool.end();
      throw error;
    }
    return store;
  }

  /** The session's synchronous_commit, as the pool's connections have it. */
  async synchronousCommit(): Promise<string> {
    const [row] = await this.db.read(q.SHOW_SYNCHRONOUS_COMMIT);
    return String(row?.synchronous_commit ?? "");
  }

  /**
   * Refuses to run on connections whose commits are not flushed to disk before COMMIT returns
   * (synchronous_commit=off, e.g. forced by a connection pooler that drops startup options).
   */
  private async checkDurable(): Promise<void> {
    const setting = await this.synchronousCommit();
    if (setting === "off") {
      throw new FlowyError(
        "invalid-request",
        "PostgreSQL runs these connections with synchronous_commit=off: flowy would acknowledge commits a crash can undo",
        "Let flowy set synchronous_commit=on per connection (a pooler must pass startup options through), or remove the setting that forces it off.",
      );
    }
  }

  /** The database's clock, epoch ms: what replicas stamp leases and run_at times with. */
  async databaseNow(): Promise<number> {
    const [row] = await this.db.read(q.DATABASE_NOW);
    return Number(row?.now);
  }

  insertJob(job: NewJob, history: HistoryInput): Promise<{ job: JobRecord; created: boolean }> {
    return this.insertOne(job, history, this.db.write.bind(this.db), this.db.read.bind(this.db));
  }

  insertJobs(jobs: Array<{ job: NewJob; history: HistoryInput }>) {
    return this.db.transaction(async (tx) => {
      const inserted = new Map<string, JobRecord>();
      for (const { statement, values } of insertJobStatements(jobs))
        for (const row of await tx.query(statement, values)) inserted.set(String(row.id), rowToJob(row));
      const keys = jobs.filter(({ job }) => !inserted.has(job.id)).map(({ job }) => job.idempotencyKey);
      const holders = new Map<string, JobRecord>();
      if (keys.length > 0)
        for (const row of await tx.query(q.GET_BY_IDEMPOTENCY_KEYS, [keys]))
          holders.set(String(row.idempotency_key), rowToJob(row));
      return jobs.map(({ job }) => {
        const created = inserted.get(job.id);
        if (created) return { job: created, created: true };
        const holder = job.idempotencyKey === null ? undefined : holders.get(job.idempotencyKey);
        if (!holder) throw new Error(`job ${job.id} was neither inserted nor found by its idempotency key`);
        return { job: holder, created: false };
      });
    });
  }

  private async insertOne(
    job: NewJob,
    history: HistoryInput,
    write: (statement: Statement, values: unknown[]) => Promise<Row[]>,
    read: (statement: Statement, values: unknown[]) => Promise<Row[]>,
  ): Promise<{ job: JobRecord; created: boolean }> {
    const { statement, values } = insertJobStatement(job, history);
    const [row] = await write(statement, values);
    if (row) return { job: rowToJob(row), created: true };
    const [existing] = await read(q.GET_BY_IDEMPOTENCY_KEY, [job.idempotencyKey]);
    if (!existing) throw new Error(`job ${job.id} was neither inserted nor found by its idempotency key`);
    return { job: rowToJob(existing), created: false };
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    const [row] = await this.db.read(q.GET_JOB, [id]);
    return row ? rowToJob(row) : undefined;
  }

  async getJobs(ids: string[]): Promise<Array<JobRecord | undefined>> {
    if (ids.length === 0) return [];
    return inOrderOf(ids, (await this.db.read(q.GET_JOBS, [ids])).map(rowToJob));
  }

  async getHistory(id: string): Promise<HistoryRecord[]> {
    return (await this.db.read(q.GET_HISTORY, [id])).map(rowToHistory);
  }

  async listJobs(filter: JobFilter): Promise<JobRecord[]> {
    const values: unknown[] = [filter.limit];
    const { where, orderBy } = searchClauses(filter, postgresSearch(values));
    return (await this.db.read(q.listJobs(where, orderBy), values)).map(rowToJob);
  }

  async countJobs(filter: Omit<JobFilter, "limit">): Promise<number> {
    const values: unknown[] = [];
    const where = countClauses(filter, postgresSearch(values));
    return Number((await this.db.read(q.countJobs(where), values))[0]?.n ?? 0);
  }

  async claimJobs(req: ClaimRequest): Promise<JobRecord[]> {
    // One statement, its own transaction: retried only when it provably did not apply.
    const rows = await this.db.write(q.CLAIM, [
      req.workerId,
      JSON.stringify(req.tags),
      req.capacity,
      req.now,
      req.claimId ?? null,
      Boolean(req.claimId && req.repeated),
      req.killGraceMs ?? null,
      JSON.stringify(req.bundles ?? []),
    ]);
    return rows.map(rowToJob);
  }

  /**
   * One statement per set of columns the batch's patches set (a report's completions share one),
   * in one transaction; a job named twice goes in a later round, so its second transition is
   * decided against the first's version like any other conflict. Answers are built from the guard.
   */
  applyTransitions(transitions: Transition[], now: number): Promise<Array<JobRecord | undefined>> {
    if (transitions.length === 0) return Promise.resolve([]);
    const groups = groupForBatches(transitions);
    const apply = async (query: Tx["query"]) => {
      const results = new Array<JobRecord | undefined>(transitions.length);
      for (const group of groups) {
        const rows = await query(q.applyTransitionBatch(group.columns), [
          JSON.stringify(group.items.map(({ t }) => batchRow(t))),
          now,
        ]);
        const applied = new Set(rows.map((row) => String(row.id)));
        for (const { t, i } of group.items) {
          results[i] = applied.has(t.job.id) ? applyPatch(t.job, t.patch, now) : undefined;
        }
      }
      return results;
    };
    // One statement is its own transaction: no BEGIN and COMMIT round trips around it.
    if (groups.length === 1) return apply((statement, values) => this.db.write(statement, values));
    return this.db.transaction((tx) => apply(tx.query));
  }

  async renewLease({ id, leaseToken, workerId, now, tasks }: LeaseRenewal) {
    const [row] = await this.db.write(q.RENEW_LEASE, [
      id,
      leaseToken,
      now,
      tasks ? JSON.stringify(tasks) : null,
      workerId,
    ]);
    return row ? rowToJob(row) : undefined;
  }

  async findExpired(leaseBefore: number, deadlineBefore: number, limit: number): Promise<JobRecord[]> {
    return (await this.db.read(q.FIND_EXPIRED, [leaseBefore, deadlineBefore, limit])).map(rowToJob);
  }

  async promoteDue(now: number, limit: number): Promise<JobRecord[]> {
    return (await this.db.write(q.PROMOTE_DUE, [now, limit])).map(rowToJob);
  }

  async nextRunAt(): Promise<number | null> {
    const [row] = await this.db.read(q.NEXT_RUN_AT);
    return row?.t === null || row?.t === undefined ? null : Number(row.t);
  }

  async findReleasable(limit: number) {
    return (await this.db.read(q.FIND_RELEASABLE, [limit])).map((row) => ({
      job: rowToJob(row),
      parentState: row.parent_state as JobState,
    }));
  }

  async runningForWorker(workerId: string): Promise<JobRecord[]> {
    return (await this.db.read(q.RUNNING_FOR_WORKER, [workerId])).map(rowToJob);
  }

  appendLog({
    jobId,
    attempt,
    offset,
    data,
    now,
    maxBytes = DEFAULT_MAX_LOG_BYTES,
  }: LogAppend): Promise<number> {
    return this.db.transaction(async (tx) => {
      await tx.query(q.LOCK_LOG, [jobId, attempt]);
      const plan = planLogAppend(await logLength(tx, jobId, attempt), offset, data, maxBytes);
      if (plan.store) {
        await tx.query(q.INSERT_LOG_CHUNK, [jobId, attempt, plan.offset, plan.data.length, plan.data, now]);
      }
      return plan.length;
    });
  }

  async readLog(jobId: string, attempt: number, offset: number, maxBytes: number) {
    const rows = await this.db.read(q.READ_LOG, [jobId, attempt, offset, maxBytes]);
    const [length] = await this.db.read(q.LOG_LENGTH, [jobId, attempt]);
    return {
      data: joinLogPieces(rows as Array<{ start: string; data: Buffer }>, offset, maxBytes),
      length: Number(length?.length ?? 0),
    };
  }

  async upsertWorker(
    worker: Omit<WorkerRecord, "running" | "registeredAt">,
    now: number,
  ): Promise<WorkerRecord> {
    const values = [
      worker.id,
      worker.hostname,
      JSON.stringify(worker.tags),
      worker.capacity,
      worker.version,
      now,
    ];
    const [row] = await this.db.write(q.UPSERT_WORKER, values);
    return rowToWorker(row!);
  }

  async touchWorkers(ids: string[], now: number): Promise<void> {
    // Repeating it is harmless (it only moves last_seen_at), so it retries like a read.
    if (ids.length > 0) await this.db.read(q.TOUCH_WORKERS, [ids, now]);
  }

  async setWorkerBundles(id: string, bundles: WorkerBundleRecord[], now: number): Promise<boolean> {
    return (await this.db.write(q.SET_WORKER_BUNDLES, [id, JSON.stringify(bundles), now])).length > 0;
  }

  async requestDrain(id: string, now: number): Promise<WorkerRecord | undefined> {
    const rows = await this.db.write(q.REQUEST_DRAIN, [id, now]);
    return rows.length > 0 ? this.getWorker(id) : undefined;
  }

  async getWorker(id: string): Promise<WorkerRecord | undefined> {
    const [row] = await this.db.read(q.GET_WORKER, [id]);
    return row ? rowToWorker(row) : undefined;
  }

  async listWorkers(): Promise<WorkerRecord[]> {
    return (await this.db.read(q.LIST_WORKERS)).map(rowToWorker);
  }

  async stats(): Promise<StoreStats> {
    const states = Object.fromEntries(
      (await this.db.read(q.COUNT_BY_STATE)).map((r) => [String(r.state), Number(r.n)]),
    );
    const queues = (await this.db.read(q.PENDING_BY_TAGS)).map((r) => ({
      tags: r.tags as string[],
      pending: Number(r.n),
    }));
    return { states, queues };
  }

  async countFinished(since: number, bucketMs: number): Promise<FinishedCount[]> {
    const rows = await this.db.read(q.COUNT_FINISHED, [since, bucketMs]);
    return rows.map((r) => ({ at: Number(r.t), state: r.to_state as JobState, count: Number(r.n) }));
  }

  async purgeFinished(before: number, limit: number): Promise<number> {
    return (await this.db.write(q.PURGE_FINISHED, [before, limit])).length;
  }

  poolStats(): PoolStats {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  async pauseTag(tag: string, now: number): Promise<PausedTagRecord> {
    const [row] = await this.db.write(q.PAUSE_TAG, [tag, now]);
    return rowToPausedTag(row!);
  }

  async resumeTag(tag: string): Promise<boolean> {
    return (await this.db.write(q.RESUME_TAG, [tag])).length > 0;
  }

  async listPausedTags(): Promise<PausedTagRecord[]> {
    return (await this.db.read(q.LIST_PAUSED_TAGS)).map(rowToPausedTag);
  }

  async setLimit(limit: ConcurrencyLimitRecord): Promise<ConcurrencyLimitRecord> {
    const { pattern, concurrency, rate } = limit;
    const [row] = await this.db.write(q.SET_LIMIT, [
      pattern,
      concurrency,
      rate?.limit ?? null,
      rate?.windowMs ?? null,
    ]);
    return rowToLimit(row!);
  }

  async deleteLimit(pattern: string): Promise<boolean> {
    return (await this.db.write(q.DELETE_LIMIT, [pattern])).length > 0;
  }

  async leasedWithKey(key: string): Promise<JobRecord[]> {
    return (await this.db.read(q.LEASED_WITH_KEY, [key])).map(rowToJob);
  }

  async countPendingAhead(priority: number, id: string): Promise<number> {
    const [row] = await this.db.read(q.COUNT_PENDING_AHEAD, [priority, id]);
    return Number(row?.n ?? 0);
  }

  async listLimits(): Promise<ConcurrencyLimitRecord[]> {
    return (await this.db.read(q.LIST_LIMITS)).map(rowToLimit);
  }

  async rateStarts(key?: string): Promise<RateStartsRecord[]> {
    return (await this.db.readAllOrOf(q.RATE_STARTS, q.RATE_STARTS_OF, key)).map(rowToRateStarts);
  }

  async pendingRateStarts(): Promise<RateStartsRecord[]> {
    return (await this.db.read(q.PENDING_RATE_STARTS)).map(rowToRateStarts);
  }

  async concurrencyKeyUsage(limit: number): Promise<ConcurrencyKeyUsage[]> {
    return (await this.db.read(q.CONCURRENCY_KEY_USAGE, [limit])).map(rowToKeyUsage);
  }

  async backlogByTags(top: number): Promise<BacklogGroup[]> {
    return (await this.db.read(q.BACKLOG_BY_TAGS, [top])).map((row) =>
      rowToBacklogGroup(row, (tags) => tags as string[]),
    );
  }

  insertApiKey(key: ApiKeyRecord): Promise<ApiKeyRecord> {
    return this.db.transaction(async (tx) => {
      await tx.query(q.FREE_KEY_NAME, [key.name]);
      const values = [key.name, key.role, key.keyHash, key.prefix, key.createdAt];
      const [row] = await tx.query(q.INSERT_API_KEY, values);
      return rowToApiKey(row!);
    });
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return (await this.db.read(q.LIST_API_KEYS)).map(rowToApiKey);
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const [row] = await this.db.read(q.FIND_API_KEY, [keyHash]);
    return row ? rowToApiKey(row) : undefined;
  }

  async revokeApiKey(name: string, now: number): Promise<boolean> {
    return (await this.db.write(q.REVOKE_API_KEY, [name, now])).length > 0;
  }

  async touchApiKey(name: string, now: number): Promise<void> {
    // Repeating it is harmless (it only moves last_used_at), so it retries like a read.
    await this.db.read(q.TOUCH_API_KEY, [name, now]);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

interface BatchGroup {
  columns: string[];
  items: Array<{ t: Transition; i: number }>;
}

/**
 * Transitions grouped by the columns they set, each group naming a job at most once; a job's
 * later transition goes in a later group, so the one made first is applied first.
 */
function groupForBatches(transitions: Transition[]): BatchGroup[] {
  const groups: BatchGroup[] = [];
  const lastGroupOf = new Map<string, number>();
  transitions.forEach((t, i) => {
    const columns = Object.keys(t.patch)
      .filter((field) => t.patch[field as keyof typeof t.patch] !== undefined)
      .map(columnOf)
      .sort();
    const key = columns.join(",");
    const after = lastGroupOf.get(t.job.id) ?? -1;
    let index = groups.findIndex((g, n) => n > after && g.columns.join(",") === key);
    if (index < 0) index = groups.push({ columns, items: [] }) - 1;
    groups[index]!.items.push({ t, i });
    lastGroupOf.set(t.job.id, index);
  });
  return groups;
}

/** One transition as a row of the batch statement's recordset (jsonb columns stay JSON). */
function batchRow(t: Transition): Record<string, unknown> {
  const row: Record<string, unknown> = { id: t.job.id, version: t.job.version };
  for (const [field, value] of Object.entries(t.patch)) {
    if (value !== undefined) row[columnOf(field)] = value;
  }
  const freed = freedKey(t);
  if (freed !== null) row.freed = freed;
  if (t.history) {
    row.h_from = t.history.from;
    row.h_to = t.history.to;
    row.h_event = t.history.event;
    row.h_reason = t.history.reason ?? null;
    row.h_worker = t.history.workerId ?? null;
  }
  return row;
}

async function logLength(tx: Tx, jobId: string, attempt: number): Promise<number> {
  const [row] = await tx.query(q.LOG_LENGTH, [jobId, attempt]);
  return Number((row as Row | undefined)?.length ?? 0);
}

/** Job search in PostgreSQL's words: $n parameters, jsonb containment, strpos. */
function postgresSearch(values: unknown[]): SearchDialect {
  return {
    param(value) {
      values.push(value);
      return `$${values.length}`;
    },
    hasTag: (p) => `tags @> jsonb_build_array(${p}::text)`,
    errorText: "error::text",
    position: (haystack, needle) => `strpos(${haystack}, ${needle})`,
  };
}
