/**
 * What workers do: register, claim under a lease, renew it, report the outcome, ship logs.
 * Fencing: every claim mints a new lease token; a call with a token that no longer holds the
 * lease is refused with lease-lost and changes nothing. A repeated complete/failed with the
 * token that made it gets the same answer, so workers can retry reports safely.
 */
import { hostname } from "node:os";
import { FlowyError, leaseLost, notFound } from "../../shared/errors.ts";
import { newWorkerId } from "../../shared/ids.ts";
import type {
  Claim,
  Complete,
  Failed,
  RegisterWorker,
  ReportItem,
  ReportResult,
} from "../../shared/protocol.ts";
import { isLeased } from "../../shared/states.ts";
import { LogGapError } from "../store/log-chunks.ts";
import type { JobPatch, JobRecord, Store, Transition, WorkerRecord } from "../store/store.ts";
import type { ClaimWaiters } from "./claim-waiters.ts";
import { planCompletion, planFailure, planRelease, planTimeout } from "./job-transitions.ts";
import type { Decision, JobWriter } from "./job-writer.ts";
import { LeasedRecords } from "./leased-records.ts";
import { WorkerPresence } from "./worker-presence.ts";

export type Outcome =
  | ({ kind: "complete" } & Omit<Complete, "worker_id" | "lease_token">)
  | ({ kind: "failed" } & Omit<Failed, "worker_id" | "lease_token">);

export class LeaseService {
  private readonly store: Store;
  private readonly writer: JobWriter;
  private readonly waiters: ClaimWaiters;
  private readonly presence: WorkerPresence;
  /** What claims and heartbeats answered: reports are decided on these without a read. */
  private readonly leased: LeasedRecords;

  constructor(store: Store, writer: JobWriter, waiters: ClaimWaiters, leased = new LeasedRecords()) {
    this.store = store;
    this.writer = writer;
    this.waiters = waiters;
    this.presence = new WorkerPresence(store);
    this.leased = leased;
  }

  register(body: RegisterWorker): Promise<WorkerRecord> {
    const host = body.hostname ?? hostname();
    return this.store.upsertWorker(
      {
        id: body.worker_id ?? newWorkerId(host),
        hostname: host,
        tags: body.tags ?? [],
        capacity: body.capacity,
        version: body.version ?? null,
        lastSeenAt: this.writer.now(),
      },
      this.writer.now(),
    );
  }

  /** `repeated`: the worker sent this very claim before (its answer may have been lost). */
  async claim(body: Claim, signal?: AbortSignal, repeated = false): Promise<JobRecord[]> {
    const tags = body.tags ?? [];
    const start = this.writer.now();
    // Started together, the touch and the first claim attempt share one transaction.
    const touched = this.presence.seen(body.worker_id, start);
    const deadline = start + (body.wait_s ?? 0) * 1000;
    const claimed = this.waiters.poll(
      tags,
      deadline,
      () => this.writer.now(),
      signal,
      async () => {
        const now = this.writer.now();
        const started = performance.now();
        const jobs = await this.store.claimJobs({
          workerId: body.worker_id,
          tags,
          capacity: body.capacity,
          now,
          claimId: body.claim_id ?? null,
          repeated,
        });
        this.writer.observer.claimed(jobs, (performance.now() - started) / 1000, now);
        this.writer.published(jobs);
        this.leased.remember(jobs);
        return jobs;
      },
    );
    const [jobs] = await Promise.all([claimed, touched]);
    return jobs;
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

  async heartbeat(id: string, leaseToken: string, workerId: string, tasks: JobRecord["tasks"]) {
    const job = await this.store.renewLease(id, leaseToken, this.writer.now(), tasks, workerId);
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
  async reportBatch(workerId: string, items: ReportItem[]): Promise<ReportResult[]> {
    const touched = this.presence.seen(workerId, this.writer.now());
    const results = new Array<ReportResult>(items.length);
    const reports = items.flatMap((item, index) => (item.kind === "heartbeat" ? [] : [{ item, index }]));
    const [, read] = await Promise.all([
      this.heartbeats(workerId, items, results),
      this.recordsOf(
        reports.map(({ item }) => item),
        workerId,
      ),
    ]);
    const pending: Array<{ index: number; item: ReportItem; transition: Transition }> = [];
    reports.forEach(({ item, index }, i) => {
      try {
        const job = read[i];
        if (!job) throw notFound("Job", item.job_id);
        const decision = this.decideReport(job, item.lease_token, workerId, toOutcome(item));
        if ("answer" in decision) results[index] = ok(decision.answer);
        else pending.push({ index, item, transition: decision.transition });
      } catch (error) {
        results[index] = failedResult(item.job_id, error);
      }
    });
    const written = await this.writer.apply(pending.map((p) => p.transition));
    await Promise.all(
      pending.map(async ({ index, item }, i) => {
        // Its lease has ended, or the record it was decided on was stale: either way, not ours now.
        this.leased.forget(item.job_id);
        try {
          const job =
            written[i] ?? (await this.report(item.job_id, item.lease_token, workerId, toOutcome(item)));
          results[index] = ok(job);
        } catch (error) {
          results[index] = failedResult(item.job_id, error);
        }
      }),
    );
    await touched;
    return results;
  }

  /**
   * The reported jobs' records: as this server last leased them to the reporting lease, else read
   * in one go. Only a record that says the report's token holds the lease is used unread: a
   * refusal or a repeated report's answer is always decided on the stored row.
   */
  private async recordsOf(items: ReportItem[], workerId: string): Promise<Array<JobRecord | undefined>> {
    const records = items.map(({ job_id, lease_token }) => {
      const job = this.leased.get(job_id);
      return job && holds(job, lease_token, workerId) ? job : undefined;
    });
    const missing = items.filter((_, i) => records[i] === undefined).map((item) => item.job_id);
    if (missing.length === 0) return records;
    const read = await this.store.getJobs(missing);
    let next = 0;
    return records.map((record) => record ?? read[next++]);
  }

  /** The batch's heartbeats, each answered in `results` at its own index. */
  private async heartbeats(workerId: string, items: ReportItem[], results: ReportResult[]): Promise<void> {
    await Promise.all(
      items.map(async (item, index) => {
        if (item.kind !== "heartbeat") return;
        try {
          const { job, cancelRequested } = await this.heartbeat(
            item.job_id,
            item.lease_token,
            workerId,
            item.tasks ?? null,
          );
          results[index] = ok(job, { cancel_requested: cancelRequested });
        } catch (error) {
          results[index] = failedResult(item.job_id, error);
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
        exit_code: outcome.exit_code ?? 0,
        outputs: outcome.outputs ?? {},
        duration_ms: outcome.duration_ms ?? null,
      };
      return { transition: planCompletion(job, { result, tasks, reported: "complete" }, ctx) };
    }
    const patch: JobPatch = {
      error: {
        message: outcome.message,
        exit_code: outcome.exit_code ?? null,
        stderr_tail: outcome.stderr_tail ?? null,
      },
      result: { exit_code: outcome.exit_code ?? null, duration_ms: outcome.duration_ms ?? null },
      tasks,
      reported: "failed",
    };
    const reason = outcome.message.slice(0, 500);
    if (outcome.timed_out) return { transition: planTimeout(job, patch, { ...ctx, reason }) };
    return {
      transition: planFailure(job, "fail", patch, { ...ctx, reason, retryable: outcome.retryable !== false }),
    };
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
      const length = await this.store.appendLog(id, job.attempt, offset, data, this.writer.now());
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

  running(workerId: string): Promise<JobRecord[]> {
    return this.store.runningForWorker(workerId);
  }

  private async whyNotHeld(id: string, leaseToken: string, workerId: string): Promise<FlowyError> {
    const job = await this.store.getJob(id);
    if (!job) return notFound("Job", id);
    return notHeldBecause(job, leaseToken, workerId);
  }
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

function toOutcome(item: ReportItem): Outcome {
  if (item.kind === "failed") return { ...item, kind: "failed", message: item.message ?? "failed" };
  return { ...item, kind: "complete" };
}

function ok(job: JobRecord, extra: Partial<ReportResult> = {}): ReportResult {
  return {
    job_id: job.id,
    ok: true,
    state: job.state,
    ...(job.leaseExpiresAt !== null ? { lease_expires_at: new Date(job.leaseExpiresAt).toISOString() } : {}),
    ...extra,
  };
}

function failedResult(jobId: string, error: unknown): ReportResult {
  const problem =
    error instanceof FlowyError ? error.toProblem() : new FlowyError("internal", String(error)).toProblem();
  return { job_id: jobId, ok: false, error: problem };
}
