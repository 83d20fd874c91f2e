/**
 * Waiting for a job to finish without a tight polling loop: each round is one long-poll that the
 * server answers as soon as the job's version moves past the one we saw (or after `pollS`).
 * A server restart in the middle is ridden out by reconnecting (see reconnect.ts); a server that
 * was never reached fails the wait at once.
 */
import type { Job } from "../shared/protocol.ts";
import { isTerminal } from "../shared/states.ts";
import { type ReconnectOptions, Reconnector } from "./reconnect.ts";

export interface WaitOptions extends ReconnectOptions {
  /** Give up after this long (ms) and throw WaitTimeoutError; default: wait as long as it takes. */
  timeoutMs?: number;
  /** Called with the job when first seen and after every change. */
  onProgress?: (job: Job) => void;
  /** Seconds one long-poll may be held by the server (default 30, at most 60). */
  pollS?: number;
  /** The job as the caller already has it (e.g. just submitted): saves the first read. */
  initial?: Job;
}

/** The part of FlowyClient a wait needs; a narrow seam for tests. */
export interface JobPoller {
  get(id: string, signal?: AbortSignal): Promise<Job>;
  getChanged(id: string, version: number, waitS: number, signal?: AbortSignal): Promise<Job>;
}

/** The job did not finish within the wait's timeout; `job` is how it was last seen. */
export class WaitTimeoutError extends Error {
  readonly job: Job | undefined;
  constructor(id: string, timeoutMs: number, job: Job | undefined) {
    super(
      `Job ${id} did not finish within ${Math.round(timeoutMs / 1000)}s (last seen: ${job?.state ?? "unknown"})`,
    );
    this.name = "WaitTimeoutError";
    this.job = job;
  }
}

/** Finished for the purpose of waiting: a terminal state, or deleted (only a requeue revives it). */
export function isFinished(job: Job): boolean {
  return isTerminal(job.state) || job.state === "deleted";
}

export async function waitForJob(api: JobPoller, id: string, options: WaitOptions = {}): Promise<Job> {
  const { signal, timeoutMs, pollS = 30 } = options;
  const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
  const reconnector = new Reconnector(options, options.initial !== undefined);
  let job = options.initial;
  if (job) options.onProgress?.(job);
  if (job && isFinished(job)) return job;
  for (;;) {
    signal?.throwIfAborted();
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) throw new WaitTimeoutError(id, timeoutMs ?? 0, job);
    try {
      const next = job
        ? await api.getChanged(id, job.version, Math.min(pollS, remainingMs / 1000), signal)
        : await api.get(id, signal);
      reconnector.connected();
      if (!job || next.version !== job.version || next.state !== job.state) {
        job = next;
        options.onProgress?.(job);
      }
      if (isFinished(job)) return job;
    } catch (error) {
      signal?.throwIfAborted();
      await reconnector.recover(error);
    }
  }
}
