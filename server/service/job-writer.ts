/**
 * Every job write of the service goes through here: guarded transitions are applied in one store
 * call, the changes are published to the feed, and jobs waiting on a parent that just finished
 * are released. Optimistic concurrency: a decision is made on a read of the job and applied only
 * if the job's version has not moved; otherwise it is made again on a fresh read.
 */
import { FlowyError, notFound } from "../../shared/errors.ts";
import { isTerminal } from "../../shared/states.ts";
import { freedKey } from "../model/concurrency.ts";
import type { JobRecord, Store, Transition } from "../store/store.ts";
import type { ChangeFeed } from "./change-feed.ts";
import type { Clock } from "./clock.ts";
import { NO_OBSERVER, type JobObserver } from "./job-observer.ts";
import { planTransition } from "./job-transitions.ts";

const MAX_CONFLICT_RETRIES = 8;

/** What a decision returns: a transition to apply, or an answer that needs no write. */
export type Decision = { transition: Transition } | { answer: JobRecord };

export class JobWriter {
  private readonly store: Store;
  private readonly feed: ChangeFeed;
  private readonly clock: Clock;
  readonly observer: JobObserver;

  constructor(store: Store, feed: ChangeFeed, clock: Clock, observer: JobObserver = NO_OBSERVER) {
    this.store = store;
    this.feed = feed;
    this.clock = clock;
    this.observer = observer;
  }

  now(): number {
    return this.clock();
  }

  /** Applies transitions in one transaction; undefined where the job changed under us. */
  async apply(transitions: Transition[]): Promise<Array<JobRecord | undefined>> {
    if (transitions.length === 0) return [];
    const results = await this.store.applyTransitions(transitions, this.clock());
    let freed = false;
    results.forEach((job, i) => {
      if (!job) return;
      this.observer.transitioned(transitions[i]!, job);
      freed ||= freedKey(transitions[i]!) !== null;
    });
    this.published(results.filter((job): job is JobRecord => job !== undefined));
    // The jobs the slot lets go were pending all along and publish nothing themselves.
    if (freed) this.feed.publish([{ jobId: "", state: "pending", version: 0, tags: [], kind: "slot" }]);
    return results;
  }

  /** Reads the job, decides, writes; decides again if someone else wrote first. */
  async mutate(id: string, decide: (job: JobRecord) => Decision): Promise<JobRecord> {
    for (let i = 0; i < MAX_CONFLICT_RETRIES; i++) {
      const job = await this.store.getJob(id);
      if (!job) throw notFound("Job", id);
      const decision = decide(job);
      if ("answer" in decision) return this.durable(decision.answer);
      const [written] = await this.apply([decision.transition]);
      if (written) return written;
    }
    throw new FlowyError("internal", `Job ${id} kept changing while it was being updated`, "Try again.");
  }

  /**
   * An answer decided on a read alone (an idempotent repeat) waits until what it read is durable:
   * the write it repeats may still be waiting for its sync, and that sync may fail.
   */
  async durable<T>(answer: T): Promise<T> {
    await this.store.settled?.();
    return answer;
  }

  /** Publishes changes and, when a parent finished, releases the jobs awaiting it. */
  published(jobs: JobRecord[]): void {
    if (jobs.length === 0) return;
    this.feed.publish(
      jobs.map((j) => ({
        jobId: j.id,
        state: j.state,
        version: j.version,
        tags: j.tags,
        ...(j.spec.bundle === undefined ? {} : { bundle: j.spec.bundle }),
      })),
    );
    if (jobs.some((j) => isTerminal(j.state) || j.state === "deleted")) {
      this.releaseAwaiting().catch(() => {
        // The reaper sweeps awaiting jobs on every tick; a failure here is retried there.
      });
    }
  }

  logAppended(job: JobRecord): void {
    this.feed.publish([
      { jobId: job.id, state: job.state, version: job.version, tags: job.tags, kind: "log" },
    ]);
  }

  /** Awaiting jobs whose parent finished: pending when it succeeded, canceled otherwise. */
  async releaseAwaiting(): Promise<number> {
    let released = 0;
    for (;;) {
      const ready = await this.store.findReleasable(200);
      if (ready.length === 0) return released;
      const now = this.clock();
      const transitions = ready.map(({ job, parentState }) =>
        parentState === "succeeded"
          ? planTransition(job, "parent_succeeded", {}, { now, reason: `parent ${job.parentId} succeeded` })
          : planTransition(
              job,
              "parent_unsuccessful",
              // The error is what `wait` and `show` print: without it the job just says "canceled".
              {
                error: {
                  message: `Not run: its parent job ${job.parentId} ${parentState.replace("_", " ")}`,
                },
              },
              { now, reason: `parent ${job.parentId} is ${parentState}` },
            ),
      );
      const results = await this.apply(transitions);
      released += results.filter(Boolean).length;
      if (ready.length < 200) return released;
    }
  }
}
