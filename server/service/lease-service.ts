/**
 * What workers do: register, claim under a lease, renew it, report the outcome, ship logs.
 * Fencing: every claim mints a new lease token; a call with a token that no longer holds the
 * lease is refused with lease-lost and changes nothing. A repeated complete/failed with the
 * token that made it gets the same answer, so workers can retry reports safely.
 */
import { hostname } from "node:os";
import { FlowyError, leaseLost, notFound } from "../../shared/errors.ts";
import { newWorkerId } from "../../shared/ids.ts";
import type { Task } from "../../shared/protocol.ts";
import type {
  ClaimQuery,
  HeartbeatAnswer,
  Outcome,
  ReportAnswer,
  ReportEntry,
  WorkerRegistration,
} from "../model/lease-requests.ts";
import { isLeased } from "../../shared/states.ts";
import { DEFAULT_MAX_LOG_BYTES, LogGapError } from "../store/log-chunks.ts";
import type { JobPatch, JobRecord, Store, Transition, WorkerRecord } from "../store/store.ts";
import type { ClaimWaiters } from "./claim-waiters.ts";
import { RateWake } from "./rate-wake.ts";
import { planCompletion, planFailure, planRelease, planTimeout } from "./job-transitions.ts";
import type { Decision, JobWriter } from "./job-writer.ts";
import { LeasedRecords } from "./leased-records.ts";
import { WorkerPresence } from "./worker-presence.ts";

/** Well under V8's string limit (~512 MiB) and what a worker wants to parse at once. */
export const DEFAULT_MAX_CLAIM_ANSWER_BYTES = 32 * 1_048_576;
/** A job's fields besides its spec and inputs, generously. */
const JOB_ANSWER_OVERHEAD = 4096;

export class LeaseService {
  private readonly store: Store;
  private readonly writer: JobWriter;
  private readonly waiters: ClaimWaiters;
  private readonly presence: WorkerPresence;
  /** Wakes this replica's claim waiters when a rate-limited key's window next opens. */
  readonly rateWake: RateWake;
  /** What claims and heartbeats answered: reports are decided on these without a read. */
  private readonly leased: LeasedRecords;

  /** Each attempt's log is cut at this many bytes (log-chunks.ts). */
  private readonly maxLogBytes: number;
  /** A claim answer's jobs (specs and inputs) stay under this many bytes. */
  private readonly maxClaimAnswerBytes: number;

  constructor(
    store: Store,
    writer: JobWriter,
    waiters: ClaimWaiters,
    options: { maxLogBytes?: number; maxClaimAnswerBytes?: number; leased?: LeasedRecords } = {},
  ) {
    this.maxLogBytes = options.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES;
    this.maxClaimAnswerBytes = options.maxClaimAnswerBytes ?? DEFAULT_MAX_CLAIM_ANSWER_BYTES;
    const leased = options.leased ?? new LeasedRecords();
    this.store = store;
    this.writer = writer;
    this.waiters = waiters;
    this.presence = new WorkerPresence(store);
    this.rateWake = new RateWake(store, waiters, () => writer.now());
    this.leased = leased;
  }

  register(worker: WorkerRegistration): Promise<WorkerRecord> {
    const host = worker.hostname ?? hostname();
    return this.store.upsertWorker(
      {
        id: worker.workerId ?? newWorkerId(host),
        hostname: host,
        tags: worker.tags,
        capacity: worker.capacity,
        version: worker.version,
        lastSeenAt: this.writer.now(),
      },
      this.writer.now(),
    );
  }

  /** `repeated`: the worker sent this very claim before (its answer may have been lost). */
  async claim(query: ClaimQuery, signal?: AbortSignal, repeated = false): Promise<JobRecord[]> {
    const { tags } = query;
    const start = this.writer.now();
    // Started together, the touch and the first claim attempt share one transaction.
    const touched = this.presence.seen(query.workerId, start);
    const deadline = start + query.waitMs;
    const claimed = this.waiters.poll(
      { tags, bundles: query.bundles },
      deadline,
      () => this.writer.now(),
      signal,
      async () => {
        const now = this.writer.now();
        const started = performance.now();
        const jobs = await this.store.claimJobs({
          workerId: query.workerId,
          tags,
          capacity: query.capacity,
          now,
          claimId: query.claimId,
          repeated,
          killGraceMs: query.killGraceMs,
          bundles: query.bundles,
        });
        this.writer.observer.claimed(jobs, (performance.now() - started) / 1000, now);
        this.writer.published(jobs);
        this.leased.remember(jobs);
        if (jobs.length < query.capacity) this.rateWake.claimedShort();
        return jobs;
      },
    );
    const [jobs] = await Promise.all([claimed, touched]);
    return this.withinAnswerLimit(jobs);
  }

  /**
   * A claim answer holds every job's spec and inputs: many large jobs could pass what one
   * response (one JSON string) can hold. Past the limit the rest are given back at once (their
   * attempt returned) for the next claim; the first job always goes out.
   */
  private async withinAnswerLimit(jobs: JobRecord[]): Promise<JobRecord[]> {
    let bytes = 0;
    const fits = jobs.findIndex((job, i) => {
      bytes += JOB_ANSWER_OVERHEAD + Buffer.byteLength(JSON.stringify([job.spec, job.inputs]));
      return i > 0 && bytes > this.maxClaimAnswerBytes;
    });
    if (fits === -1) return jobs;
    await this.release(jobs.slice(fits), "the claim's answer was full; handed out to a later claim");
    return jobs.slice(0, fits);
  }

  /**
   * Gives back jobs a claim leased whose answer never reached the worker. Guarded by the version
   * the claim left: a job the worker did get after all (its retried claim renewed the lease) or
   * reported on is not touched. Answers the jobs released.
   */
  async release(jobs: JobRecord[], reason: string): Promise<JobRecord[]> {
    const now = this.writer.now();
    for (const job of jobs) this.leased.forget(job.id);
    const written = await this.writer.apply(
      jobs.map((job) => planRelease(job, { now, reason, workerId: job.workerId })),
    );
    return written.filter((job): job is JobRecord => job !== undefined);
  }

  async heartbeat(
    id: string,
    leaseToken: string,
    workerId: string,
    tasks: Task[] | null,
  ): Promise<HeartbeatAnswer> {
    const job = await this.store.renewLease({ id, leaseToken, workerId, now: this.writer.now(), tasks });
    if (!job) throw await this.whyNotHeld(id, leaseToken, workerId);
    this.leased.remember([job]);
    if (tasks) this.writer.published([job]);
    return { job, cancelRequested: job.state === "cancelling" };
  }

  report(id: string, leaseToken: string, workerId: string, outcome: Outcome): Promise<JobRecord> {
    return this.writer.mutate(id, (job) => this.decideReport(job, leaseToken, workerId, outcome));
  }

  /**
   * A batch of heartbeats and reports, each with its own token and its own answer. Reports are
   * decided on one read of all their jobs and written in one transaction; any that raced a
   * concurrent write are retried one by one.
   */
  async reportBatch(workerId: string, entries: ReportEntry[]): Promise<ReportAnswer[]> {
    const touched = this.presence.seen(workerId, this.writer.now());
    const results = new Array<ReportAnswer>(entries.length);
    const reports = entries.flatMap((entry, index) => (entry.kind === "outcome" ? [{ entry, index }] : []));
    const [, read] = await Promise.all([
      this.heartbeats(workerId, entries, results),
      this.recordsOf(
        reports.map(({ entry }) => entry),
        workerId,
      ),
    ]);
    const pending: Array<{ index: number; entry: OutcomeEntry; transition: Transition }> = [];
    let answeredOnRead = false;
    reports.forEach(({ entry, index }, i) => {
      try {
        const job = read[i];
        if (!job) throw notFound("Job", entry.jobId);
        const decision = this.decideReport(job, entry.leaseToken, workerId, entry.outcome);
        if ("answer" in decision) {
          results[index] = answered(decision.answer);
          answeredOnRead = true;
        } else pending.push({ index, entry, transition: decision.transition });
      } catch (error) {
        results[index] = refused(entry.jobId, error);
      }
    });
    const written = await this.writer.apply(pending.map((p) => p.transition));
    await Promise.all(
      pending.map(async ({ index, entry }, i) => {
        // Its lease has ended, or the record it was decided on was stale: either way, not ours now.
        this.leased.forget(entry.jobId);
        try {
          const job =
            written[i] ?? (await this.report(entry.jobId, entry.leaseToken, workerId, entry.outcome));
          results[index] = answered(job);
        } catch (error) {
          results[index] = refused(entry.jobId, error);
        }
      }),
    );
    await touched;
    if (answeredOnRead) await this.writer.durable(undefined);
    return results;
  }

  /**
   * The reported jobs' records: as this server last leased them to the reporting lease, else read
   * in one go. Only a record that says the report's token holds the lease is used unread: a
   * refusal or a repeated report's answer is always decided on the stored row.
   */
  private async recordsOf(entries: OutcomeEntry[], workerId: string): Promise<Array<JobRecord | undefined>> {
    const records = entries.map(({ jobId, leaseToken }) => {
      const job = this.leased.get(jobId);
      return job && holds(job, leaseToken, workerId) ? job : undefined;
    });
    const missing = entries.filter((_, i) => records[i] === undefined).map((entry) => entry.jobId);
    if (missing.length === 0) return records;
    const read = await this.store.getJobs(missing);
    let next = 0;
    return records.map((record) => record ?? read[next++]);
  }

  /** The batch's heartbeats, each answered in `results` at its own index. */
  private async heartbeats(workerId: string, entries: ReportEntry[], results: ReportAnswer[]): Promise<void> {
    await Promise.all(
      entries.map(async (entry, index) => {
        if (entry.kind !== "heartbeat") return;
        try {
          const { job, cancelRequested } = await this.heartbeat(
            entry.jobId,
            entry.leaseToken,
            workerId,
            entry.tasks,
          );
          results[index] = { ...answered(job), cancelRequested };
        } catch (error) {
          results[index] = refused(entry.jobId, error);
        }
      }),
    );
  }

  private decideReport(job: JobRecord, leaseToken: string, workerId: string, outcome: Outcome): Decision {
    if (job.leaseToken === leaseToken && !isLeased(job.state) && job.reported === outcome.kind) {
      return { answer: job };
    }
    if (!holds(job, leaseToken, workerId)) throw notHeldBecause(job, leaseToken, workerId);
    const now = this.writer.now();
    const ctx = { now, workerId };
    const tasks = outcome.tasks ?? job.tasks;
    if (outcome.kind === "complete") {
      const result = {
        exit_code: outcome.exitCode ?? 0,
        outputs: outcome.outputs,
        duration_ms: outcome.durationMs,
      };
      return { transition: planCompletion(job, { result, tasks, reported: "complete" }, ctx) };
    }
    const patch: JobPatch = {
      error: {
        message: outcome.message,
        exit_code: outcome.exitCode,
        stderr_tail: outcome.stderrTail,
      },
      result: { exit_code: outcome.exitCode, duration_ms: outcome.durationMs },
      tasks,
      reported: "failed",
    };
    const reason = outcome.message.slice(0, 500);
    if (outcome.timedOut) return { transition: planTimeout(job, patch, { ...ctx, reason }) };
    return { transition: planFailure(job, "fail", patch, { ...ctx, reason, retryable: outcome.retryable }) };
  }

  async appendLog(
    id: string,
    leaseToken: string,
    workerId: string,
    offset: number,
    data: string,
  ): Promise<number> {
    const job = await this.store.getJob(id);
    if (!job) throw notFound("Job", id);
    if (!holds(job, leaseToken, workerId)) throw notHeldBecause(job, leaseToken, workerId);
    try {
      const length = await this.store.appendLog({
        jobId: id,
        attempt: job.attempt,
        offset,
        data,
        now: this.writer.now(),
        maxBytes: this.maxLogBytes,
      });
      this.writer.logAppended(job);
      return length;
    } catch (error) {
      if (!(error instanceof LogGapError)) throw error;
      throw new FlowyError(
        "log-gap",
        `Log chunk for job ${id} starts at byte ${offset} but the stored log has ${error.expectedOffset} bytes`,
        `Send again from offset ${error.expectedOffset}.`,
        { expected_offset: error.expectedOffset },
      );
    }
  }

  async running(workerId: string): Promise<JobRecord[]> {
    return this.writer.durable(await this.store.runningForWorker(workerId));
  }

  private async whyNotHeld(id: string, leaseToken: string, workerId: string): Promise<FlowyError> {
    const job = await this.store.getJob(id);
    if (!job) return notFound("Job", id);
    return notHeldBecause(job, leaseToken, workerId);
  }
}

type OutcomeEntry = Extract<ReportEntry, { kind: "outcome" }>;

function answered(job: JobRecord): Extract<ReportAnswer, { ok: true }> {
  return { jobId: job.id, ok: true, job };
}

/**
 * Whether `leaseToken` holds the job's lease for `workerId`. Reports are bound to the worker the
 * lease was granted to: a token read by someone else (a job on that worker, a log) is useless
 * from any other worker id.
 */
function holds(job: JobRecord, leaseToken: string, workerId: string): boolean {
  return job.leaseToken === leaseToken && job.workerId === workerId && isLeased(job.state);
}

function notHeldBecause(job: JobRecord, leaseToken: string, workerId: string): FlowyError {
  if (job.leaseToken !== leaseToken) return leaseLost(job.id, "another lease holds it");
  if (job.workerId !== workerId) return leaseLost(job.id, `the lease is held by another worker`);
  return leaseLost(job.id, `the lease ended (${job.state})`);
}

function refused(jobId: string, error: unknown): ReportAnswer {
  return { jobId, ok: false, error };
}
