/**
 * Bulk actions: cancel, requeue or delete every job a search matches (or a selection of ids),
 * run on the server in batches while the caller watches its progress. Each batch is one
 * transaction of guarded transitions planned on the rows the search just read, so a job is only
 * changed at a version at which it matched the search; one that moved since is read again through
 * the same search and left alone if it no longer matches. Each job's history names who did it.
 * Jobs created after the action started are not included. Progress is kept on the server that
 * runs the action (in memory, an hour after it ends); each job's change is durable on its own.
 */
import { randomUUID } from "node:crypto";
import { isFlowyError } from "../../shared/errors.ts";
import type { JobFilter, JobRecord, SearchCursor, Store, Transition } from "../store/store.ts";
import { ACTION_PAST, decideAction, type JobAction } from "./job-actions.ts";
import type { JobWriter } from "./job-writer.ts";

const BATCH = 500;
const KEPT_MS = 3_600_000;
const MAX_KEPT = 100;
const MAX_ERRORS = 20;
const RETRIES = 3;

export type BulkFilter = Omit<JobFilter, "after" | "limit" | "sort" | "order">;

export interface BulkRequest {
  action: JobAction;
  filter: BulkFilter;
  /** Who asked (an API key's name), for each job's history. */
  who: string;
}

export interface BulkProgress {
  id: string;
  action: JobAction;
  state: "running" | "finished" | "failed";
  /** How many jobs matched when it started. */
  matched: number;
  /** Jobs looked at so far; changed + unchanged + refused. */
  done: number;
  changed: number;
  /** Already in the asked state (a cancel of a canceled job), or no longer matching. */
  unchanged: number;
  /** The move is not allowed from the job's state (a delete of a running job). */
  refused: number;
  errors: Array<{ jobId: string; message: string }>;
  startedAt: number;
  finishedAt: number | null;
}

type Outcome = "changed" | "unchanged" | { refused: string };

export class BulkActions {
  private readonly store: Store;
  private readonly writer: JobWriter;
  private readonly runs = new Map<string, BulkProgress>();

  constructor(store: Store, writer: JobWriter) {
    this.store = store;
    this.writer = writer;
  }

  /** How many jobs an action would look at now: the number a person confirms. */
  count(filter: BulkFilter): Promise<number> {
    return this.store.countJobs(filter);
  }

  /** Starts the action and returns its progress at once; `settled` resolves when it ends. */
  async start(request: BulkRequest): Promise<{ progress: BulkProgress; settled: Promise<void> }> {
    const startedAt = this.writer.now();
    const filter = {
      ...request.filter,
      createdBefore: Math.min(request.filter.createdBefore ?? Infinity, startedAt + 1),
    };
    const progress: BulkProgress = {
      id: randomUUID(),
      action: request.action,
      state: "running",
      matched: await this.store.countJobs(filter),
      done: 0,
      changed: 0,
      unchanged: 0,
      refused: 0,
      errors: [],
      startedAt,
      finishedAt: null,
    };
    this.keep(progress);
    const settled = this.run(progress, { ...request, filter }).then(
      () => this.finish(progress, "finished"),
      (error: unknown) => {
        this.note(progress, "", error instanceof Error ? error.message : String(error));
        this.finish(progress, "failed");
      },
    );
    return { progress, settled };
  }

  get(id: string): BulkProgress | undefined {
    return this.runs.get(id);
  }

  private async run(progress: BulkProgress, request: BulkRequest): Promise<void> {
    const reason = `${ACTION_PAST[request.action]} by ${request.who} (bulk action ${progress.id.slice(0, 8)})`;
    let after: SearchCursor | undefined;
    for (;;) {
      const page = await this.store.listJobs({
        ...request.filter,
        sort: "created",
        order: "asc",
        after,
        limit: BATCH,
      });
      if (page.length === 0) return;
      const outcomes = await this.applyBatch(request, page, reason);
      for (const [i, outcome] of outcomes.entries()) this.tally(progress, page[i]!.id, outcome);
      if (page.length < BATCH) return;
      after = { key: null, id: page.at(-1)!.id };
    }
  }

  /** One transaction for the batch; a job whose version moved is decided again on its own. */
  private async applyBatch(request: BulkRequest, jobs: JobRecord[], reason: string): Promise<Outcome[]> {
    const outcomes: Outcome[] = jobs.map(() => "unchanged");
    const planned: Array<{ index: number; transition: Transition }> = [];
    jobs.forEach((job, index) => {
      const decided = this.decide(request.action, job, reason);
      if ("transition" in decided) planned.push({ index, transition: decided.transition });
      else outcomes[index] = decided.outcome;
    });
    const written = await this.writer.apply(planned.map((p) => p.transition));
    for (const [i, { index }] of planned.entries()) {
      outcomes[index] = written[i] ? "changed" : await this.retryOne(request, jobs[index]!.id, reason);
    }
    return outcomes;
  }

  private async retryOne(request: BulkRequest, id: string, reason: string): Promise<Outcome> {
    for (let i = 0; i < RETRIES; i++) {
      const [job] = await this.store.listJobs({ ...request.filter, ids: [id], limit: 1 });
      if (!job) return "unchanged"; // it no longer matches the search
      const decided = this.decide(request.action, job, reason);
      if (!("transition" in decided)) return decided.outcome;
      const [written] = await this.writer.apply([decided.transition]);
      if (written) return "changed";
    }
    return { refused: "the job kept changing while the action ran; run it again" };
  }

  private decide(
    action: JobAction,
    job: JobRecord,
    reason: string,
  ): { transition: Transition } | { outcome: Outcome } {
    try {
      const decision = decideAction(action, job, this.writer.now(), reason);
      return "transition" in decision ? decision : { outcome: "unchanged" };
    } catch (error) {
      if (isFlowyError(error)) return { outcome: { refused: error.message } };
      throw error;
    }
  }

  private tally(progress: BulkProgress, jobId: string, outcome: Outcome): void {
    progress.done++;
    if (outcome === "changed") progress.changed++;
    else if (outcome === "unchanged") progress.unchanged++;
    else {
      progress.refused++;
      this.note(progress, jobId, outcome.refused);
    }
  }

  private note(progress: BulkProgress, jobId: string, message: string): void {
    if (progress.errors.length < MAX_ERRORS) progress.errors.push({ jobId, message });
  }

  private finish(progress: BulkProgress, state: "finished" | "failed"): void {
    progress.state = state;
    progress.finishedAt = this.writer.now();
  }

  /** Keeps recent actions' progress; forgets those ended over an hour ago, and the oldest beyond 100. */
  private keep(progress: BulkProgress): void {
    const now = this.writer.now();
    for (const [id, run] of this.runs) {
      if (run.finishedAt !== null && now - run.finishedAt > KEPT_MS) this.runs.delete(id);
    }
    while (this.runs.size >= MAX_KEPT) this.runs.delete(this.runs.keys().next().value!);
    this.runs.set(progress.id, progress);
  }
}
