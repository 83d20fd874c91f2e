/**
 * The Store contract: every query flowy makes lives behind this interface, and one contract test
 * suite (test/integration/store-contract.ts) runs against each implementation. It exposes no
 * connection or transaction types. Time is always passed in (`now`, epoch ms); stores never read
 * the clock. Every write either happens whole or not at all, and is durable once its promise
 * resolves.
 *
 * Glossary: a *guard* is the optimistic-concurrency condition of a write (the job's `version` as
 * the caller read it); a write whose guard no longer holds changes nothing and returns undefined.
 */
import type { Task } from "../../shared/protocol.ts";
import type { JobState } from "../../shared/states.ts";
import type {
  ApiKeyRecord,
  ConcurrencyLimitRecord,
  HistoryInput,
  HistoryRecord,
  NewJob,
  JobRecord,
  PausedTagRecord,
  RateStartsRecord,
  WorkerBundleRecord,
  WorkerRecord,
} from "../model/records.ts";
import type { JobFilter } from "./job-search.ts";

export type { JobFilter, JobSort, SearchCursor, SortOrder } from "./job-search.ts";
import type { BundleStore } from "./bundle-store.ts";
import type { ScheduleStore } from "./schedule-store.ts";

export type {
  ApiKeyRecord,
  ConcurrencyLimitRecord,
  HistoryInput,
  HistoryRecord,
  NewJob,
  JobError,
  JobRecord,
  JobResult,
  PausedTagRecord,
  RateStartsRecord,
  WorkerBundleRecord,
  WorkerRecord,
} from "../model/records.ts";

/** Columns a transition may change; the store bumps `version` and sets `updatedAt` itself. */
export type JobPatch = Partial<
  Pick<
    JobRecord,
    | "state"
    | "attempt"
    | "runAt"
    | "workerId"
    | "leaseToken"
    | "leaseExpiresAt"
    | "deadlineAt"
    | "startedAt"
    | "finishedAt"
    | "result"
    | "error"
    | "tasks"
    | "reported"
  >
>;

export interface Transition {
  /**
   * The job as the caller read it: its id names the row and its version is the guard. Every write
   * to a job bumps its version, so the record at that version is the row, and the store can answer
   * with `applyPatch(job, patch, now)` instead of reading the row back.
   */
  job: JobRecord;
  patch: JobPatch;
  history: HistoryInput | null;
}

export interface ClaimRequest {
  workerId: string;
  tags: string[];
  capacity: number;
  now: number;
  /** The worker's name for this claim, stored on the jobs it leases. */
  claimId?: string | null;
  /**
   * The worker sent this claim before (its answer was lost): if jobs leased under `claimId` are
   * still held, answer with them instead of leasing more.
   */
  repeated?: boolean;
  /** The worker's kill grace (SIGTERM to SIGKILL), stored on the jobs it leases. */
  killGraceMs?: number | null;
  /**
   * The bundles the worker has installed (name@version): a job with a bundle is leased only when
   * its pinned version, or else its name's latest stored version, is among them.
   */
  bundles?: string[];
}

/** A heartbeat's lease renewal: it renews only while `leaseToken` holds the lease of `workerId`. */
export interface LeaseRenewal {
  id: string;
  leaseToken: string;
  workerId: string;
  now: number;
  /** The workflow's task states as the heartbeat reported them; null keeps those stored. */
  tasks: Task[] | null;
}

/** Bytes of one attempt's log, written at a byte offset (log-chunks.ts). */
export interface LogAppend {
  jobId: string;
  attempt: number;
  offset: number;
  data: string;
  now: number;
  /** Where the log is cut (default DEFAULT_MAX_LOG_BYTES). */
  maxBytes?: number;
}

export interface StoreStats {
  states: Partial<Record<JobState, number>>;
  queues: Array<{ tags: string[]; pending: number }>;
}

/** How many jobs reached one terminal state within one time bucket (from the history). */
export interface FinishedCount {
  /** Start of the bucket, epoch ms (a multiple of the bucket length). */
  at: number;
  state: JobState;
  count: number;
}

/** Pending jobs of one tag set (tags null: the sets beyond the largest ones, together). */
export interface BacklogGroup {
  tags: string[] | null;
  jobs: number;
  /** When the longest-waiting of them could first run (submit, or a later run_at), epoch ms. */
  oldestAt: number;
}

/** A concurrency key's jobs now: leased, pending, and the largest limit one carries itself. */
export interface ConcurrencyKeyUsage {
  key: string;
  leased: number;
  pending: number;
  jobLimit: number | null;
}

/** Connections of a store's pool, for the metrics (stores without a pool have none). */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface Store {
  readonly kind: "sqlite" | "postgres";
  /** Bundles: the archives daemons install (bundle-store.ts). */
  readonly bundles: BundleStore;
  /** Schedules: cron ticks that enqueue jobs, exactly once each (schedule-store.ts). */
  readonly schedules: ScheduleStore;

  /** Inserts the job, or returns the job already stored under its idempotency key. */
  insertJob(job: NewJob, history: HistoryInput): Promise<{ job: JobRecord; created: boolean }>;
  /**
   * Inserts every job in one transaction (all or none), each as insertJob would; answers in the
   * order given. Two jobs of one batch with the same idempotency key are one job.
   */
  insertJobs(
    jobs: Array<{ job: NewJob; history: HistoryInput }>,
  ): Promise<Array<{ job: JobRecord; created: boolean }>>;
  getJob(id: string): Promise<JobRecord | undefined>;
  /** Several jobs in one read, in the order asked; undefined for an id not stored. */
  getJobs(ids: string[]): Promise<Array<JobRecord | undefined>>;
  getHistory(id: string): Promise<HistoryRecord[]>;
  /** Jobs matching the filter, in its order, at most `limit` (server/store/job-search.ts). */
  listJobs(filter: JobFilter): Promise<JobRecord[]>;
  /** How many jobs the filter matches (the count a bulk action confirms). */
  countJobs(filter: Omit<JobFilter, "limit">): Promise<number>;

  /**
   * Leases up to `capacity` pending jobs whose tags the worker has and none of which is paused,
   * and whose concurrency key (if any) has a free slot and, under a rate, a start left in its
   * window — never more of one key than its limit, nor more starts per window than its rate,
   * across every claim at once (each claimed start is logged, rate-window.ts) — highest priority first, then oldest — or, for a claim id already used by this worker, answers with the jobs it leased.
   */
  claimJobs(req: ClaimRequest): Promise<JobRecord[]>;
  /** Applies each transition whose guard holds, all in one transaction; undefined where it did not. */
  applyTransitions(transitions: Transition[], now: number): Promise<Array<JobRecord | undefined>>;
  /**
   * Extends the lease when the token still holds it and `workerId` is the worker it was leased to
   * (bumping the version, so a reaper's expiry decided before the renewal no longer applies);
   * undefined when it does not. A token copied to another worker renews nothing.
   */
  renewLease(renewal: LeaseRenewal): Promise<JobRecord | undefined>;

  /**
   * Leased jobs whose lease expired by `leaseBefore`, or whose execution deadline plus the kill
   * grace its holder announced passed by `deadlineBefore`.
   */
  findExpired(leaseBefore: number, deadlineBefore: number, limit: number): Promise<JobRecord[]>;
  /** Moves scheduled jobs that are due to pending; returns them. */
  promoteDue(now: number, limit: number): Promise<JobRecord[]>;
  /** The soonest run_at among scheduled jobs, to know when to wake up. */
  nextRunAt(): Promise<number | null>;
  /** Awaiting jobs whose parent has reached a terminal state (or was deleted). */
  findReleasable(limit: number): Promise<Array<{ job: JobRecord; parentState: JobState }>>;
  runningForWorker(workerId: string): Promise<JobRecord[]>;

  /**
   * Appends at a byte offset; returns the log's length. Chunks already stored are not stored twice.
   * The log is cut at `maxBytes` with a marker line; past it, a chunk with new bytes is refused
   * with `log-full` (log-chunks.ts).
   */
  appendLog(chunk: LogAppend): Promise<number>;
  /** At most `maxBytes` bytes from `offset`, read as bytes (only those leave the database). */
  readLog(
    jobId: string,
    attempt: number,
    offset: number,
    maxBytes: number,
  ): Promise<{ data: Buffer; length: number }>;

  /** Registers the worker (again); registering ends a drain asked of its previous run. */
  upsertWorker(
    worker: Omit<WorkerRecord, "running" | "registeredAt" | "drainRequestedAt" | "bundles">,
    now: number,
  ): Promise<WorkerRecord>;
  /** Replaces what the worker reported of its bundles; false when there is no such worker. */
  setWorkerBundles(id: string, bundles: WorkerBundleRecord[], now: number): Promise<boolean>;
  /** Marks the worker as asked to drain; undefined when there is no such worker. */
  requestDrain(id: string, now: number): Promise<WorkerRecord | undefined>;
  touchWorkers(ids: string[], now: number): Promise<void>;
  getWorker(id: string): Promise<WorkerRecord | undefined>;
  listWorkers(): Promise<WorkerRecord[]>;

  stats(): Promise<StoreStats>;
  /**
   * Transitions into a terminal state at or after `since`, counted per `bucketMs` bucket and
   * state (buckets with none are left out). Read from the history, so a job that was requeued
   * and finished again counts each time, as a throughput chart expects.
   */
  countFinished(since: number, bucketMs: number): Promise<FinishedCount[]>;
  /**
   * Resolves once every write committed so far is durable. A store whose commits may be visible
   * before they are durable (SQLite here: the WAL is synced after COMMIT) has it; client-facing
   * reads wait on it, so a client never sees a state that a crash could take back.
   */
  settled?(): Promise<void>;
  /** Set once the store can no longer write (a failed disk sync): the server is then not ready. */
  failure?(): Error | undefined;
  /** The connection pool's occupancy, when the store has a pool. */
  poolStats?(): PoolStats;

  /**
   * Removes up to `limit` jobs that finished (or were deleted) before `before`, with their history
   * and logs, oldest first; returns how many. This is retention, not the `deleted` state.
   */
  purgeFinished(before: number, limit: number): Promise<number>;

  /** Pauses claims of jobs carrying `tag`; pausing it again keeps the first pause's time. */
  pauseTag(tag: string, now: number): Promise<PausedTagRecord>;
  /** Lets jobs carrying `tag` be claimed again; false when it was not paused. */
  resumeTag(tag: string): Promise<boolean>;
  /** Paused tags, in tag order. */
  listPausedTags(): Promise<PausedTagRecord[]>;

  /** Declares (or replaces) the limit (concurrency, rate) of the concurrency keys `pattern` matches. */
  setLimit(limit: ConcurrencyLimitRecord): Promise<ConcurrencyLimitRecord>;
  /** False when no limit was declared for `pattern`. */
  deleteLimit(pattern: string): Promise<boolean>;
  /** Declared limits, in pattern order. */
  listLimits(): Promise<ConcurrencyLimitRecord[]>;
  /** The start logs of rate-limited keys: of `key` only, or of every key with one. */
  rateStarts(key?: string): Promise<RateStartsRecord[]>;
  /** The start logs of rate-limited keys that have pending jobs (what may wake a claim later). */
  pendingRateStarts(): Promise<RateStartsRecord[]>;
  /** The leased (running or cancelling) jobs of a concurrency key, oldest first. */
  leasedWithKey(key: string): Promise<JobRecord[]>;
  /** Keys with leased or pending jobs, busiest first, at most `limit` (operator-sql.ts). */
  concurrencyKeyUsage(limit: number): Promise<ConcurrencyKeyUsage[]>;
  /** Pending jobs by tag set: the `top` largest sets, then the rest as one group (operator-sql.ts). */
  backlogByTags(top: number): Promise<BacklogGroup[]>;
  /** How many pending jobs come before this one in claim order (higher priority, then older). */
  countPendingAhead(priority: number, id: string): Promise<number>;

  /** Stores a new API key; refuses a name already used by an active key. */
  insertApiKey(key: ApiKeyRecord): Promise<ApiKeyRecord>;
  /** Keys not revoked, oldest first. */
  listApiKeys(): Promise<ApiKeyRecord[]>;
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  /** Revokes the named key; false when there is no such active key. */
  revokeApiKey(name: string, now: number): Promise<boolean>;
  touchApiKey(name: string, now: number): Promise<void>;
  close(): Promise<void>;
}
