/**
 * The server's way to reach a daemon at once, without waiting for a heartbeat: each daemon keeps
 * one long-poll control request open (`POST /workers/{id}/control`), answered as soon as one of
 * the jobs it holds is being canceled or the worker is asked to drain. The daemon sends back what
 * it already knows, so an answer always carries news (or comes when `wait_s` passes), and a
 * request repeated after a lost answer simply gets the same news again.
 *
 * Like claims, a waiter listens to the change feed before it reads the state, so a cancel that
 * commits between the read and the wait is never missed; with PostgreSQL the feed crosses replicas.
 */
import { notFound } from "../../shared/errors.ts";
import { sleep } from "../../shared/sleep.ts";
import type { Store, WorkerRecord } from "../store/store.ts";
import type { ChangeFeed, JobChange } from "./change-feed.ts";
import type { JobWriter } from "./job-writer.ts";

export interface ControlState {
  /** Jobs the worker holds that are being canceled: stop them. */
  cancel: string[];
  /** The worker was asked to drain: stop claiming, finish what runs, exit. */
  drain: boolean;
}

export class WorkerControl {
  private readonly store: Store;
  private readonly writer: JobWriter;
  private readonly feed: ChangeFeed;
  /** Aborted at shutdown: every waiting control request is answered at once. */
  private readonly closing = new AbortController();

  constructor(store: Store, writer: JobWriter, feed: ChangeFeed) {
    this.store = store;
    this.writer = writer;
    this.feed = feed;
  }

  /** Answers once the worker's control state holds something `known` lacks, or after `waitS`. */
  async wait(
    workerId: string,
    known: ControlState,
    waitS: number,
    hungUp?: AbortSignal,
  ): Promise<ControlState> {
    const signal = hungUp ? AbortSignal.any([hungUp, this.closing.signal]) : this.closing.signal;
    const deadline = this.writer.now() + waitS * 1000;
    let signaled = false;
    let wake: (() => void) | undefined;
    const unsubscribe = this.feed.subscribe((change) => {
      if (!concerns(change, workerId)) return;
      signaled = true;
      wake?.();
    });
    try {
      for (;;) {
        signaled = false;
        const state = await this.state(workerId);
        const left = deadline - this.writer.now();
        if (hasNews(state, known) || left <= 0 || signal?.aborted) return state;
        if (!signaled) await sleep(left, signal, (resolve) => (wake = resolve));
        wake = undefined;
        if (signal?.aborted) return state;
      }
    } finally {
      unsubscribe();
    }
  }

  /** Answers every waiting control request now (server shutdown). */
  close(): void {
    this.closing.abort();
  }

  /** Asks the worker to drain; its control request hears of it at once. */
  async drain(workerId: string): Promise<WorkerRecord> {
    const worker = await this.store.requestDrain(workerId, this.writer.now());
    if (!worker) throw notFound("Worker", workerId);
    this.feed.publish([{ jobId: "", state: "running", version: 0, tags: [], kind: "drain", workerId }]);
    return worker;
  }

  private async state(workerId: string): Promise<ControlState> {
    const [held, worker] = await Promise.all([
      this.store.runningForWorker(workerId),
      this.store.getWorker(workerId),
    ]);
    return {
      cancel: held.filter((job) => job.state === "cancelling").map((job) => job.id),
      drain: worker?.drainRequestedAt != null,
    };
  }
}

/** A change that may alter a worker's control state: a job being canceled, its drain, a resync. */
function concerns(change: JobChange, workerId: string): boolean {
  if (change.kind === "resync") return true;
  if (change.kind === "drain") return change.workerId === workerId;
  return change.state === "cancelling";
}

function hasNews(state: ControlState, known: ControlState): boolean {
  const seen = new Set(known.cancel);
  return (state.drain && !known.drain) || state.cancel.some((id) => !seen.has(id));
}
