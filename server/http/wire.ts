/** The one mapping from the service's records (camelCase, epoch ms) to the wire (snake_case, ISO-8601). */
import type { HistoryEntry, Job, Limit, PausedTag, Worker } from "../../shared/protocol.ts";
import type {
  ConcurrencyLimitRecord,
  HistoryRecord,
  JobRecord,
  PausedTagRecord,
  WorkerRecord,
} from "../model/records.ts";

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
    ...(history ? { history: history.map(toWireHistory) } : {}),
  };
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
  };
}

export function toWirePausedTag(paused: PausedTagRecord): PausedTag {
  return { tag: paused.tag, paused_at: iso(paused.pausedAt) };
}

export function toWireLimit(limit: ConcurrencyLimitRecord): Limit {
  return { key: limit.pattern, concurrency: limit.concurrency };
}
