/**
 * The one place where database rows (snake_case, JSON in text columns, epoch-ms integers) map to
 * and from JobRecord. Both stores use it; PostgreSQL hands back jsonb already parsed and int8 as
 * strings, so every reader accepts either form.
 */
import type { JobState } from "../../shared/states.ts";
import type {
  ApiKeyRecord,
  ConcurrencyLimitRecord,
  HistoryRecord,
  JobPatch,
  JobRecord,
  NewJob,
  PausedTagRecord,
  RateStartsRecord,
  WorkerRecord,
} from "./store.ts";

type Row = Record<string, unknown>;

function json<T>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}
function jsonOrNull<T>(value: unknown): T | null {
  return value === null || value === undefined ? null : json<T>(value);
}
function num(value: unknown): number {
  return typeof value === "number" ? value : Number(value);
}
function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : num(value);
}
function strOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

export function rowToJob(row: Row): JobRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    state: row.state as JobState,
    tags: json<string[]>(row.tags),
    priority: num(row.priority),
    spec: json(row.spec),
    inputs: json(row.inputs),
    attempt: num(row.attempt),
    maxAttempts: num(row.max_attempts),
    backoff: json(row.backoff),
    timeoutS: numOrNull(row.timeout_s),
    leaseS: num(row.lease_s),
    runAt: numOrNull(row.run_at),
    parentId: strOrNull(row.parent_id),
    concurrencyKey: strOrNull(row.concurrency_key),
    concurrencyLimit: numOrNull(row.concurrency_limit),
    bundleName: strOrNull(row.bundle_name),
    bundleVersion: strOrNull(row.bundle_version),
    idempotencyKey: strOrNull(row.idempotency_key),
    requestHash: strOrNull(row.request_hash),
    workerId: strOrNull(row.worker_id),
    leaseToken: strOrNull(row.lease_token),
    leaseExpiresAt: numOrNull(row.lease_expires_at),
    deadlineAt: numOrNull(row.deadline_at),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    startedAt: numOrNull(row.started_at),
    finishedAt: numOrNull(row.finished_at),
    result: jsonOrNull(row.result),
    error: jsonOrNull(row.error),
    tasks: jsonOrNull(row.tasks),
    reported: (row.reported as JobRecord["reported"]) ?? null,
    fence: num(row.fence ?? 0),
    killGraceMs: numOrNull(row.kill_grace_ms),
    version: num(row.version),
  };
}

/** Jobs found by a read of several ids, put back in the order asked (undefined where missing). */
export function inOrderOf(ids: string[], jobs: JobRecord[]): Array<JobRecord | undefined> {
  const byId = new Map(jobs.map((job) => [job.id, job]));
  return ids.map((id) => byId.get(id));
}

/**
 * The row a guarded write leaves behind: the job as read at its version, the patch's fields, a
 * bumped version and the write's time. Exact because every write to a job bumps its version.
 */
export function applyPatch(job: JobRecord, patch: JobPatch, now: number): JobRecord {
  const next: JobRecord = { ...job, updatedAt: now, version: job.version + 1 };
  for (const [field, value] of Object.entries(patch)) {
    if (value !== undefined) (next as unknown as Record<string, unknown>)[field] = value;
  }
  return next;
}

/** The patch's fields that are set, as column → stored value. */
export function patchColumns(patch: JobPatch): Array<[string, unknown]> {
  return Object.entries(patch)
    .filter(([, value]) => value !== undefined)
    .map(([field, value]) => [columnOf(field), toColumnValue(field, value)]);
}

/** Column name → how a JobRecord field is stored. JSON fields are serialised to text. */
const JSON_FIELDS = new Set(["tags", "spec", "inputs", "backoff", "result", "error", "tasks"]);

const COLUMN_OF: Record<string, string> = {
  maxAttempts: "max_attempts",
  timeoutS: "timeout_s",
  leaseS: "lease_s",
  runAt: "run_at",
  parentId: "parent_id",
  concurrencyKey: "concurrency_key",
  concurrencyLimit: "concurrency_limit",
  bundleName: "bundle_name",
  bundleVersion: "bundle_version",
  idempotencyKey: "idempotency_key",
  requestHash: "request_hash",
  workerId: "worker_id",
  leaseToken: "lease_token",
  leaseExpiresAt: "lease_expires_at",
  deadlineAt: "deadline_at",
  createdAt: "created_at",
  updatedAt: "updated_at",
  startedAt: "started_at",
  finishedAt: "finished_at",
  killGraceMs: "kill_grace_ms",
};

export function columnOf(field: string): string {
  return COLUMN_OF[field] ?? field;
}

export function toColumnValue(field: string, value: unknown): unknown {
  if (value === undefined) return null;
  if (JSON_FIELDS.has(field)) return value === null ? null : JSON.stringify(value);
  return value;
}

/** A job as column → value, in a fixed column order. */
export function jobToColumns(job: NewJob | JobRecord): Array<[string, unknown]> {
  return Object.entries(job).map(([field, value]) => [columnOf(field), toColumnValue(field, value)]);
}

/**
 * Rows as multi-row inserts take them: runs of rows with the same columns (a record that leaves
 * a field out has fewer), in order, each at most `maxRows(width)` long.
 */
export function chunkByColumns(
  rows: Array<Array<[string, unknown]>>,
  maxRows: (width: number) => number,
): Array<Array<Array<[string, unknown]>>> {
  const chunks: Array<Array<Array<[string, unknown]>>> = [];
  for (const row of rows) {
    const last = chunks.at(-1);
    const head = last?.[0];
    const fits =
      head !== undefined &&
      last!.length < maxRows(head.length) &&
      head.length === row.length &&
      head.every(([c], i) => c === row[i]![0]);
    if (fits) last!.push(row);
    else chunks.push([row]);
  }
  return chunks;
}

export function rowToHistory(row: Row): HistoryRecord {
  return {
    at: num(row.at),
    from: (row.from_state as JobState | null) ?? null,
    to: row.to_state as JobState,
    event: String(row.event),
    reason: strOrNull(row.reason),
    workerId: strOrNull(row.worker_id),
    attempt: num(row.attempt),
  };
}

export function rowToWorker(row: Row): WorkerRecord {
  return {
    id: String(row.id),
    hostname: String(row.hostname),
    tags: json<string[]>(row.tags),
    capacity: num(row.capacity),
    version: strOrNull(row.version),
    registeredAt: num(row.registered_at),
    lastSeenAt: num(row.last_seen_at),
    running: num(row.running ?? 0),
    drainRequestedAt: numOrNull(row.drain_requested_at),
    bundles: jsonOrNull<WorkerRecord["bundles"]>(row.bundles) ?? [],
  };
}

export function rowToLimit(row: Row): ConcurrencyLimitRecord {
  const rateLimit = numOrNull(row.rate_limit);
  return {
    pattern: String(row.pattern),
    concurrency: numOrNull(row.concurrency),
    rate: rateLimit === null ? null : { limit: rateLimit, windowMs: num(row.rate_window_ms) },
  };
}

/** A rate-limited key's log; `starts` is a bigint[] (PostgreSQL) or a JSON array (SQLite). */
export function rowToRateStarts(row: Row): RateStartsRecord {
  const starts =
    typeof row.starts === "string" ? (JSON.parse(row.starts) as unknown[]) : (row.starts as unknown[]);
  return { key: String(row.key), starts: starts.map(num) };
}

export function rowToPausedTag(row: Row): PausedTagRecord {
  return { tag: String(row.tag), pausedAt: num(row.paused_at) };
}

export function rowToApiKey(row: Row): ApiKeyRecord {
  return {
    name: String(row.name),
    role: row.role as ApiKeyRecord["role"],
    keyHash: String(row.key_hash),
    prefix: String(row.prefix),
    createdAt: num(row.created_at),
    lastUsedAt: numOrNull(row.last_used_at),
    revokedAt: numOrNull(row.revoked_at),
  };
}
