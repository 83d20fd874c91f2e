/**
 * What pauses and declared limits share: each changes which pending jobs a claim may take, and a
 * change that frees jobs publishes nothing of its own (they were pending all along), so it wakes
 * the waiting claims itself, here and (over the change feed) on the other replicas.
 */
import type { Logger } from "pino";
import type { Store } from "../store/store.ts";
import type { ChangeFeed } from "./change-feed.ts";
import type { Clock } from "./clock.ts";

export abstract class ClaimControl {
  protected readonly store: Store;
  protected readonly feed: ChangeFeed;
  protected readonly clock: Clock;
  protected readonly logger: Logger | undefined;

  constructor(store: Store, feed: ChangeFeed, clock: Clock, logger?: Logger) {
    this.store = store;
    this.feed = feed;
    this.clock = clock;
    this.logger = logger;
  }

  /** `resync`: look at the whole queue again; `slot`: a concurrency or rate slot may be free. */
  protected wakeClaims(kind: "resync" | "slot"): void {
    this.feed.publish([{ jobId: "", state: "pending", version: 0, tags: [], kind }]);
  }
}
