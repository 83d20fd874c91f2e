/**
 * Pausing work by tag: while a tag is paused, claims pass over every job carrying it (the claim
 * statement reads the paused set, so it holds on every replica at once); jobs already running
 * finish. Resuming wakes every waiting claim, here and on the other replicas (a resync on the
 * change feed), since the jobs it frees were pending all along and will publish nothing.
 */
import type { PausedTagRecord } from "../store/store.ts";
import { ClaimControl } from "./claim-control.ts";

export class PauseService extends ClaimControl {
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
      this.wakeClaims("resync");
    }
    return resumed;
  }

  list(): Promise<PausedTagRecord[]> {
    return this.store.listPausedTags();
  }
}
