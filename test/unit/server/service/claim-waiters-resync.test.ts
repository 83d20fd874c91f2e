import { describe, expect, it } from "vitest";
import { createLocalChangeFeed } from "../../../../server/model/change-feed.ts";
import { ClaimWaiters } from "../../../../server/service/claim-waiters.ts";

describe("claim waiters after a resync", () => {
  it("wakes every waiting claim to look again when changes may have been missed", async () => {
    const feed = createLocalChangeFeed();
    const waiters = new ClaimWaiters(feed);
    const deadline = Date.now() + 5_000;
    // Each claim finds nothing at first and a job when it looks again.
    const polls = ["gpu", "cpu", "cpu"].map((tag) => {
      let looks = 0;
      return waiters.poll({ tags: [tag] }, deadline, Date.now, undefined, async () =>
        ++looks > 1 ? [tag] : [],
      );
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(waiters.size).toBe(3);
    feed.publish([{ jobId: "", state: "pending", version: 0, tags: [], kind: "resync" }]);
    expect(await Promise.all(polls)).toEqual([["gpu"], ["cpu"], ["cpu"]]);
    waiters.close();
  });
});
