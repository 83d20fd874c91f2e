/**
 * Long-poll for claims: a worker with free slots waits here until a job it can run becomes
 * pending, or until its wait_s passes. No polling: a waiter sleeps until the change feed says a
 * job with tags it has became pending. The waiter is registered before the claim attempt, so a
 * job that arrives between an empty claim and the wait is never missed.
 */
import { parseBundleRef } from "../../shared/bundle-ref.ts";
import type { ChangeFeed, JobChange } from "./change-feed.ts";

interface Waiter {
  tags: ReadonlySet<string>;
  /** The bundles the worker has (name@version) and their names. */
  bundles: ReadonlySet<string>;
  bundleNames: ReadonlySet<string>;
  signaled: boolean;
  wake: (() => void) | null;
}

export class ClaimWaiters {
  private readonly waiters = new Set<Waiter>();
  /** Jobs whose wake-up was spent before their commit (handOff): their publish wakes no one. */
  private readonly handedOff = new Set<string>();
  private readonly unsubscribe: () => void;
  private closed = false;
  /** The one timer wakeAllAt keeps: the earliest time asked for. */
  private alarm: { at: number; timer: NodeJS.Timeout } | undefined;

  constructor(feed: ChangeFeed) {
    this.unsubscribe = feed.subscribe((change) => this.onChange(change));
  }

  get size(): number {
    return this.waiters.size;
  }

  /**
   * Calls `attempt` until it returns something non-empty, a job arrives too late (deadline), or
   * `signal` aborts (the worker hung up: claiming then would lease jobs to nobody).
   */
  async poll<T>(
    worker: { tags: string[]; bundles?: string[] },
    deadline: number,
    now: () => number,
    signal: AbortSignal | undefined,
    attempt: () => Promise<T[]>,
  ): Promise<T[]> {
    const bundles = worker.bundles ?? [];
    const waiter: Waiter = {
      tags: new Set(worker.tags),
      bundles: new Set(bundles),
      bundleNames: new Set(bundles.map((b) => parseBundleRef(b).name)),
      signaled: false,
      wake: null,
    };
    this.waiters.add(waiter);
    try {
      for (;;) {
        waiter.signaled = false;
        const found = await attempt();
        if (found.length > 0) return found;
        const remaining = deadline - now();
        if (remaining <= 0 || signal?.aborted || this.closed) return found;
        if (!waiter.signaled) await this.sleep(waiter, remaining, signal);
        if (signal?.aborted || this.closed) return [];
        if (!waiter.signaled && deadline - now() <= 0) return [];
      }
    } finally {
      this.waiters.delete(waiter);
    }
  }

  private sleep(waiter: Waiter, ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        waiter.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
      waiter.wake = done;
    });
  }

  /**
   * A pending job whose insert is queued for the store's next group commit: one idle waiter that
   * can run it wakes now, so its claim joins the same commit and the job is handed over with one
   * commit and one fsync instead of two in a row. Only for a store whose writes of one event-loop
   * turn share a transaction (SQLite). Call `submitted` once the insert has settled.
   */
  handOff(jobId: string, tags: readonly string[], bundle?: string): void {
    if (this.wakeOne(tags, bundle)) this.handedOff.add(jobId);
  }

  /** The insert `handOff` was told of has settled (committed, deduplicated or failed). */
  submitted(jobId: string): void {
    this.handedOff.delete(jobId);
  }

  /**
   * One new pending job wakes one idle waiter that can run it, not all of them: a burst of
   * submits wakes as many workers as there are jobs, and a single job does not stampede.
   */
  private onChange(change: JobChange): void {
    if (change.kind === "resync" || change.kind === "slot") {
      this.wakeAll();
      return;
    }
    if (change.state !== "pending" || this.handedOff.delete(change.jobId)) return;
    this.wakeOne(change.tags, change.bundle);
  }

  /**
   * Wakes one idle waiter with all of `tags` (and the job's bundle, if it names one); it goes to
   * the back of the line, so wake-ups rotate.
   */
  private wakeOne(tags: readonly string[], bundle?: string): boolean {
    for (const waiter of this.waiters) {
      if (waiter.signaled || !tags.every((tag) => waiter.tags.has(tag))) continue;
      if (bundle !== undefined && !mayHave(waiter, bundle)) continue;
      waiter.signaled = true;
      this.waiters.delete(waiter);
      this.waiters.add(waiter);
      waiter.wake?.();
      return true;
    }
    return false;
  }

  /**
   * Every waiter looks again at `at` (a rate-limited key's window opens then: rate-wake.ts). One
   * timer, for the earliest time asked; a later time is asked again by the claims it wakes.
   */
  wakeAllAt(at: number, now: number): void {
    if (this.closed || (this.alarm && this.alarm.at <= at)) return;
    if (this.alarm) clearTimeout(this.alarm.timer);
    const timer = setTimeout(
      () => {
        this.alarm = undefined;
        this.wakeAll();
      },
      Math.max(0, at - now),
    );
    timer.unref();
    this.alarm = { at, timer };
  }

  private wakeAll(): void {
    for (const waiter of this.waiters) {
      waiter.signaled = true;
      waiter.wake?.();
    }
  }

  /** Sends every waiter home empty-handed (server shutdown). */
  close(): void {
    if (this.alarm) clearTimeout(this.alarm.timer);
    this.closed = true;
    for (const waiter of this.waiters) waiter.wake?.();
    this.unsubscribe();
  }
}

/**
 * Whether the waiter's worker may run a job naming `bundle`: the pinned version, or any version
 * of the name for the latest (only the claim knows which version that is). Only a hint: the
 * claim decides, and a job whose wake-up went to the wrong waiter goes to the next claim of a
 * worker that has its bundle (at the latest when that worker's wait_s ends).
 */
function mayHave(waiter: Waiter, bundle: string): boolean {
  const { name, version } = parseBundleRef(bundle);
  return version === null ? waiter.bundleNames.has(name) : waiter.bundles.has(bundle);
}
