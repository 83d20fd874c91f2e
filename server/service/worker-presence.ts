/**
 * Remembers when each worker was last seen without writing on every call. A busy worker claims
 * and reports many times a second; writing last_seen_at each time cost one more transaction (one
 * more fsync) per request, yet "seen within the last second" is all GET /workers needs to tell
 * active from lost (WORKER_LOST_AFTER_MS is a minute). So a worker is touched at most once per
 * interval, and the touch joins the write it accompanies in one group commit instead of
 * preceding it.
 */
import type { Store } from "../store/store.ts";

export const PRESENCE_INTERVAL_MS = 1_000;

export class WorkerPresence {
  private readonly store: Store;
  private readonly touchedAt = new Map<string, number>();

  constructor(store: Store) {
    this.store = store;
  }

  /**
   * Records that the worker was seen at `now`; resolves when that is stored (at once if it needs no
   * write). Never rejects: presence is bookkeeping, and a claim or report must not fail (or lose the
   * jobs it leased) because of it; a failed touch is simply tried again on the next call.
   */
  seen(workerId: string, now: number): Promise<void> {
    const last = this.touchedAt.get(workerId);
    if (last !== undefined && now - last < PRESENCE_INTERVAL_MS && now >= last) return Promise.resolve();
    this.touchedAt.set(workerId, now);
    return this.store.touchWorkers([workerId], now).catch(() => {
      this.touchedAt.delete(workerId);
    });
  }
}
