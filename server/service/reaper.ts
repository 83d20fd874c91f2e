/**
 * The reaper keeps time-based transitions moving: leases that expired (retry with backoff or
 * timed_out), execution deadlines that passed (timed_out; canceled when a cancel was asked),
 * scheduled jobs that are due, and awaiting jobs whose parent finished. It wakes at the next due
 * time it knows of, and at least every `intervalMs`; with PostgreSQL only the replica holding
 * the leader lock runs it.
 */
import type { Logger } from "pino";
import type { JobRecord, Store, Transition } from "../store/store.ts";
import { planFailure, planTimeout } from "./job-transitions.ts";
import type { JobWriter } from "./job-writer.ts";
import { PassLoop, type SchedulePass } from "./pass-loop.ts";

/**
 * The worker enforces timeout_s itself and reports first; the server steps in after the kill grace
 * the lease holder announced (it may still be stopping the job until then) plus this margin.
 */
export const TIMEOUT_GRACE_MS = 5_000;

/** When the server may time out a job that ran past its deadline; null when it has none. */
export function timeoutReapAt(job: JobRecord): number | null {
  return job.deadlineAt === null ? null : job.deadlineAt + (job.killGraceMs ?? 0) + TIMEOUT_GRACE_MS;
}
const BATCH = 500;

export interface ReaperOptions {
  intervalMs: number;
  logger: Logger;
  /** Whether this replica may run the reaper now (leader election); always true on SQLite. */
  isLeader?: () => Promise<boolean>;
  /** Finished and deleted jobs older than this are removed with their history and logs; null keeps them. */
  retainMs?: number | null;
  schedule?: SchedulePass;
}

/** Retention runs at most this often, in batches, so it never holds up lease expiry. */
const PURGE_EVERY_MS = 60_000;
const PURGE_BATCH = 1_000;
const PURGE_BATCHES_PER_PASS = 10;

export class Reaper extends PassLoop {
  private readonly store: Store;
  private readonly writer: JobWriter;
  private readonly options: ReaperOptions;
  /** Whether the last pass ran (this replica led); a replica that does not lead waits a full interval. */
  private leading = true;
  private lastPurgeAt = Number.NEGATIVE_INFINITY;

  constructor(store: Store, writer: JobWriter, options: ReaperOptions) {
    super({ ...options, failureMessage: "reaper tick failed" });
    this.store = store;
    this.writer = writer;
    this.options = options;
  }

  protected async nextDelay(): Promise<number> {
    // Due times are the leader's business; asking again sooner would spin while a job is overdue.
    if (!this.leading) return this.options.intervalMs;
    const next = await this.store.nextRunAt().catch(() => null);
    const untilNext = next === null ? Number.POSITIVE_INFINITY : next - this.writer.now();
    return Math.max(0, Math.min(this.options.intervalMs, untilNext));
  }

  /** One pass over everything that is due; returns how many jobs it moved. */
  async tick(): Promise<number> {
    this.leading = !this.options.isLeader || (await this.options.isLeader());
    if (!this.leading) return 0;
    let moved = await this.expireLeases();
    const promoted = await this.store.promoteDue(this.writer.now(), BATCH * 2);
    this.writer.published(promoted);
    moved += promoted.length;
    moved += await this.writer.releaseAwaiting();
    await this.purge();
    return moved;
  }

  private async purge(): Promise<void> {
    const { retainMs } = this.options;
    const now = this.writer.now();
    if (!retainMs || now - this.lastPurgeAt < PURGE_EVERY_MS) return;
    this.lastPurgeAt = now;
    let purged = 0;
    for (let i = 0; i < PURGE_BATCHES_PER_PASS; i++) {
      const n = await this.store.purgeFinished(now - retainMs, PURGE_BATCH);
      purged += n;
      if (n < PURGE_BATCH) break;
    }
    if (purged > 0)
      this.options.logger.info({ purged, retain_ms: retainMs }, "removed finished jobs past retention");
  }

  private async expireLeases(): Promise<number> {
    const now = this.writer.now();
    const expired = await this.store.findExpired(now, now - TIMEOUT_GRACE_MS, BATCH);
    const transitions = expired
      .map((job) => this.planExpiry(job, now))
      .filter((t): t is Transition => t !== null);
    const results = await this.writer.apply(transitions);
    for (const job of results) {
      if (job)
        this.options.logger.warn(
          { job_id: job.id, worker_id: job.workerId, attempt: job.attempt, state: job.state },
          "lease expired",
        );
    }
    return results.filter(Boolean).length;
  }

  private planExpiry(job: JobRecord, now: number): Transition | null {
    const ctx = { now, workerId: job.workerId };
    const reapAt = timeoutReapAt(job);
    if (reapAt !== null && reapAt <= now) {
      return planTimeout(job, {}, { ...ctx, reason: `ran past its timeout of ${job.timeoutS}s` });
    }
    if (job.leaseExpiresAt !== null && job.leaseExpiresAt <= now) {
      const reason = `lease expired: worker ${job.workerId ?? "?"} stopped heartbeating`;
      return planFailure(
        job,
        "lease_expired",
        { error: { message: reason } },
        { ...ctx, reason, retryable: true },
      );
    }
    return null;
  }
}
