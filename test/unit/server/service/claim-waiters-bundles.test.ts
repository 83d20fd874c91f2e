import { describe, expect, it } from "vitest";
import { createLocalChangeFeed } from "../../../../server/model/change-feed.ts";
import { ClaimWaiters } from "../../../../server/service/claim-waiters.ts";

describe("claim waiters and bundles", () => {
  it("wakes a waiter whose worker has the job's bundle, not the first idle one", async () => {
    const feed = createLocalChangeFeed();
    const waiters = new ClaimWaiters(feed);
    const deadline = Date.now() + 5_000;
    const woken: string[] = [];
    const waiting = (name: string, bundles: string[]) => {
      let looks = 0;
      return waiters.poll({ tags: [], bundles }, deadline, Date.now, undefined, async () => {
        if (++looks === 1) return [];
        woken.push(name);
        return [name];
      });
    };
    // The one without the bundle registered first: by tags alone, it would be woken.
    const plain = waiting("plain", []);
    const etl1 = waiting("etl1", ["etl@1.0.0"]);
    const etl2 = waiting("etl2", ["etl@2.0.0", "other@1.0.0"]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(waiters.size).toBe(3);
    feed.publish([{ jobId: "a", state: "pending", version: 1, tags: [], bundle: "etl@2.0.0" }]);
    expect(await etl2).toEqual(["etl2"]);
    feed.publish([{ jobId: "b", state: "pending", version: 1, tags: [], bundle: "etl" }]);
    expect(await etl1).toEqual(["etl1"]);
    expect(woken).toEqual(["etl2", "etl1"]);
    feed.publish([{ jobId: "c", state: "pending", version: 1, tags: [] }]);
    expect(await plain).toEqual(["plain"]);
    waiters.close();
  });
});
