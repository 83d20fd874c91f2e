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
import type { JobSpec, Task } from "../../shared/protocol.ts";
import type { Backoff } from "../../shared/retry-policy.ts";
import type { JobState } from "../../shared/states.ts";

export interface JobResult {
  exit_code?: number | null;
  outputs?: Record<string, unknown>;
  duration_ms?: number | null;
}
export interface JobError {
  message: string;
  exit_code?: number | null;
  stderr_tail?: string | null;
}

export interface JobRecord {
  id: string;
  name: string;
  state: JobState;
  tags: string[];
  priority: number;
  spec: JobSpec;
  inputs: Record<string, unknown>;
  attempt: number;
  maxAttempts: number;
  backoff: Backoff;
  timeoutS: number | null;
  leaseS: number;
  runAt: number | null;
  parentId: string | null;
  idempotencyKey: string | null;
  requestHash: string | null;
  workerId: string | null;
  leaseToken: string | null;
  leaseExpiresAt: number | null;
  deadlineAt: number | null;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  result: JobResult | null;
  error: JobError | null;
  tasks: Task[] | null;
  /** Which report the holder of `leaseToken` made ("complete" | "failed"), so a repeat gets the same answer. */
  reported: "complete" | "failed" | null;
  version: number;
}

export type NewJob = Omit<JobRecord, "version" | "updatedAt">;

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

export interface HistoryInput {
  event: string;
  from: JobState | null;
  to: JobState;
  reason?: string | null;
  workerId?: string | null;
}

export interface HistoryRecord {
  at: number;
  from: JobState | null;
  to: JobState;
  event: string;
  reason: string | null;
  workerId: string | null;
  attempt: number;
}

export interface Transition {
  id: string;
  /** The job's version as the caller read it. */
  version: number;
  patch: JobPatch;
  history: HistoryInput | null;
}

export interface ClaimRequest {
  workerId: string;
  tags: string[];
  capacity: number;
  now: number;
}

export interface JobFilter {
  states?: JobState[];
  tag?: string;
  name?: string;
  workerId?: string;
  /** Jobs with an id below this one (ids are time-sortable; lists go newest first). */
  beforeId?: string;
  limit: number;
}

export interface WorkerRecord {
  id: string;
  hostname: string;
  tags: string[];
  capacity: number;
  version: string | null;
  registeredAt: number;
  lastSeenAt: number;
  running: number;
}

export interface StoreStats {
  states: Partial<Record<JobState, number>>;
  queues: Array<{ tags: string[]; pending: number }>;
}

export interface Store {
  readonly kind: "sqlite" | "postgres";

  /** Inserts the job, or returns the job already stored under its idempotency key. */
  insertJob(job: NewJob, history: HistoryInput): Promise<{ job: JobRecord; created: boolean }>;
  getJob(id: string): Promise<JobRecord | undefined>;
  getHistory(id: string): Promise<HistoryRecord[]>;
  listJobs(filter: JobFilter): Promise<JobRecord[]>;

  /** Leases up to `capacity` pending jobs whose tags the worker has, highest priority first, then oldest. */
  claimJobs(req: ClaimRequest): Promise<JobRecord[]>;
  /** Applies each transition whose guard holds, all in one transaction; undefined where it did not. */
  applyTransitions(transitions: Transition[], now: number): Promise<Array<JobRecord | undefined>>;
  /** Extends the lease when the token still holds it; undefined when it does not. */
  renewLease(id: string, leaseToken: string, now: number, tasks: Task[] | null): Promise<JobRecord | undefined>;

  /** Leased jobs whose lease expired by `leaseBefore` or whose execution deadline passed by `deadlineBefore`. */
  findExpired(leaseBefore: number, deadlineBefore: number, limit: number): Promise<JobRecord[]>;
  /** Moves scheduled jobs that are due to pending; returns them. */
  promoteDue(now: number, limit: number): Promise<JobRecord[]>;
  /** The soonest run_at among scheduled jobs, to know when to wake up. */
  nextRunAt(): Promise<number | null>;
  /** Awaiting jobs whose parent has reached a terminal state (or was deleted). */
  findReleasable(limit: number): Promise<Array<{ job: JobRecord; parentState: JobState }>>;
  runningForWorker(workerId: string): Promise<JobRecord[]>;

  /** Appends at a byte offset; returns the log's length. Chunks already stored are not stored twice. */
  appendLog(jobId: string, attempt: number, offset: number, data: string, now: number): Promise<number>;
  readLog(jobId: string, attempt: number, offset: number, maxBytes: number): Promise<{ data: string; length: number }>;

  upsertWorker(worker: Omit<WorkerRecord, "running" | "registeredAt">, now: number): Promise<WorkerRecord>;
  touchWorkers(ids: string[], now: number): Promise<void>;
  getWorker(id: string): Promise<WorkerRecord | undefined>;
  listWorkers(): Promise<WorkerRecord[]>;

  stats(): Promise<StoreStats>;
  close(): Promise<void>;
}
