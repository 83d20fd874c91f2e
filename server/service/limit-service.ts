/**
 * Declared limits: `customer-*` → at most N running jobs per matching key, and/or at most N
 * starts per window. The claim reads them as it walks the queue, so a change holds at once on
 * every replica; a change may free slots, so it wakes the waiting claims (here and, on
 * PostgreSQL, on the other replicas).
 */
import { formatRate } from "../../shared/rate.ts";
import { declaredFor } from "../model/concurrency.ts";
import { startsInWindow } from "../model/rate-window.ts";
import type { ConcurrencyLimitRecord, RateStartsRecord } from "../store/store.ts";
import { ClaimControl } from "./claim-control.ts";

/** A declared limit and, with a rate, its busiest key's starts in the current window. */
export interface LimitView {
  limit: ConcurrencyLimitRecord;
  window?: { key: string | null; starts: number };
}

export class LimitService extends ClaimControl {
  async set(limit: ConcurrencyLimitRecord): Promise<ConcurrencyLimitRecord> {
    const stored = await this.store.setLimit(limit);
    this.logger?.info(
      { key: stored.pattern, concurrency: stored.concurrency, rate: stored.rate && formatRate(stored.rate) },
      "limit set",
    );
    this.wakeClaims("slot");
    return stored;
  }

  /** False when no limit was declared for `pattern`. */
  async delete(pattern: string): Promise<boolean> {
    const deleted = await this.store.deleteLimit(pattern);
    if (deleted) {
      this.logger?.info({ key: pattern }, "limit deleted");
      this.wakeClaims("slot");
    }
    return deleted;
  }

  async list(): Promise<LimitView[]> {
    const [declared, logs] = await Promise.all([this.store.listLimits(), this.store.rateStarts()]);
    const now = this.clock();
    return declared.map((limit) =>
      limit.rate ? { limit, window: busiestKey(limit, declared, logs, now) } : { limit },
    );
  }
}

/** Of the keys `limit` governs (no more specific pattern matches them), the one with most starts in its window. */
function busiestKey(
  limit: ConcurrencyLimitRecord,
  declared: ConcurrencyLimitRecord[],
  logs: RateStartsRecord[],
  now: number,
): { key: string | null; starts: number } {
  let busiest: { key: string | null; starts: number } = { key: null, starts: 0 };
  for (const log of logs) {
    if (declaredFor(log.key, declared)?.pattern !== limit.pattern) continue;
    const starts = startsInWindow(log.starts, limit.rate!, now).length;
    if (starts > busiest.starts) busiest = { key: log.key, starts };
  }
  return busiest;
}
