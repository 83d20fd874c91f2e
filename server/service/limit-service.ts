/**
 * Declared concurrency limits: `customer-*` → at most N running jobs per matching key. The claim
 * reads them as it walks the queue, so a change holds at once on every replica; a change may free
 * slots, so it wakes the waiting claims (here and, on PostgreSQL, on the other replicas).
 */
import type { Logger } from "pino";
import { limitFor } from "../model/concurrency.ts";
import type { ConcurrencyKeyUsage, ConcurrencyLimitRecord, Store } from "../store/store.ts";
import type { ChangeFeed } from "./change-feed.ts";

/** The busiest keys the Limits page lists; a page of thousands of keys would help no one. */
const KEY_USAGE_LIMIT = 200;

/** A key's jobs now, with the limit that holds them and where that limit comes from. */
export interface KeyUsageView extends ConcurrencyKeyUsage {
  limit: number;
  from: "job" | "declared" | "default";
  pattern: string | null;
}

export class LimitService {
  private readonly store: Store;
  private readonly feed: ChangeFeed;
  private readonly logger: Logger | undefined;

  constructor(store: Store, feed: ChangeFeed, logger?: Logger) {
    this.store = store;
    this.feed = feed;
    this.logger = logger;
  }

  async set(limit: ConcurrencyLimitRecord): Promise<ConcurrencyLimitRecord> {
    const stored = await this.store.setLimit(limit);
    this.logger?.info({ key: stored.pattern, concurrency: stored.concurrency }, "concurrency limit set");
    this.wakeClaims();
    return stored;
  }

  /** False when no limit was declared for `pattern`. */
  async delete(pattern: string): Promise<boolean> {
    const deleted = await this.store.deleteLimit(pattern);
    if (deleted) {
      this.logger?.info({ key: pattern }, "concurrency limit deleted");
      this.wakeClaims();
    }
    return deleted;
  }

  list(): Promise<ConcurrencyLimitRecord[]> {
    return this.store.listLimits();
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
      return { ...usage, limit, from, pattern: pattern ?? null };
    });
  }

  private wakeClaims(): void {
    this.feed.publish([{ jobId: "", state: "pending", version: 0, tags: [], kind: "slot" }]);
  }
}
