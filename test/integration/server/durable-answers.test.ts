/**
 * An answer never acknowledges what is not yet durable. The store's WAL sync is held by the test
 * and then failed: a repeated report answered from a read while the first report's sync is
 * pending must wait for that sync, and fail with it; after a failed sync nothing is answered as
 * success.
 */
import { fdatasync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteStore } from "../../../server/store/sqlite/sqlite-store.ts";
import type { JobRecord } from "../../../server/store/store.ts";
import { get, post } from "../../helpers/http.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import { startServer } from "../../helpers/server.ts";
import { tmpDir } from "../../helpers/tmp.ts";

const EIO = () => Object.assign(new Error("EIO: i/o error"), { code: "EIO" });

/** fdatasync that passes through until `hold()`, then waits until `fail()`. */
function controlledSync() {
  let holding = false;
  const held: Array<(error: Error | null) => void> = [];
  return {
    syncFile(fd: number, done: (error: Error | null) => void) {
      if (holding) held.push(done);
      else fdatasync(fd, done);
    },
    hold: () => {
      holding = true;
    },
    heldCount: () => held.length,
    fail: () => {
      for (const done of held.splice(0)) done(EIO());
    },
  };
}

/** A SQLite store that tells the test when a job has been read (the repeat's decision read). */
class ObservedStore extends SqliteStore {
  reads = 0;
  override async getJob(id: string): Promise<JobRecord | undefined> {
    const job = await super.getJob(id);
    this.reads++;
    return job;
  }
  override async getJobs(ids: string[]): Promise<Array<JobRecord | undefined>> {
    const jobs = await super.getJobs(ids);
    this.reads++;
    return jobs;
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A job leased to w1. With `restarted`, the claim was made by an earlier server on the same
 * database, so this server has no record of the lease in memory (the batch path's cache miss).
 */
async function leasedJob(restarted = false) {
  const dbPath = join(tmpDir(), "flowy.db");
  const sync = controlledSync();
  const claimedBy = restarted ? await startServer({ dbPath }) : undefined;
  const store = new ObservedStore({ path: dbPath, syncFile: sync.syncFile });
  const lease = async (at: string) => {
    const submitted = await post(`${at}/jobs`, makeJobSpec());
    const claim = await post(`${at}/jobs/claim`, { worker_id: "w1", capacity: 1, wait_s: 0 });
    const job = claim.body.jobs[0] as { id: string; lease_token: string };
    expect(job.id).toBe(submitted.body.id);
    return job;
  };
  const earlier = claimedBy ? await lease(claimedBy.api) : undefined;
  await claimedBy?.close();
  const { api } = await startServer({ store, dbPath });
  const job = earlier ?? (await lease(api));
  return { api, store, sync, job };
}

/** Sends `repeat` once the first report's sync is held, and fails that sync once it was read. */
async function repeatWhileSyncHeld(
  setup: Awaited<ReturnType<typeof leasedJob>>,
  first: () => Promise<{ status: number; body: any }>,
  repeat: () => Promise<{ status: number; body: any }>,
) {
  const { store, sync } = setup;
  sync.hold();
  const firstAnswer = first();
  await until(() => sync.heldCount() > 0, "the first report's sync to start");
  const readsBefore = store.reads;
  const repeatAnswer = repeat();
  await until(() => store.reads > readsBefore, "the repeat to read the job");
  // Old code answers from that read at once; give it the turns it needs to send that answer.
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 50));
  sync.fail();
  return { first: await firstAnswer, repeat: await repeatAnswer };
}

describe("answers that only read wait for the store's pending sync", () => {
  it("does not answer a repeated complete as succeeded while the first one's sync is pending and then fails", async () => {
    const setup = await leasedJob();
    const { api, job } = setup;
    const body = { worker_id: "w1", lease_token: job.lease_token, exit_code: 0 };
    const answers = await repeatWhileSyncHeld(
      setup,
      () => post(`${api}/jobs/${job.id}/complete`, body),
      () => post(`${api}/jobs/${job.id}/complete`, body),
    );
    expect(answers.first.status).toBe(500);
    expect(answers.repeat.status).toBe(500);
    expect(answers.repeat.body.detail).toMatch(/Could not make SQLite writes durable/);
  });

  it("does not answer a repeated batch report ok on a cache miss while the first one's sync fails", async () => {
    const setup = await leasedJob(true);
    const { api, job } = setup;
    const report = {
      worker_id: "w1",
      items: [{ kind: "complete", job_id: job.id, lease_token: job.lease_token, exit_code: 0 }],
    };
    const answers = await repeatWhileSyncHeld(
      setup,
      () => post(`${api}/jobs/report`, report),
      () => post(`${api}/jobs/report`, report),
    );
    const okItems = (answer: { status: number; body: any }) =>
      answer.status === 200 ? answer.body.results.filter((r: { ok: boolean }) => r.ok) : [];
    expect(okItems(answers.first)).toEqual([]);
    expect(okItems(answers.repeat)).toEqual([]);
  });

  it("answers no read as success once a sync has failed", async () => {
    const setup = await leasedJob();
    const { api, job, sync } = setup;
    sync.hold();
    const completed = post(`${api}/jobs/${job.id}/complete`, {
      worker_id: "w1",
      lease_token: job.lease_token,
    });
    await until(() => sync.heldCount() > 0, "the complete's sync to start");
    sync.fail();
    expect((await completed).status).toBe(500);
    expect((await get(`${api}/jobs/${job.id}`)).status).toBe(500);
    expect((await get(`${api}/jobs?state=succeeded`)).status).toBe(500);
    expect((await get(`${api}/jobs/${job.id}/logs`)).status).toBe(500);
  });
});
