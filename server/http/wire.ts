/**
 * The one mapping between the service's records (camelCase, epoch ms, Error values) and the wire
 * (snake_case, ISO-8601, problem objects), both ways.
 */
import { FlowyError } from "../../shared/errors.ts";
import type {
  BulkProgressWire,
  Claim,
  ClaimedJob,
  Complete,
  ConcurrencyKey,
  Failed,
  HeartbeatResult,
  HistoryEntry,
  Limit,
  PausedTag,
  Job,
  ListJobs,
  RegisterWorker,
  ReportItem,
  ReportResult,
  Schedule,
  Worker,
} from "../../shared/protocol.ts";
import type { ScheduleRecord } from "../model/schedule-records.ts";
import type { ScheduleView } from "../service/schedule-service.ts";
import type * as lease from "../model/lease-requests.ts";
import type { LimitView } from "../service/limit-service.ts";
import { formatRate } from "../../shared/rate.ts";
import { JOB_STATES, type JobState } from "../../shared/states.ts";
import type { BulkProgress } from "../service/bulk-actions.ts";
import type { ListQuery } from "../service/job-service.ts";
import type { KeyUsageView } from "../service/limit-service.ts";
import type {
  ConcurrencyLimitRecord,
  HistoryRecord,
  JobRecord,
  PausedTagRecord,
  WorkerBundleRecord,
  WorkerRecord,
} from "../model/records.ts";
import type { Bundle, BundleEvent, WorkerBundles } from "../../shared/bundle-protocol.ts";
import type { BundleEventRecord, BundleRecord } from "../model/bundle-records.ts";

export { WORKER_LOST_AFTER_MS } from "../model/records.ts";
import { WORKER_LOST_AFTER_MS } from "../model/records.ts";

function iso(ms: number): string;
function iso(ms: number | null): string | null;
function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function toWireJob(job: JobRecord, history?: HistoryRecord[]): Job {
  return {
    id: job.id,
    name: job.name,
    state: job.state,
    tags: job.tags,
    priority: job.priority,
    spec: job.spec,
    inputs: job.inputs,
    attempt: job.attempt,
    max_attempts: job.maxAttempts,
    backoff: job.backoff,
    timeout_s: job.timeoutS,
    lease_s: job.leaseS,
    run_at: iso(job.runAt),
    parent_id: job.parentId,
    concurrency_key: job.concurrencyKey,
    concurrency_limit: job.concurrencyLimit,
    idempotency_key: job.idempotencyKey,
    worker_id: job.workerId,
    lease_expires_at: iso(job.leaseExpiresAt),
    created_at: iso(job.createdAt),
    updated_at: iso(job.updatedAt),
    started_at: iso(job.startedAt),
    finished_at: iso(job.finishedAt),
    result: job.result,
    error: job.error,
    tasks: job.tasks,
    version: job.version,
    fence: job.fence,
    ...(history ? { history: history.map(toWireHistory) } : {}),
  };
}

/** What the server says about a lease it holds for a worker: its token and the time left on it. */
export function toWireClaimedJob(job: JobRecord, now: number): ClaimedJob {
  return { ...toWireJob(job), lease_token: job.leaseToken!, lease_ms: leaseLeftMs(job, now) };
}

/** The lease's time left at `now`, in whole ms (0 once it ran out). */
export function leaseLeftMs(job: JobRecord, now: number): number {
  return Math.max(0, Math.floor((job.leaseExpiresAt ?? now) - now));
}

function toWireHistory(entry: HistoryRecord): HistoryEntry {
  return {
    at: iso(entry.at),
    from: entry.from,
    to: entry.to,
    event: entry.event,
    reason: entry.reason,
    worker_id: entry.workerId,
    attempt: entry.attempt,
  };
}

export function toWireWorker(worker: WorkerRecord, now: number): Worker {
  return {
    id: worker.id,
    hostname: worker.hostname,
    tags: worker.tags,
    capacity: worker.capacity,
    running: worker.running,
    version: worker.version,
    registered_at: iso(worker.registeredAt),
    last_seen_at: iso(worker.lastSeenAt),
    status: now - worker.lastSeenAt > WORKER_LOST_AFTER_MS ? "lost" : "active",
    draining: worker.drainRequestedAt !== null,
    bundles: worker.bundles.map((b) => ({ ...b, at: iso(b.at) })),
  };
}

function fromWireStates(raw: string | undefined): JobState[] | undefined {
  if (!raw) return undefined;
  const states = raw.split(",").map((s) => s.trim());
  const unknown = states.filter((s) => !(JOB_STATES as readonly string[]).includes(s));
  if (unknown.length) {
    throw new FlowyError(
      "invalid-request",
      `Unknown state: ${unknown.join(", ")}`,
      `States are: ${JOB_STATES.join(", ")}.`,
    );
  }
  return states as JobState[];
}

/** `GET /jobs`'s query as the service's search: comma lists split, ISO times as epoch ms. */
export function fromWireSearch(q: ListJobs): ListQuery {
  const ms = (text: string | undefined) => (text === undefined ? undefined : Date.parse(text));
  return {
    states: fromWireStates(q.state),
    tags: q.tag ? q.tag.split(",") : undefined,
    idPrefix: q.id,
    nameContains: q.name,
    workerId: q.worker_id,
    concurrencyKey: q.concurrency_key,
    schedule: q.schedule,
    errorContains: q.error,
    createdAfter: ms(q.created_after),
    createdBefore: ms(q.created_before),
    finishedAfter: ms(q.finished_after),
    finishedBefore: ms(q.finished_before),
    sort: q.sort,
    order: q.order,
    limit: q.limit,
    cursor: q.cursor,
  };
}

export function toWireBulk(p: BulkProgress): BulkProgressWire {
  return {
    id: p.id,
    action: p.action,
    state: p.state,
    matched: p.matched,
    done: p.done,
    changed: p.changed,
    unchanged: p.unchanged,
    refused: p.refused,
    errors: p.errors.map((e) => ({ job_id: e.jobId, message: e.message })),
    started_at: iso(p.startedAt),
    finished_at: iso(p.finishedAt),
  };
}
export function fromWireRegistration(body: RegisterWorker): lease.WorkerRegistration {
  return {
    ...(body.worker_id !== undefined ? { workerId: body.worker_id } : {}),
    ...(body.hostname !== undefined ? { hostname: body.hostname } : {}),
    tags: body.tags ?? [],
    capacity: body.capacity,
    version: body.version ?? null,
  };
}

export function fromWireClaim(body: Claim): lease.ClaimQuery {
  return {
    workerId: body.worker_id,
    tags: body.tags ?? [],
    capacity: body.capacity,
    waitMs: (body.wait_s ?? 0) * 1000,
    claimId: body.claim_id ?? null,
    killGraceMs: body.kill_grace_s === undefined ? null : Math.round(body.kill_grace_s * 1000),
    bundles: body.bundles ?? [],
  };
}

type OutcomeFields = Omit<Complete & Failed, "worker_id" | "lease_token" | "message"> & { message?: string };

/** A complete or failed body, or a batch entry of either kind; a failure without a message says "failed". */
export function fromWireOutcome(kind: lease.Outcome["kind"], body: Partial<OutcomeFields>): lease.Outcome {
  const common = {
    exitCode: body.exit_code ?? null,
    durationMs: body.duration_ms ?? null,
    tasks: body.tasks ?? null,
  };
  if (kind === "complete") return { kind, ...common, outputs: body.outputs ?? {} };
  return {
    kind,
    ...common,
    message: body.message ?? "failed",
    stderrTail: body.stderr_tail ?? null,
    timedOut: body.timed_out === true,
    retryable: body.retryable !== false,
  };
}

export function fromWireReportItem(item: ReportItem): lease.ReportEntry {
  const held = { jobId: item.job_id, leaseToken: item.lease_token };
  if (item.kind === "heartbeat") return { kind: "heartbeat", ...held, tasks: item.tasks ?? null };
  return { kind: "outcome", ...held, outcome: fromWireOutcome(item.kind, item) };
}

export function toWireHeartbeat(
  { job, cancelRequested }: lease.HeartbeatAnswer,
  now: number,
): HeartbeatResult {
  return {
    lease_expires_at: iso(job.leaseExpiresAt!),
    lease_ms: leaseLeftMs(job, now),
    cancel_requested: cancelRequested,
  };
}

export function toWireReportResult(answer: lease.ReportAnswer, now: number): ReportResult {
  if (!answer.ok) return { job_id: answer.jobId, ok: false, error: toProblem(answer.error) };
  const { job, cancelRequested } = answer;
  return {
    job_id: answer.jobId,
    ok: true,
    state: job.state,
    ...(job.leaseExpiresAt !== null ? { lease_expires_at: iso(job.leaseExpiresAt) } : {}),
    // Heartbeats are answered with the time left, which the worker counts from its send.
    ...(cancelRequested !== undefined
      ? { lease_ms: leaseLeftMs(job, now), cancel_requested: cancelRequested }
      : {}),
  };
}

function toProblem(error: unknown) {
  return error instanceof FlowyError
    ? error.toProblem()
    : new FlowyError("internal", String(error)).toProblem();
}
export function toWireBundle(bundle: BundleRecord & { pinnedJobs?: number }): Bundle {
  return {
    ...(bundle.pinnedJobs === undefined ? {} : { pinned_jobs: bundle.pinnedJobs }),
    name: bundle.name,
    version: bundle.version,
    sha256: bundle.sha256,
    size: bundle.size,
    tags: bundle.tags,
    setup: bundle.setup,
    created_at: iso(bundle.createdAt),
    uploaded_by: bundle.uploadedBy,
  };
}

export function toWireBundleEvent(event: BundleEventRecord): BundleEvent {
  return {
    seq: event.seq,
    action: event.action,
    name: event.name,
    version: event.version,
    at: iso(event.at),
    key_name: event.keyName,
    address: event.address,
    user_agent: event.userAgent,
  };
}

export function toWirePausedTag(paused: PausedTagRecord): PausedTag {
  return { tag: paused.tag, paused_at: iso(paused.pausedAt) };
}

export function toWireLimit(limit: ConcurrencyLimitRecord, view?: Omit<LimitView, "limit">): Limit {
  const wire: Limit = {
    key: limit.pattern,
    concurrency: limit.concurrency,
    rate: limit.rate && formatRate(limit.rate),
  };
  if (view?.window) {
    wire.window_starts = view.window.starts;
    wire.window_key = view.window.key;
  }
  return wire;
}

export function toWireKeyUsage(usage: KeyUsageView): ConcurrencyKey {
  return {
    key: usage.key,
    limit: usage.limit,
    limit_from: usage.from,
    pattern: usage.pattern,
    in_use: usage.leased,
    waiting: usage.pending,
  };
}

/** A schedule; with its view (show), also its next runs, recent ticks and its last job's state. */
export function toWireSchedule(schedule: ScheduleRecord, view?: Omit<ScheduleView, "schedule">): Schedule {
  const wire: Schedule = {
    name: schedule.name,
    cron: schedule.cron,
    tz: schedule.tz,
    overlap: schedule.overlap,
    catch_up: schedule.catchUp,
    catch_up_max: schedule.catchUpMax,
    paused: schedule.paused,
    job: schedule.job,
    last_tick_at: iso(schedule.lastTickAt),
    next_tick_at: iso(schedule.nextTickAt),
    last_job_id: schedule.lastJobId,
    created_at: iso(schedule.createdAt),
    updated_at: iso(schedule.updatedAt),
  };
  if (!view) return wire;
  return {
    ...wire,
    next_runs: view.nextRuns.map((t) => iso(t)),
    recent: view.recent.map((t) => ({
      tick_at: iso(t.tickAt),
      job_id: t.jobId,
      manual: t.manual,
      note: t.note,
    })),
    last_job_state: view.lastJobState,
  };
}

/** A worker's bundle report; a time that does not parse is dropped rather than refused. */
export function fromWireWorkerBundles(body: WorkerBundles): WorkerBundleRecord[] {
  return body.bundles.map((b) => {
    const at = b.at === null ? null : Date.parse(b.at);
    return { ...b, at: at === null || Number.isNaN(at) ? null : at };
  });
}

/** One worker's report of one version of a bundle (bundle show). */
export function toWireWorkerBundle(b: WorkerBundleRecord & { workerId: string }) {
  return { worker_id: b.workerId, version: b.version, status: b.status, error: b.error, at: iso(b.at) };
}
