import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../shared/logging.ts";
import { createLocalChangeFeed } from "../../../server/model/change-feed.ts";
import { JobWriter } from "../../../server/service/job-writer.ts";
import { Reaper } from "../../../server/service/reaper.ts";
import { SqliteStore } from "../../../server/store/sqlite/sqlite-store.ts";
import { tmpDir } from "../../helpers/tmp.ts";
import { newJob } from "../store-contract.ts";

describe("the reaper on a replica that does not lead", () => {
  it("leaves due work to the leader and asks to lead once per interval, not in a loop", async () => {
    const store = new SqliteStore({ path: join(tmpDir(), "flowy.db") });
    const overdue = newJob({ state: "scheduled", runAt: Date.now() - 60_000 });
    await store.insertJob(overdue, { event: "submit", from: null, to: "scheduled" });
    let asked = 0;
    const reaper = new Reaper(store, new JobWriter(store, createLocalChangeFeed(), Date.now), {
      intervalMs: 100,
      logger: createLogger("flowy-test", "silent"),
      isLeader: async () => {
        asked++;
        return false;
      },
    });
    reaper.start();
    await new Promise((resolve) => setTimeout(resolve, 550));
    await reaper.stop();
    expect((await store.getJob(overdue.id))?.state).toBe("scheduled");
    expect(asked).toBeGreaterThanOrEqual(1);
    expect(asked).toBeLessThanOrEqual(8); // about 6; spinning would make it hundreds
    await store.close();
  });
});
