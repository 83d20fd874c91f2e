/**
 * The JobManager owns the worker's slots (p-limit, --max-jobs) and the claim loop: it long-polls
 * only while a slot is free and asks for exactly as many jobs as there are free slots, so a
 * claimed job never waits for a slot while its lease runs. It also drains on shutdown.
 */
import pLimit, { type LimitFunction } from "p-limit";
import type { Logger } from "pino";
import { isFlowyError } from "../shared/errors.ts";
import { retryDelayMs } from "../shared/retry-policy.ts";
import type { BundleHold, BundleSync } from "./bundles/bundle-sync.ts";
import { runFromBundle } from "./bundles/job-bundle.ts";
import { JobRun, type RunContext } from "./job-run.ts";
import { setupFailure } from "./outcome.ts";
import type { ServerClient } from "./leases/server-client.ts";
import type { ClaimedJob } from "../shared/protocol.ts";

export interface JobManagerOptions {
  client: Pick<ServerClient, "claim">;
  tags: string[];
  maxJobs: number;
  claimWaitS: number;
  context: RunContext;
  logger: Logger;
  /** Installs bundles between claims and keeps the versions running jobs use. */
  bundles?: BundleSync;
}

export type DrainResult = "drained" | "stopped";

const CLAIM_BACKOFF = { initial_s: 0.5, max_s: 15, factor: 2 };

export class JobManager {
  private readonly options: JobManagerOptions;
  private readonly limit: LimitFunction;
  private readonly runs = new Map<string, { run: JobRun; done: Promise<void> }>();
  private readonly abort = new AbortController();
  private claiming = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(options: JobManagerOptions) {
    this.options = options;
    this.limit = pLimit(options.maxJobs);
  }

  get running(): number {
    return this.runs.size;
  }

  start(): void {
    this.claiming = true;
    this.loop = this.claimLoop();
  }

  /** The server is canceling this job (control request): stop it now. */
  cancel(jobId: string): void {
    this.runs.get(jobId)?.run.stop({ kind: "cancel" });
  }

  /**
   * Runs a job handed over by reconcile; it takes a slot like any other. `bundleDir`: the bundle
   * version it was started from, kept installed until it ends.
   */
  adopt(run: JobRun, body: (run: JobRun) => Promise<void>, bundleDir?: string): void {
    const hold = bundleDir === undefined ? undefined : this.options.bundles?.holdDir(bundleDir);
    this.launch(run, body, hold);
  }

  /**
   * Stops claiming, waits up to `timeoutMs` for running jobs to finish and be reported, then
   * stops the rest (they are reported failed and retried elsewhere).
   */
  async drain(timeoutMs: number): Promise<DrainResult> {
    await this.stopClaiming();
    const all = this.allDone();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<true>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    });
    const outcome = await Promise.race([all.then(() => false), timedOut]);
    clearTimeout(timer);
    if (!outcome) return "drained";
    this.stopAll(
      `daemon-flowy shut down and stopped the job after its drain timeout of ${timeoutMs / 1000}s`,
    );
    await all;
    return "stopped";
  }

  /** Second signal: stop every job now (SIGKILL after no grace) and give reports `waitMs`. */
  async stopNow(waitMs: number): Promise<void> {
    void this.stopClaiming();
    this.stopAll("daemon-flowy was told to stop at once (second signal) and killed the job", 0);
    await Promise.race([this.allDone(), new Promise((resolve) => setTimeout(resolve, waitMs))]);
  }

  private stopAll(detail: string, graceMs?: number): void {
    for (const { run } of this.runs.values()) run.stop({ kind: "shutdown", detail }, graceMs);
  }

  private async stopClaiming(): Promise<void> {
    this.claiming = false;
    this.abort.abort();
    this.wake?.();
    await this.loop;
  }

  private allDone(): Promise<void> {
    return Promise.all([...this.runs.values()].map((r) => r.done)).then(() => undefined);
  }

  private freeSlots(): number {
    return this.options.maxJobs - this.limit.activeCount - this.limit.pendingCount;
  }

  private async claimLoop(): Promise<void> {
    const { client, tags, claimWaitS, context, logger } = this.options;
    let failures = 0;
    while (this.claiming) {
      const free = this.freeSlots();
      if (free <= 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      try {
        await this.options.bundles?.syncIfDue();
        if (!this.claiming) break;
        // Leases are counted from here, before the request leaves: the server stamps them later.
        const sentAt = context.keeper.clock();
        const installed = this.options.bundles?.installed() ?? [];
        const jobs = await client.claim(tags, free, claimWaitS, this.abort.signal, installed);
        failures = 0;
        for (const job of jobs) this.launchClaimed(job, sentAt);
      } catch (error) {
        if (!this.claiming) break;
        failures++;
        const delay = retryDelayMs(failures, CLAIM_BACKOFF);
        logger.warn({ err: describe(error), retry_in_ms: delay }, "claim failed; retrying");
        await this.pause(delay);
      }
    }
  }

  /**
   * A job that names a bundle holds the installed version it runs on (taken here, before the
   * next sync can remove it) and runs from its directory.
   */
  private launchClaimed(job: ClaimedJob, sentAt: number): void {
    const { context } = this.options;
    if (job.spec.bundle === undefined) {
      this.launch(new JobRun(job, context), (run) => run.runClaimed(sentAt));
      return;
    }
    const hold = this.options.bundles?.hold(job.spec.bundle);
    if (!hold) {
      // The server matched on the list this claim sent, so this is a daemon without bundle sync.
      const item = setupFailure(job, `bundle ${job.spec.bundle} is not installed on this worker`, true);
      this.launch(new JobRun(job, context), () => context.report(item).then(() => undefined));
      return;
    }
    this.launch(new JobRun(runFromBundle(job, hold.dir), context), (run) => run.runClaimed(sentAt), hold);
  }

  /**
   * A slot is taken while the job's process runs; its report goes on outside the slot, so a busy
   * worker starts the next job without waiting for the server to acknowledge the last one.
   */
  private launch(run: JobRun, body: (run: JobRun) => Promise<void>, hold?: BundleHold): void {
    const id = run.job.id;
    let settle!: (whole: Promise<void>) => void;
    const done = new Promise<Promise<void>>((resolve) => {
      settle = resolve;
    })
      .then((whole) => whole)
      .catch((error: unknown) =>
        this.options.logger.error({ job_id: id, err: describe(error) }, "job run failed"),
      )
      .finally(() => {
        this.runs.delete(id);
        hold?.release();
      });
    void this.limit(() => {
      const whole = body(run);
      settle(whole);
      return Promise.race([run.processEnded, whole]);
    })
      .catch(() => undefined)
      .finally(() => {
        this.wake?.();
        this.wake = undefined;
      });
    this.runs.set(id, { run, done });
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

function describe(error: unknown): string {
  if (isFlowyError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
