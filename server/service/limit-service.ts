/**
 * Declared concurrency limits: `customer-*` → at most N running jobs per matching key. The claim
 * reads them as it walks the queue, so a change holds at once on every replica; a change may free
 * slots, so it wakes the waiting claims (here and, on PostgreSQL, on the other replicas).
 */
import type { Logger } from "pino";
import type { ConcurrencyLimitRecord, Store } from "../store/store.ts";
import type { ChangeFeed } from "./change-feed.ts";

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

  private wakeClaims(): void {
    this.feed.publish([{ jobId: "", state: "pending", version: 0, tags: [], kind: "slot" }]);
  }
}
