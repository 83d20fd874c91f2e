import { describe, expect, it } from "vitest";
import { get, post } from "../../helpers/http.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import { startServer } from "../../helpers/server.ts";

async function explain(api: string, id: string) {
  const res = await get(`${api}/jobs/${id}/explain`);
  expect(res.status).toBe(200);
  return res.body;
}

const submit = async (api: string, body: Parameters<typeof makeJobSpec>[0] = {}) =>
  (await post(`${api}/jobs`, makeJobSpec(body))).body;
const register = (api: string, id: string, tags: string[]) =>
  post(`${api}/workers/register`, { worker_id: id, tags, capacity: 4 });

describe("GET /jobs/{id}/explain", () => {
  it("names a paused tag", async () => {
    const { api } = await startServer();
    await register(api, "w", ["gpu"]);
    await post(`${api}/paused-tags`, { tag: "gpu" });
    const job = await submit(api, { tags: ["gpu"] });
    const answer = await explain(api, job.id);
    expect(answer).toMatchObject({
      job_id: job.id,
      state: "pending",
      reason: "paused",
      details: { paused_tags: ["gpu"] },
    });
    expect(answer.message).toContain("tag `gpu` is paused");
  });

  it("says no live worker has the job's tags, and which come closest", async () => {
    const { api } = await startServer();
    await register(api, "near", ["gpu", "linux"]);
    await register(api, "far", ["arm"]);
    const job = await submit(api, { tags: ["a100", "gpu"] });
    const answer = await explain(api, job.id);
    expect(answer.reason).toBe("no_worker");
    expect(answer.message).toContain("no live worker has tags ⊇ {a100, gpu}");
    expect(answer.details.closest).toEqual([
      { worker_id: "near", missing: ["a100"] },
      { worker_id: "far", missing: ["a100", "gpu"] },
    ]);
  });

  it("names the concurrency key at its limit and the jobs holding it", async () => {
    const { api } = await startServer();
    await register(api, "w", []);
    const first = await submit(api, { concurrency_key: "customer-42" });
    const second = await submit(api, { concurrency_key: "customer-42" });
    await post(`${api}/jobs/claim`, { worker_id: "w", capacity: 4 });
    const answer = await explain(api, second.id);
    expect(answer).toMatchObject({
      reason: "concurrency_limit",
      details: { concurrency_key: "customer-42", limit: 1, held_by: [first.id] },
    });
    expect(answer.message).toContain(`held by jobs ${first.id}`);
  });

  it("gives a scheduled retry's time and the failure it backs off from", async () => {
    const { api } = await startServer();
    const job = await submit(api, { max_attempts: 2 });
    const [lease] = (await post(`${api}/jobs/claim`, { worker_id: "w", capacity: 1 })).body.jobs;
    await post(`${api}/jobs/${job.id}/failed`, {
      worker_id: "w",
      lease_token: lease.lease_token,
      message: "disk full",
    });
    const answer = await explain(api, job.id);
    expect(answer).toMatchObject({
      state: "scheduled",
      reason: "scheduled",
      details: { attempt: 1, error: "disk full" },
    });
    expect(answer.message).toMatch(/scheduled until \S+Z \(backoff after attempt 1 failed: disk full\)/);
  });

  it("names the parent an awaiting job waits for, with its state", async () => {
    const { api } = await startServer();
    const parent = await submit(api);
    const child = await submit(api, { parent_id: parent.id });
    const answer = await explain(api, child.id);
    expect(answer).toMatchObject({
      reason: "awaiting_parent",
      details: { parent_id: parent.id, parent_state: "pending" },
    });
    expect(answer.message).toContain(`awaiting parent ${parent.id} (pending)`);
  });

  it("gives a runnable job's place in line, and says where a running one runs", async () => {
    const { api } = await startServer();
    await register(api, "w", []);
    const jobs = [await submit(api), await submit(api), await submit(api, { priority: -1 })];
    const answer = await explain(api, jobs[2].id);
    expect(answer).toMatchObject({ reason: "in_line", details: { position: 3, ahead: 2, workers: ["w"] } });
    await post(`${api}/jobs/claim`, { worker_id: "w", capacity: 1 });
    expect((await explain(api, jobs[0].id)).message).toBe(`Job ${jobs[0].id} is running on worker w.`);
    expect((await explain(api, jobs[2].id)).details.position).toBe(2);
  });

  it("answers 404 for a job that does not exist", async () => {
    const { api } = await startServer();
    expect((await get(`${api}/jobs/01aaaaaaaaaaaaaaaaaaaaaaaa/explain`)).status).toBe(404);
  });
});
