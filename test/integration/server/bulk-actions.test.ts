import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { SqliteStore } from "../../../server/store/sqlite/sqlite-store.ts";
import type { JobFilter, JobRecord } from "../../../server/store/store.ts";
import { get, post } from "../../helpers/http.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import { startServer } from "../../helpers/server.ts";
import { tmpDir } from "../../helpers/tmp.ts";

/** A store that runs `beforeAnswer` once, between a bulk action's read of a page and its write. */
class RacingStore extends SqliteStore {
  beforeAnswer: (() => Promise<void>) | undefined;
  override async listJobs(filter: JobFilter): Promise<JobRecord[]> {
    const jobs = await super.listJobs(filter);
    const hook = this.beforeAnswer;
    if (hook && filter.limit > 1) {
      this.beforeAnswer = undefined;
      await hook();
    }
    return jobs;
  }
}

async function submitCanceled(api: string, tags: string[], count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = (await post(`${api}/jobs`, makeJobSpec({ tags }))).body.id as string;
    await post(`${api}/jobs/${id}/cancel`);
    ids.push(id);
  }
  return ids;
}

async function finished(api: string, started: { id: string }) {
  let progress: any;
  await expect
    .poll(
      async () => {
        progress = (await get(`${api}/jobs/bulk/${started.id}`)).body;
        return progress.state;
      },
      { timeout: 30_000 },
    )
    .toBe("finished");
  return progress;
}

describe("bulk actions", () => {
  it("counts, then requeues every job the search matches and nothing else, naming it in each history", async () => {
    const { api } = await startServer();
    const etl = await submitCanceled(api, ["etl"], 6);
    const other = await submitCanceled(api, ["other"], 3);
    const filter = { state: "canceled", tag: "etl" };
    const counted = await post(`${api}/jobs/bulk`, { action: "requeue", filter, dry_run: true });
    expect(counted.status).toBe(200);
    expect(counted.body).toMatchObject({ id: null, state: "counted", matched: 6 });
    const started = await post(`${api}/jobs/bulk`, { action: "requeue", filter });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ state: "running", matched: 6 });
    const done = await finished(api, started.body);
    expect(done).toMatchObject({ matched: 6, done: 6, changed: 6, unchanged: 0, refused: 0 });
    for (const id of etl) {
      const job = (await get(`${api}/jobs/${id}`)).body;
      expect(job.state).toBe("pending");
      expect(job.history.at(-1).reason).toMatch(/^requeued by a client \(bulk action [0-9a-f]{8}\)$/);
    }
    for (const id of other) expect((await get(`${api}/jobs/${id}`)).body.state).toBe("canceled");
  });

  it("acts on a selection only, and counts what it may not move as refused", async () => {
    const { api } = await startServer();
    const [a, b, c] = await submitCanceled(api, [], 3);
    const running = (await post(`${api}/jobs`, makeJobSpec())).body.id;
    await post(`${api}/jobs/claim`, { worker_id: "w1", capacity: 1, tags: [] });
    const started = await post(`${api}/jobs/bulk`, { action: "delete", filter: { ids: [a, b, running] } });
    const done = await finished(api, started.body);
    expect(done).toMatchObject({ matched: 3, changed: 2, refused: 1 });
    expect(done.errors).toEqual([{ job_id: running, message: expect.stringMatching(/running/) }]);
    expect((await get(`${api}/jobs/${c}`)).body.state).toBe("canceled");
    expect((await get(`${api}/jobs/${running}`)).body.state).toBe("running");
  });

  it("leaves alone a job that stopped matching between the read and the write", async () => {
    const store = new RacingStore({ path: join(tmpDir(), "flowy.db") });
    const { api } = await startServer({ store });
    const [moved, stays] = await submitCanceled(api, ["etl"], 2);
    // After the action reads the page, someone else requeues one job: it no longer matches.
    store.beforeAnswer = async () => {
      expect((await post(`${api}/jobs/${moved}/requeue`)).status).toBe(200);
    };
    const started = await post(`${api}/jobs/bulk`, { action: "delete", filter: { state: "canceled" } });
    const done = await finished(api, started.body);
    expect(done).toMatchObject({ matched: 2, done: 2, changed: 1, unchanged: 1, refused: 0 });
    // The requeued (now pending) job was not deleted by an action on canceled jobs.
    expect((await get(`${api}/jobs/${moved}`)).body.state).toBe("pending");
    expect((await get(`${api}/jobs/${stays}`)).body.state).toBe("deleted");
  });

  it("says what to do with an unknown action id or a bad filter", async () => {
    const { api } = await startServer();
    const missing = await get(`${api}/jobs/bulk/4c1e7f0e-0000-4000-8000-000000000000`);
    expect(missing.status).toBe(404);
    const bad = await post(`${api}/jobs/bulk`, { action: "requeue", filter: { state: "bogus" } });
    expect(bad.status).toBe(400);
    expect(bad.body.hint).toMatch(/States are/);
    expect((await post(`${api}/jobs/bulk`, { action: "explode", filter: {} })).status).toBe(400);
  });
});
