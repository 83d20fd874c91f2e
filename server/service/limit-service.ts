/**
 * Declared limits: `customer-*` → at most N running jobs per matching key, and/or at most N
 * starts per window. The claim reads them as it walks the queue, so a change holds at once on
 * every replica; a change may free slots, so it wakes the waiting claims (here and, on
 * PostgreSQL, on the other replicas).
 */
import { formatRate } from "../../shared/rate.ts";
import { declaredFor, limitFor } from "../model/concurrency.ts";
import { startsInWindow } from "../model/rate-window.ts";
import type { ConcurrencyKeyUsage, ConcurrencyLimitRecord, RateStartsRecord } from "../store/store.ts";
import { ClaimControl } from "./claim-control.ts";

/** The busiest keys the Limits page lists; a page of thousands of keys would help no one. */
const KEY_USAGE_LIMIT = 200;

/** A declared limit and, with a rate, its busiest key's starts in the current window. */
export interface LimitView {
  limit: ConcurrencyLimitRecord;
  window?: { key: string | null; starts: number };
}

/** A key's jobs now, with the limit that holds them and where that limit comes from. */
export interface KeyUsageView extends ConcurrencyKeyUsage {
  /** null: no cap (a pattern declared with only a rate). */
  limit: number | null;
  from: "job" | "declared" | "default";
  pattern: string | null;
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

  /** Keys with running or pending jobs, busiest first, each with the limit the claim applies. */
  async usage(): Promise<KeyUsageView[]> {
    const [declared, keys] = await Promise.all([
      this.store.listLimits(),
      this.store.concurrencyKeyUsage(KEY_USAGE_LIMIT),
    ]);
    return keys.map((usage) => {
      const { limit, from, pattern } = limitFor(
        { concurrencyKey: usage.key, concurrencyLimit: usage.jobLimit },
        declared,
      );
      return { ...usage, limit: Number.isFinite(limit) ? limit : null, from, pattern: pattern ?? null };
    });
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
