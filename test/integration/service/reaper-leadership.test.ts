import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../../../shared/logging.ts";
import { createLocalChangeFeed } from "../../../server/model/change-feed.ts";
import { JobWriter } from "../../../server/service/job-writer.ts";
import { Reaper } from "../../../server/service/reaper.ts";
import { SqliteStore } from "../../../server/store/sqlite/sqlite-store.ts";
import { heldSchedule } from "../../helpers/held-schedule.ts";
import { tmpDir } from "../../helpers/tmp.ts";
import { newJob } from "../store-contract.ts";

describe("the reaper on a replica that does not lead", () => {
  it("leaves due work to the leader and asks to lead once per interval, not in a loop", async () => {
    const store = new SqliteStore({ path: join(tmpDir(), "flowy.db") });
    const overdue = newJob({ state: "scheduled", runAt: Date.now() - 60_000 });
    await store.insertJob(overdue, { event: "submit", from: null, to: "scheduled" });
    let asked = 0;
    const timer = heldSchedule();
    const reaper = new Reaper(store, new JobWriter(store, createLocalChangeFeed(), Date.now), {
      intervalMs: 100,
      logger: createLogger("flowy-test", "silent"),
      isLeader: async () => {
        asked++;
        return false;
      },
      schedule: timer.schedule,
    });
    reaper.start();
    const passes = 5;
    for (let i = 0; i < passes; i++) await timer.runNext();
    // Each pass asked once, and then waited a full interval, though a job is overdue.
    await vi.waitFor(() => expect(timer.delays).toHaveLength(passes + 1), { timeout: 30_000 });
    await reaper.stop();
    expect(asked).toBe(passes);
    expect(timer.delays).toEqual([0, ...Array(passes).fill(100)]);
    expect((await store.getJob(overdue.id))?.state).toBe("scheduled");
    await store.close();
  });
});
