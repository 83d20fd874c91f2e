/**
 * What clients do with jobs: submit, read, list, wait, cancel, requeue, delete, read logs, stats.
 * The service never touches HTTP; every query is the store's.
 */
import { FlowyError, notFound } from "../../shared/errors.ts";
import type { SubmitJob } from "../../shared/protocol.ts";
import { isLeased, isTerminal, JOB_STATES, type JobState } from "../../shared/states.ts";
import { cursorAt } from "../store/job-search.ts";
import type {
  HistoryInput,
  HistoryRecord,
  JobFilter,
  JobRecord,
  NewJob,
  Store,
  StoreStats,
  WorkerRecord,
} from "../store/store.ts";
import type { ChangeFeed, ChangeListener } from "./change-feed.ts";
import type { ClaimWaiters } from "./claim-waiters.ts";
import { decodeCursor, encodeCursor } from "./job-cursor.ts";
import { decideAction, type JobAction } from "./job-actions.ts";
import type { JobWriter } from "./job-writer.ts";
import { type JobDefaults, planSubmit } from "./submit-plan.ts";

const FOLLOW_IDLE_MS = 5_000;
const FOLLOW_READ_BYTES = 1_048_576;

export interface JobPage {
  jobs: JobRecord[];
  nextCursor: string | null;
}

type FinishedState = "succeeded" | "failed" | "timed_out" | "canceled";
export type ThroughputBucket = { at: number } & Record<FinishedState, number>;

function emptyBucket(at: number): ThroughputBucket {
  return { at, succeeded: 0, failed: 0, timed_out: 0, canceled: 0 };
}

/** A search of all jobs: the store's filter, with a page size and the previous page's cursor. */
export interface ListQuery extends Omit<JobFilter, "after" | "limit"> {
  limit?: number;
  cursor?: string;
}

/** One job of a batch submit: stored (or found under its key), or why not. */
export type SubmitOutcome = { job: JobRecord; created: boolean } | { error: FlowyError };
type Plan = { planned: NewJob } | { error: FlowyError };

function submitHistory(job: NewJob): HistoryInput {
  return {
    event: "submit",
    from: null,
    to: job.state,
    reason: job.parentId ? `waits for ${job.parentId}` : null,
  };
}

function missingParent(parentId: string): FlowyError {
  return new FlowyError(
    "invalid-request",
    `parent_id ${parentId} is not a job`,
    "Pass the id of an existing job (see flowy-client list).",
  );
}

/** A job found under the key must have been asked for by the same request. */
function checkSameRequest(job: JobRecord, planned: NewJob, created: boolean): void {
  if (created || job.requestHash === planned.requestHash) return;
  throw new FlowyError(
    "idempotency-conflict",
    `Idempotency-Key ${planned.idempotencyKey} was already used for job ${job.id} with a different request`,
    "Use a new key for a different job, or resend exactly the original request.",
    { job_id: job.id },
  );
}

export class JobService {
  private readonly store: Store;
  private readonly writer: JobWriter;
  private readonly feed: ChangeFeed;
  private readonly defaults: JobDefaults;
  /** Idle claims to wake before a pending job's insert commits, so they share its commit. */
  private readonly handOff: Pick<ClaimWaiters, "handOff" | "submitted"> | undefined;

  constructor(
    store: Store,
    writer: JobWriter,
    feed: ChangeFeed,
    defaults: JobDefaults,
    handOff?: Pick<ClaimWaiters, "handOff" | "submitted">,
  ) {
    this.store = store;
    this.writer = writer;
    this.feed = feed;
    this.defaults = defaults;
    this.handOff = handOff;
  }

  async submit(
    body: SubmitJob,
    idempotencyKey: string | null,
  ): Promise<{ job: JobRecord; created: boolean }> {
    const now = this.writer.now();
    const key = idempotencyKey ?? body.idempotency_key ?? null;
    const planned = planSubmit(body, key, this.defaults, now);
    if (planned.parentId !== null && !(await this.store.getJob(planned.parentId))) {
      throw missingParent(planned.parentId);
    }
    const inserted = this.store.insertJob(planned, submitHistory(planned));
    if (planned.state === "pending") this.handOff?.handOff(planned.id, planned.tags, planned.spec.bundle);
    const { job, created } = await this.publishedAfter(inserted, planned.id);
    checkSameRequest(job, planned, created);
    if (created && job.state === "awaiting") await this.writer.releaseAwaiting();
    return {
      job: created && job.state === "awaiting" ? ((await this.store.getJob(job.id)) ?? job) : job,
      created,
    };
  }

  /**
   * Submits up to a thousand jobs in one transaction. A job that cannot be submitted (a bad
   * workflow, a missing parent, a reused idempotency key) gets its error in its place; the rest
   * are stored together, each under its own idempotency key.
   */
  async submitMany(bodies: SubmitJob[]): Promise<Array<SubmitOutcome>> {
    const now = this.writer.now();
    const plans: Plan[] = bodies.map((body) => {
      try {
        return { planned: planSubmit(body, body.idempotency_key ?? null, this.defaults, now) };
      } catch (error) {
        if (error instanceof FlowyError) return { error };
        throw error;
      }
    });
    await this.refuseMissingParents(plans);
    const inserted = await this.insertAll(plans.flatMap((p) => ("planned" in p ? [p.planned] : [])));
    let awaiting = false;
    const results = plans.map((p): SubmitOutcome => {
      if (!("planned" in p)) return p;
      const result = inserted.get(p.planned.id)!;
      try {
        checkSameRequest(result.job, p.planned, result.created);
      } catch (error) {
        return { error: error as FlowyError };
      }
      awaiting ||= result.created && result.job.state === "awaiting";
      return result;
    });
    if (!awaiting) return results;
    await this.writer.releaseAwaiting();
    const fresh = await this.store.getJobs(results.map((r) => ("job" in r ? r.job.id : "")));
    return results.map((r, i) => ("job" in r && r.created ? { ...r, job: fresh[i] ?? r.job } : r));
  }

  private async refuseMissingParents(plans: Plan[]): Promise<void> {
    const parentOf = (p: Plan) => ("planned" in p ? p.planned.parentId : null);
    const parentIds = [...new Set(plans.map(parentOf).filter((id): id is string => id !== null))];
    if (parentIds.length === 0) return;
    const found = await this.store.getJobs(parentIds);
    const missing = new Set(parentIds.filter((_, i) => !found[i]));
    plans.forEach((p, i) => {
      const parent = parentOf(p);
      if (parent !== null && missing.has(parent)) plans[i] = { error: missingParent(parent) };
    });
  }

  /** Inserts and publishes the planned jobs; by planned id, what the store answered. */
  private async insertAll(planned: NewJob[]): Promise<Map<string, { job: JobRecord; created: boolean }>> {
    if (planned.length === 0) return new Map();
    const inserting = this.store.insertJobs(planned.map((job) => ({ job, history: submitHistory(job) })));
    for (const job of planned)
      if (job.state === "pending") this.handOff?.handOff(job.id, job.tags, job.spec.bundle);
    try {
      const results = await inserting;
      const created = results.filter((r) => r.created).map((r) => r.job);
      for (const job of created) this.writer.observer.submitted(job);
      if (created.length) this.writer.published(created);
      return new Map(planned.map((job, i) => [job.id, results[i]!]));
    } finally {
      for (const job of planned) this.handOff?.submitted(job.id);
    }
  }

  /** The insert's result, published when it created the job; the hand-off is over either way. */
  private async publishedAfter(
    inserted: Promise<{ job: JobRecord; created: boolean }>,
    id: string,
  ): Promise<{ job: JobRecord; created: boolean }> {
    try {
      const result = await inserted;
      if (result.created) {
        this.writer.observer.submitted(result.job);
        this.writer.published([result.job]);
      }
      return result;
    } finally {
      this.handOff?.submitted(id);
    }
  }

  async get(id: string): Promise<JobRecord> {
    // Read, then wait until what was read is durable: a client never sees what a crash could undo.
    const job = await this.store.getJob(id);
    await this.store.settled?.();
    if (!job) throw notFound("Job", id);
    return job;
  }

  async history(id: string): Promise<HistoryRecord[]> {
    const history = await this.store.getHistory(id);
    await this.store.settled?.();
    return history;
  }

  /** Returns the job once its version is past `version`, or as it is after `waitMs`. */
  async waitForChange(id: string, version: number, waitMs: number, signal?: AbortSignal): Promise<JobRecord> {
    let changed!: () => void;
    const woken = new Promise<void>((resolve) => {
      changed = resolve;
    });
    const unsubscribe = this.feed.subscribe((c) => {
      if (c.jobId === id && c.version > version) changed();
    });
    try {
      const job = await this.get(id);
      if (job.version > version || waitMs <= 0) return job;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
        signal?.addEventListener("abort", () => resolve(), { once: true });
      });
      await Promise.race([woken, timeout]);
      clearTimeout(timer);
      return await this.get(id);
    } finally {
      unsubscribe();
    }
  }

  async list(query: ListQuery): Promise<JobPage> {
    const { cursor, limit = 50, ...filter } = query;
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const jobs = await this.store.listJobs({ ...filter, after, limit: limit + 1 });
    await this.store.settled?.();
    const page = jobs.slice(0, limit);
    const last = page.at(-1);
    const more = jobs.length > limit && last !== undefined;
    return { jobs: page, nextCursor: more ? encodeCursor(cursorAt(last, query.sort)) : null };
  }

  cancel(id: string, reason = "canceled by a client"): Promise<JobRecord> {
    return this.act("cancel", id, reason);
  }

  requeue(id: string): Promise<JobRecord> {
    return this.act("requeue", id, "requeued by a client");
  }

  delete(id: string): Promise<JobRecord> {
    return this.act("delete", id, "deleted by a client");
  }

  private act(action: JobAction, id: string, reason: string): Promise<JobRecord> {
    return this.writer.mutate(id, (job) => decideAction(action, job, this.writer.now(), reason));
  }

  async readLog(id: string, attempt: number | undefined, offset: number, maxBytes: number) {
    const job = await this.get(id);
    const which = attempt ?? Math.max(1, job.attempt);
    const log = await this.writer.durable(await this.store.readLog(id, which, offset, maxBytes));
    return { ...log, attempt: which, job };
  }

  /**
   * Yields the log from `offset` as it grows, until the attempt is over and all of it was sent.
   * Each read is bounded (FOLLOW_READ_BYTES); the next one is made when the consumer asks for it,
   * so a slow reader holds at most one read's bytes here.
   */
  async *followLog(id: string, attempt: number, offset: number, signal: AbortSignal): AsyncGenerator<Buffer> {
    let position = offset;
    while (!signal.aborted) {
      // Listening before the read, so a change made between the read and the wait is not missed.
      const changed = this.nextChange(id, FOLLOW_IDLE_MS, signal);
      try {
        const job = await this.get(id);
        const log = await this.writer.durable(
          await this.store.readLog(id, attempt, position, FOLLOW_READ_BYTES),
        );
        if (log.data.length > 0) {
          position += log.data.length;
          yield log.data;
        }
        const attemptOver = job.attempt !== attempt || !isLeased(job.state);
        if (attemptOver && position >= log.length) return;
        if (position < log.length) continue;
        await changed.wait;
      } finally {
        changed.cancel();
      }
    }
  }

  private nextChange(
    id: string,
    maxMs: number,
    signal: AbortSignal,
  ): { wait: Promise<void>; cancel: () => void } {
    let cancel!: () => void;
    const wait = new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        signal.removeEventListener("abort", done);
        resolve();
      };
      cancel = done;
      const timer = setTimeout(done, maxMs);
      const unsubscribe = this.feed.subscribe((c) => c.jobId === id && done());
      signal.addEventListener("abort", done, { once: true });
    });
    return { wait, cancel };
  }

  async stats(): Promise<StoreStats & { states: Record<JobState, number> }> {
    const stats = await this.writer.durable(await this.store.stats());
    const states = Object.fromEntries(JOB_STATES.map((s) => [s, stats.states[s] ?? 0])) as Record<
      JobState,
      number
    >;
    return { ...stats, states };
  }

  async workers(): Promise<WorkerRecord[]> {
    return this.writer.durable(await this.store.listWorkers());
  }

  /** Every job change as it is published (live views); returns the unsubscribe. */
  watch(listener: ChangeListener): () => void {
    return this.feed.subscribe(listener);
  }

  /** Jobs finished per bucket over the last `buckets` buckets, oldest first, empty buckets included. */
  async throughput(buckets: number, bucketMs = 60_000): Promise<ThroughputBucket[]> {
    const now = this.writer.now();
    const since = now - (now % bucketMs) - (buckets - 1) * bucketMs;
    const counts = await this.store.countFinished(since, bucketMs);
    const series = Array.from({ length: buckets }, (_, i) => emptyBucket(since + i * bucketMs));
    for (const { at, state, count } of counts) {
      const bucket = series[Math.floor((at - since) / bucketMs)];
      if (bucket && isTerminal(state)) bucket[state as FinishedState] += count;
    }
    return series;
  }
}
