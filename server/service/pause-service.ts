/**
 * Pausing work by tag: while a tag is paused, claims pass over every job carrying it (the claim
 * statement reads the paused set, so it holds on every replica at once); jobs already running
 * finish. Resuming wakes every waiting claim, here and on the other replicas (a resync on the
 * change feed), since the jobs it frees were pending all along and will publish nothing.
 */
import type { Logger } from "pino";
import type { PausedTagRecord, Store } from "../store/store.ts";
import type { ChangeFeed } from "./change-feed.ts";
import type { Clock } from "./clock.ts";

export class PauseService {
  private readonly store: Store;
  private readonly feed: ChangeFeed;
  private readonly clock: Clock;
  private readonly logger: Logger | undefined;

  constructor(store: Store, feed: ChangeFeed, clock: Clock, logger?: Logger) {
    this.store = store;
    this.feed = feed;
    this.clock = clock;
    this.logger = logger;
  }

  async pause(tag: string): Promise<PausedTagRecord> {
    const paused = await this.store.pauseTag(tag, this.clock());
    this.logger?.info({ tag }, "tag paused");
    return paused;
  }

  /** False when the tag was not paused. */
  async resume(tag: string): Promise<boolean> {
    const resumed = await this.store.resumeTag(tag);
    if (resumed) {
      this.logger?.info({ tag }, "tag resumed");
      this.feed.publish([{ jobId: "", state: "pending", version: 0, tags: [], kind: "resync" }]);
    }
    return resumed;
  }

  list(): Promise<PausedTagRecord[]> {
    return this.store.listPausedTags();
  }
}
