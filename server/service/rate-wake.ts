/**
 * Jobs held back by their key's rate wait without polling: after a claim came back short, this
 * reads when the soonest rate-limited key with pending jobs may start again (rate-window.ts) and
 * has the claim waiters look again then (ClaimWaiters.wakeAllAt), as the reaper wakes at the
 * next scheduled run_at. Each replica does so for its own waiters: their own short claims arm it,
 * so nothing needs to cross replicas. A wake that finds the window taken by a claim elsewhere
 * costs one empty claim, which arms the next opening.
 */
import { nextStartAt, rateFor } from "../model/rate-window.ts";
import type { Store } from "../store/store.ts";
import type { ClaimWaiters } from "./claim-waiters.ts";

export class RateWake {
  private readonly store: Store;
  private readonly waiters: ClaimWaiters;
  private readonly now: () => number;
  /** One look at a time; short claims during it ask for one more after it. */
  private looking: Promise<void> | undefined;
  private again = false;

  constructor(store: Store, waiters: ClaimWaiters, now: () => number) {
    this.store = store;
    this.waiters = waiters;
    this.now = now;
  }

  /** A claim came back with fewer jobs than asked for. */
  claimedShort(): void {
    if (this.looking) {
      this.again = true;
      return;
    }
    this.looking = this.look()
      .catch(() => undefined) // a failed read only costs the wake-up: waiters still end at wait_s
      .finally(() => {
        this.looking = undefined;
        if (this.again) {
          this.again = false;
          this.claimedShort();
        }
      });
  }

  /** Resolves once any look under way has armed its wake-up (for tests). */
  settled(): Promise<void> {
    return this.looking ?? Promise.resolve();
  }

  private async look(): Promise<void> {
    const logs = await this.store.pendingRateStarts();
    if (logs.length === 0) return;
    const declared = await this.store.listLimits();
    const now = this.now();
    let soonest = Number.POSITIVE_INFINITY;
    for (const log of logs) {
      const rate = rateFor(log.key, declared)?.rate;
      const at = rate ? nextStartAt(log.starts, rate, now) : null;
      if (at !== null) soonest = Math.min(soonest, at);
    }
    if (soonest !== Number.POSITIVE_INFINITY) this.waiters.wakeAllAt(soonest, now);
  }
}
