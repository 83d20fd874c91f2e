import { describe, expect, it } from "vitest";
import { claimAttempts, nextAttempt } from "../../helpers/claim-metrics.ts";
import { get, http, post } from "../../helpers/http.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import { startServer } from "../../helpers/server.ts";

const del = (url: string) => http("DELETE", url);
const ids = (res: { body: { jobs: Array<{ id: string }> } }) => res.body.jobs.map((j) => j.id);

describe("concurrency keys over HTTP", () => {
  it("runs one job of a key at a time by default and shows the key on the job", async () => {
    const { api } = await startServer();
    const first = await post(`${api}/jobs`, makeJobSpec({ concurrency_key: "customer-42" }));
    expect(first.body).toMatchObject({ concurrency_key: "customer-42", concurrency_limit: null });
    const second = await post(`${api}/jobs`, makeJobSpec({ concurrency_key: "customer-42" }));
    const claimed = await post(`${api}/jobs/claim`, { worker_id: "w", capacity: 5 });
    expect(ids(claimed)).toEqual([first.body.id]);
    expect((await get(`${api}/jobs/${second.body.id}`)).body.state).toBe("pending");
  });

  it("wakes a long-polling claim when a job of a full key finishes", async () => {
    const { url, api } = await startServer();
    const first = await post(`${api}/jobs`, makeJobSpec({ concurrency_key: "k" }));
    const second = await post(`${api}/jobs`, makeJobSpec({ concurrency_key: "k" }));
    const [lease] = (await post(`${api}/jobs/claim`, { worker_id: "a", capacity: 1 })).body.jobs;
    expect(lease.id).toBe(first.body.id);
    const before = await claimAttempts(url);
    // Without a wake-up this claim comes back empty when its 20 s pass.
    const waiting = post(`${api}/jobs/claim`, { worker_id: "b", capacity: 1, wait_s: 20 });
    await nextAttempt(url, before);
    await post(`${api}/jobs/${first.body.id}/complete`, { worker_id: "a", lease_token: lease.lease_token });
    expect(ids(await waiting)).toEqual([second.body.id]);
  }, 60_000);

  it("declares, lists and deletes limits by pattern, and a raised limit lets waiting jobs go", async () => {
    const { url, api } = await startServer();
    for (let i = 0; i < 3; i++) await post(`${api}/jobs`, makeJobSpec({ concurrency_key: "customer-7" }));
    expect(ids(await post(`${api}/jobs/claim`, { worker_id: "a", capacity: 5 }))).toHaveLength(1);
    const before = await claimAttempts(url);
    const waiting = post(`${api}/jobs/claim`, { worker_id: "b", capacity: 5, wait_s: 20 });
    await nextAttempt(url, before);
    const set = await post(`${api}/limits`, { key: "customer-*", concurrency: 3 });
    expect(set.body).toEqual({ key: "customer-*", concurrency: 3, rate: null });
    expect(ids(await waiting)).toHaveLength(2);
    expect((await get(`${api}/limits`)).body).toEqual({
      limits: [{ key: "customer-*", concurrency: 3, rate: null }],
    });
    expect((await del(`${api}/limits/${encodeURIComponent("customer-*")}`)).status).toBe(204);
    const again = await del(`${api}/limits/${encodeURIComponent("customer-*")}`);
    expect(again.status).toBe(404);
    expect(again.body.hint).toMatch(/limits list/);
  }, 60_000);

  it("lists the keys in use with their limit, where it comes from, and jobs in use and waiting", async () => {
    const { api } = await startServer();
    await post(`${api}/limits`, { key: "customer-*", concurrency: 2 });
    for (let i = 0; i < 3; i++) await post(`${api}/jobs`, makeJobSpec({ concurrency_key: "customer-7" }));
    await post(`${api}/jobs`, makeJobSpec({ concurrency_key: "own", concurrency_limit: 4 }));
    await post(`${api}/jobs`, makeJobSpec({ concurrency_key: "plain" }));
    expect(ids(await post(`${api}/jobs/claim`, { worker_id: "a", capacity: 10 }))).toHaveLength(4);
    expect((await get(`${api}/concurrency-keys`)).body).toEqual({
      keys: [
        { key: "customer-7", limit: 2, limit_from: "declared", pattern: "customer-*", in_use: 2, waiting: 1 },
        { key: "own", limit: 4, limit_from: "job", pattern: null, in_use: 1, waiting: 0 },
        { key: "plain", limit: 1, limit_from: "default", pattern: null, in_use: 1, waiting: 0 },
      ],
    });
  });

  it("refuses a limit without a key, naming what to add", async () => {
    const { api } = await startServer();
    const bad = await post(`${api}/jobs`, makeJobSpec({ concurrency_limit: 2 }));
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/concurrency_key/);
    expect((await post(`${api}/limits`, { key: "a b", concurrency: 1 })).status).toBe(400);
    expect((await post(`${api}/limits`, { key: "a", concurrency: 0 })).status).toBe(400);
  });
});
