import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteStore } from "../../server/store/sqlite/sqlite-store.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { describeStoreContract, newJob } from "./store-contract.ts";

describeStoreContract("sqlite", async () => new SqliteStore({ path: join(tmpDir(), "flowy.db") }));

describe("SQLite store specifics", () => {
  it("walks the claim index in order instead of scanning and sorting the queue", async () => {
    const store = new SqliteStore({ path: join(tmpDir(), "flowy.db") });
    const plan = store.explainClaim();
    await store.close();
    expect(plan).toMatch(/USING INDEX jobs_claim/);
    expect(plan).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
    expect(plan).not.toMatch(/SCAN jobs(?! USING)/);
  });

  it("counts recent finishes from their partial index, not by scanning the history", async () => {
    const store = new SqliteStore({ path: join(tmpDir(), "flowy.db") });
    const plan = store.explainCountFinished();
    await store.close();
    expect(plan).toMatch(/USING INDEX job_history_finished/);
  });

  it("commits writes that arrive together in one transaction", async () => {
    const store = new SqliteStore({ path: join(tmpDir(), "flowy.db") });
    await Promise.all(
      Array.from({ length: 50 }, () =>
        store.insertJob(newJob(), { event: "submit", from: null, to: "pending" }),
      ),
    );
    expect(store.largestBatch).toBeGreaterThan(1);
    await store.close();
  });

  it("keeps what it acknowledged across a reopen and migrates only once", async () => {
    const path = join(tmpDir(), "flowy.db");
    const first = new SqliteStore({ path });
    const { job } = await first.insertJob(newJob(), { event: "submit", from: null, to: "pending" });
    await first.close();
    const second = new SqliteStore({ path });
    expect((await second.getJob(job.id))?.id).toBe(job.id);
    await second.close();
  });
});
