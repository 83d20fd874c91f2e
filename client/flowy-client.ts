/**
 * FlowyClient: the typed SDK for flowy-server's client API, used by flowy-client and usable from
 * any Node program. Jobs come and go in their wire shape (`Job`, `SubmitJob`: snake_case, as in
 * the API docs); the SDK's own options are camelCase. Every call goes through HttpTransport, so
 * it has a timeout and retries connection errors and 5xx with backoff; other 4xx fail at once as
 * a FlowyError carrying the server's hint.
 */
import { randomUUID } from "node:crypto";
import { FlowyError } from "../shared/errors.ts";
import type {
  BulkAction,
  BulkProgressWire,
  Explain,
  Job,
  Limit,
  SetLimit,
  ListJobs,
  PausedTag,
  Stats,
  SubmitBatchResult,
  SubmitJob,
  Worker,
  CreateSchedule,
  Schedule,
} from "../shared/protocol.ts";
import type { JobState } from "../shared/states.ts";
import type { Bundle, BundleEvent, BundleShow } from "../shared/bundle-protocol.ts";
import { prepareArchive } from "./bundle-archive.ts";
import { type LogChunk, type LogOptions, readLogs } from "./job-logs.ts";
import { HttpTransport, type TransportOptions } from "./transport.ts";
import { type WaitOptions, waitForJob } from "./wait-for-job.ts";

export const DEFAULT_SERVER = "http://127.0.0.1:7411";
/** The server caps one long-poll at 60 s. */
export const MAX_POLL_S = 60;
/** Headroom over a long-poll's wait before the request itself counts as hung. */
const POLL_SLACK_MS = 15_000;
/** The most jobs POST /jobs/batch takes at once. */
export const SUBMIT_BATCH_MAX = 1000;

/** The transport's options, with the server named by its base URL instead of the API's. */
export interface FlowyClientOptions extends Omit<TransportOptions, "baseUrl"> {
  /** Base URL of flowy-server (default http://127.0.0.1:7411); /api/v1 is added. */
  server?: string;
  /** Per-request timeout (ms) for calls that do not long-poll (default 30 s). */
  timeoutMs?: number;
}

export interface SubmitOptions {
  /**
   * Dedupes the submit on the server: the same key returns the original job. Without one, the SDK
   * makes one up, so a submit it retries after a dropped connection never creates two jobs.
   */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface ListFilter {
  state?: JobState | JobState[];
  /** Jobs carrying every one of these tags. */
  tag?: string | string[];
  /** A prefix of the job id. */
  idPrefix?: string;
  /** A part of the name, case-insensitive. */
  name?: string;
  workerId?: string;
  concurrencyKey?: string;
  /** Jobs this schedule enqueued (of the runs it keeps). */
  schedule?: string;
  /** A part of the error text, case-insensitive. */
  error?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  finishedAfter?: Date;
  finishedBefore?: Date;
  /** created (default), finished or duration (the last two: finished jobs only). */
  sort?: "created" | "finished" | "duration";
  order?: "desc" | "asc";
  /** Jobs per request (1-500, default 50). */
  pageSize?: number;
  /** Resume from a `next_cursor` of an earlier page. */
  cursor?: string;
}

export interface JobPage {
  jobs: Job[];
  next_cursor: string | null;
}

export interface BundleUploadOptions {
  /** Daemons whose tags intersect these install the bundle; none: every daemon. */
  tags?: string[];
  /** A shell command each daemon runs in the unpacked directory before using it. */
  setup?: string;
  signal?: AbortSignal;
}

export class FlowyClient {
  readonly server: string;
  private readonly http: HttpTransport;

  constructor(options: FlowyClientOptions = {}) {
    this.server = (options.server ?? DEFAULT_SERVER).replace(/\/+$/, "");
    const { server: _server, ...transport } = options;
    this.http = new HttpTransport({
      ...transport,
      baseUrl: `${this.server}/api/v1`,
      timeoutMs: options.timeoutMs ?? 30_000,
      userAgent: options.userAgent ?? "flowy-client",
    });
  }

  submit(job: SubmitJob, options: SubmitOptions = {}): Promise<Job> {
    const key = options.idempotencyKey ?? `sdk-${randomUUID()}`;
    return this.http.json<Job>("POST", "/jobs", {
      body: job,
      headers: { "idempotency-key": key },
      signal: options.signal,
    });
  }

  /**
   * Submits many jobs, a thousand per request (each request one transaction on the server);
   * answers one result per job, in order: the job, or why it was not submitted. A job without an
   * idempotency_key gets one made up, so a request the SDK retries never creates a job twice.
   */
  async submitMany(
    jobs: SubmitJob[],
    options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<SubmitBatchResult[]> {
    const results: SubmitBatchResult[] = [];
    for (let start = 0; start < jobs.length; start += SUBMIT_BATCH_MAX) {
      const chunk = jobs
        .slice(start, start + SUBMIT_BATCH_MAX)
        .map((job) => (job.idempotency_key ? job : { ...job, idempotency_key: `sdk-${randomUUID()}` }));
      const answer = await this.http.json<{ results: SubmitBatchResult[] }>("POST", "/jobs/batch", {
        body: { jobs: chunk },
        signal: options.signal,
      });
      results.push(...answer.results);
      options.onProgress?.(results.length, jobs.length);
    }
    return results;
  }

  /** The job with its history. */
  get(id: string, signal?: AbortSignal): Promise<Job> {
    return this.http.json<Job>("GET", jobPath(id), { signal });
  }

  /**
   * One long-poll: resolves as soon as the job's version is past `version`, or with the job as it
   * is after `waitS` seconds (at most 60).
   */
  getChanged(id: string, version: number, waitS: number, signal?: AbortSignal): Promise<Job> {
    const wait = Math.max(0, Math.min(MAX_POLL_S, waitS));
    return this.http.json<Job>("GET", jobPath(id), {
      query: { version, wait_s: Number(wait.toFixed(3)) },
      timeoutMs: wait * 1000 + POLL_SLACK_MS,
      signal,
    });
  }

  /** One page of a search over all jobs, newest first unless `sort`/`order` say otherwise. */
  listPage(filter: ListFilter = {}, signal?: AbortSignal): Promise<JobPage> {
    return this.http.json<JobPage>("GET", "/jobs", { query: searchQuery(filter), signal });
  }

  /** Every job that matches, newest first, fetching pages as the loop asks for more. */
  async *list(filter: ListFilter = {}, signal?: AbortSignal): AsyncGenerator<Job, void, undefined> {
    let cursor = filter.cursor;
    do {
      const page = await this.listPage({ ...filter, cursor }, signal);
      yield* page.jobs;
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }

  /**
   * Cancels, requeues or deletes every job the filter matches (or only `ids`), on the server in
   * batches; `dryRun` only counts them. Follow a started action with `bulkProgress(id)`.
   */
  bulk(
    action: BulkAction["action"],
    filter: ListFilter & { ids?: string[] },
    options: { dryRun?: boolean } = {},
  ): Promise<BulkProgressWire> {
    const { cursor: _c, pageSize: _p, sort: _s, order: _o, ids, ...search } = filter;
    const { cursor: _qc, limit: _ql, sort: _qs, order: _qo, ...query } = searchQuery(search);
    const body: BulkAction = {
      action,
      filter: { ...query, ...(ids ? { ids } : {}) },
      ...(options.dryRun ? { dry_run: true } : {}),
    };
    return this.http.json<BulkProgressWire>("POST", "/jobs/bulk", { body });
  }

  bulkProgress(id: string, signal?: AbortSignal): Promise<BulkProgressWire> {
    return this.http.json<BulkProgressWire>("GET", `/jobs/bulk/${encodeURIComponent(id)}`, { signal });
  }

  /**
   * Resolves with the job once it is finished (succeeded, failed, timed_out, canceled, or
   * deleted). Long-polls on the job's version instead of polling in a loop, calls `onProgress`
   * on every change, and rides out a server restart by reconnecting. Throws WaitTimeoutError
   * when `timeoutMs` passes first.
   */
  wait(id: string, options: WaitOptions = {}): Promise<Job> {
    return waitForJob(this, id, options);
  }

  cancel(id: string): Promise<Job> {
    return this.http.json<Job>("POST", `${jobPath(id)}/cancel`);
  }

  requeue(id: string): Promise<Job> {
    return this.http.json<Job>("POST", `${jobPath(id)}/requeue`);
  }

  delete(id: string): Promise<Job> {
    return this.http.json<Job>("DELETE", jobPath(id));
  }

  /** One read of a job's log: `attempt` defaults to the latest, `offset` counts bytes. */
  async readLog(
    id: string,
    options: { attempt?: number; offset?: number; signal?: AbortSignal } = {},
  ): Promise<{ data: string; attempt: number; length: number }> {
    const { body, headers } = await this.http.request("GET", `${jobPath(id)}/logs`, {
      query: { attempt: options.attempt, offset: options.offset },
      headers: { accept: "text/plain" },
      signal: options.signal,
    });
    return {
      data: body,
      attempt: Number(headers["flowy-log-attempt"] ?? options.attempt ?? 1),
      length: Number(headers["flowy-log-length"] ?? body.length),
    };
  }

  /** The log as it streams in (?follow=1) until the attempt ends or the connection drops. */
  async streamLog(id: string, attempt: number, offset: number, signal?: AbortSignal) {
    const { chunks } = await this.http.stream(`${jobPath(id)}/logs`, {
      query: { attempt, offset, follow: 1 },
      signal,
    });
    return chunks;
  }

  /**
   * A job's log in chunks. With `follow`, keeps going while the job runs — across retries, each
   * chunk saying which attempt it belongs to — and ends when the job is finished.
   */
  logs(id: string, options: LogOptions = {}): AsyncGenerator<LogChunk, void, undefined> {
    return readLogs(this, id, options);
  }

  async workers(): Promise<Worker[]> {
    return (await this.http.json<{ workers: Worker[] }>("GET", "/workers")).workers;
  }

  /** Asks a worker to drain: its daemon stops claiming, finishes its running jobs and exits. */
  drainWorker(id: string): Promise<Worker> {
    return this.http.json<Worker>("POST", `/workers/${encodeURIComponent(id)}/drain`);
  }

  stats(): Promise<Stats> {
    return this.http.json<Stats>("GET", "/stats");
  }

  /**
   * Uploads a version of a bundle from `path`: a .tar.gz as it is, or a directory (packed here).
   * The version must be a semver above every one the name had; a 409 `version-conflict` says which.
   */
  async uploadBundle(
    name: string,
    version: string,
    path: string,
    options: BundleUploadOptions = {},
  ): Promise<Bundle> {
    const archive = await prepareArchive(path);
    try {
      const body = await this.http.putFile(bundlePath(name, version), archive.file, {
        contentType: "application/gzip",
        query: { tags: options.tags?.length ? options.tags.join(",") : undefined, setup: options.setup },
        signal: options.signal,
      });
      return JSON.parse(body) as Bundle;
    } finally {
      await archive.cleanup();
    }
  }

  /** Every stored version of every bundle, by name then upload order. */
  async listBundles(): Promise<Bundle[]> {
    return (await this.http.json<{ bundles: Bundle[] }>("GET", "/bundles")).bundles;
  }

  /** One bundle's stored versions and the latest of them. */
  getBundle(name: string): Promise<BundleShow> {
    return this.http.json<BundleShow>("GET", `/bundles/${encodeURIComponent(name)}`);
  }

  /** Uploads and deletes of bundles, newest first. */
  async bundleHistory(options: { limit?: number; name?: string } = {}): Promise<BundleEvent[]> {
    return (
      await this.http.json<{ events: BundleEvent[] }>("GET", "/bundle-history", {
        query: { limit: options.limit, name: options.name },
      })
    ).events;
  }

  async deleteBundle(name: string, version: string): Promise<void> {
    await this.http.json("DELETE", bundlePath(name, version));
  }

  /** Why the job is not running (or that it is), naming what is in the way. */
  explain(id: string): Promise<Explain> {
    return this.http.json<Explain>("GET", `${jobPath(id)}/explain`);
  }

  /** Stops claims of jobs carrying `tag` (running ones finish); pausing it again changes nothing. */
  pause(tag: string): Promise<PausedTag> {
    return this.http.json<PausedTag>("POST", "/paused-tags", { body: { tag } });
  }

  /** Lets jobs carrying `tag` be claimed again; false when it was not paused. */
  async resume(tag: string): Promise<boolean> {
    try {
      await this.http.json("DELETE", `/paused-tags/${encodeURIComponent(tag)}`);
      return true;
    } catch (error) {
      // Also what a retried DELETE whose first answer was lost hears: the tag is resumed either way.
      if (error instanceof FlowyError && error.code === "not-found") return false;
      throw error;
    }
  }

  /**
   * Declares (or replaces) the limit of the keys `key` matches (a key or a glob: customer-*): a
   * concurrency, a rate (`100/min`), or both.
   */
  setLimit(limit: SetLimit): Promise<Limit> {
    return this.http.json<Limit>("POST", "/limits", { body: limit });
  }

  /** False when no limit was declared for `key`. */
  async deleteLimit(key: string): Promise<boolean> {
    try {
      await this.http.json("DELETE", `/limits/${encodeURIComponent(key)}`);
      return true;
    } catch (error) {
      if (error instanceof FlowyError && error.code === "not-found") return false;
      throw error;
    }
  }

  async limits(): Promise<Limit[]> {
    return (await this.http.json<{ limits: Limit[] }>("GET", "/limits")).limits;
  }

  async pausedTags(): Promise<PausedTag[]> {
    return (await this.http.json<{ paused_tags: PausedTag[] }>("GET", "/paused-tags")).paused_tags;
  }

  /** Creates a schedule: its job is enqueued at each tick of `cron` in `tz` (exactly once per tick). */
  createSchedule(schedule: CreateSchedule): Promise<Schedule> {
    return this.http.json<Schedule>("POST", "/schedules", { body: schedule });
  }

  async schedules(): Promise<Schedule[]> {
    return (await this.http.json<{ schedules: Schedule[] }>("GET", "/schedules")).schedules;
  }

  /** The schedule with its next runs, recent ticks (and their job ids) and its last job's state. */
  schedule(name: string): Promise<Schedule> {
    return this.http.json<Schedule>("GET", schedulePath(name));
  }

  /** Stops its ticks until resumed; trigger still runs it. */
  pauseSchedule(name: string): Promise<Schedule> {
    return this.http.json<Schedule>("POST", `${schedulePath(name)}/pause`);
  }

  /** Ticks again from the next tick after now (ticks during the pause do not run). */
  resumeSchedule(name: string): Promise<Schedule> {
    return this.http.json<Schedule>("POST", `${schedulePath(name)}/resume`);
  }

  /** Enqueues the schedule's job now, whatever its overlap policy. */
  triggerSchedule(name: string): Promise<Job> {
    // Not retried: a retry after a lost answer would enqueue a second job.
    return this.http.json<Job>("POST", `${schedulePath(name)}/trigger`, { retry: { retries: 0 } });
  }

  /** False when there was no such schedule. Its jobs stay. */
  async deleteSchedule(name: string): Promise<boolean> {
    try {
      await this.http.json("DELETE", schedulePath(name));
      return true;
    } catch (error) {
      // Also what a retried DELETE whose first answer was lost hears: it is gone either way.
      if (error instanceof FlowyError && error.code === "not-found") return false;
      throw error;
    }
  }
}

function bundlePath(name: string, version: string): string {
  return `/bundles/${encodeURIComponent(name)}/${encodeURIComponent(version)}`;
}

function schedulePath(name: string): string {
  return `/schedules/${encodeURIComponent(name)}`;
}

function jobPath(id: string): string {
  return `/jobs/${encodeURIComponent(id)}`;
}

/** A search as `GET /jobs` takes it: comma lists, ISO times, snake_case. */
function searchQuery(filter: ListFilter): ListJobs {
  const list = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(",") : value);
  return {
    state: list(filter.state),
    tag: list(filter.tag),
    id: filter.idPrefix,
    name: filter.name,
    worker_id: filter.workerId,
    concurrency_key: filter.concurrencyKey,
    schedule: filter.schedule,
    error: filter.error,
    created_after: filter.createdAfter?.toISOString(),
    created_before: filter.createdBefore?.toISOString(),
    finished_after: filter.finishedAfter?.toISOString(),
    finished_before: filter.finishedBefore?.toISOString(),
    sort: filter.sort,
    order: filter.order,
    limit: filter.pageSize,
    cursor: filter.cursor,
  };
}
