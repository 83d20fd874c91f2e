/**
 * The server's records of jobs, their history and workers: camelCase, times as epoch ms. The
 * store produces them, the service decides on them, the HTTP layer maps them to the wire.
 */
import type { Rate } from "../../shared/rate.ts";
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
  /** At most a limit of the jobs sharing this key run at once (see ConcurrencyLimitRecord). */
  concurrencyKey: string | null;
  /** This job's own limit for its key; else a declared limit's, else 1. */
  concurrencyLimit: number | null;
  /** spec.bundle's name: only a worker with the bundle installed may claim the job. */
  bundleName: string | null;
  /** spec.bundle's pinned version; null: the latest stored version at claim time. */
  bundleVersion: string | null;
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
  /** Grows by one with every lease of the job (claim), cluster-wide: the attempt's FLOWY_FENCE. */
  fence: number;
  /**
   * The SIGTERM-to-SIGKILL grace the lease holder announced at claim (null: it said nothing): the
   * reaper waits this long past the execution deadline, plus its margin, so it never requeues a
   * job whose worker is still stopping it.
   */
  killGraceMs: number | null;
  version: number;
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

export interface WorkerRecord {
  id: string;
  hostname: string;
  tags: string[];
  capacity: number;
  version: string | null;
  registeredAt: number;
  lastSeenAt: number;
  running: number;
  /** When an operator asked the worker to drain (stop claiming, finish, exit); null otherwise. */
  drainRequestedAt: number | null;
  /** What the worker last reported of its bundles (POST /workers/{id}/bundles); [] before that. */
  bundles: WorkerBundleRecord[];
}

/** One bundle version on a worker: installed, or its install failed (`error`, at `at`). */
export interface WorkerBundleRecord {
  name: string;
  version: string;
  status: "installed" | "failed";
  error: string | null;
  at: number | null;
}

/** A worker not seen for this long is "lost" (shown so, and not counted as able to run jobs). */
export const WORKER_LOST_AFTER_MS = 60_000;

export type Role = "admin" | "client" | "worker";

export interface ApiKeyRecord {
  name: string;
  role: Role;
  /** sha256 of the key, hex; the key itself is never stored. */
  keyHash: string;
  /** The key's first characters, so a person can tell keys apart. */
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** A tag whose jobs are not claimed until it is resumed (jobs already running finish). */
export interface PausedTagRecord {
  tag: string;
  pausedAt: number;
}

/**
 * A declared limit for the concurrency keys a glob pattern (`customer-*`) matches: how many of a
 * key's jobs run at once (null: no cap) and how many may start per window (null: no rate).
 */
export interface ConcurrencyLimitRecord {
  pattern: string;
  concurrency: number | null;
  rate: Rate | null;
}

/** The start times (epoch ms) the claim logged for a rate-limited key; older ones may remain. */
export interface RateStartsRecord {
  key: string;
  starts: number[];
}

/** A job as submitted; its fence starts at 0 and only claims move it (and set its kill grace). */
export type NewJob = Omit<JobRecord, "version" | "updatedAt" | "fence" | "killGraceMs">;

/** The history row a write adds for a job. */
export interface HistoryInput {
  event: string;
  from: JobState | null;
  to: JobState;
  reason?: string | null;
  workerId?: string | null;
}
