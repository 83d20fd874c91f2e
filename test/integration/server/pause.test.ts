import { describe, expect, it } from "vitest";
import { claimAttempts } from "../../helpers/claim-metrics.ts";
import { get, http, post } from "../../helpers/http.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import { startServer } from "../../helpers/server.ts";

const del = (url: string) => http("DELETE", url);

describe("pausing work by tag over HTTP", () => {
  it("holds back jobs carrying a paused tag, shows it in stats and metrics, and resumes", async () => {
    const { url, api } = await startServer();
    const paused = await post(`${api}/paused-tags`, { tag: "gpu" });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ tag: "gpu" });
    const gpu = await post(`${api}/jobs`, makeJobSpec({ tags: ["gpu"] }));
    const cpu = await post(`${api}/jobs`, makeJobSpec({ tags: ["cpu"] }));

    const claimed = await post(`${api}/jobs/claim`, { worker_id: "w", tags: ["gpu", "cpu"], capacity: 5 });
    expect(claimed.body.jobs.map((j: { id: string }) => j.id)).toEqual([cpu.body.id]);
    expect((await get(`${api}/jobs/${gpu.body.id}`)).body.state).toBe("pending");
    expect((await get(`${api}/stats`)).body.paused_tags).toEqual([paused.body]);
    expect((await get(`${api}/paused-tags`)).body).toEqual({ paused_tags: [paused.body] });
    expect((await get(`${url}/metrics`)).body).toContain('flowy_paused_tag{tag="gpu"} 1');

    expect((await del(`${api}/paused-tags/gpu`)).status).toBe(204);
    const again = await del(`${api}/paused-tags/gpu`);
    expect(again.status).toBe(404);
    expect(again.body.hint).toMatch(/stats/);
    expect((await get(`${api}/stats`)).body.paused_tags).toEqual([]);
    expect((await get(`${url}/metrics`)).body).not.toContain("flowy_paused_tag{");
    const after = await post(`${api}/jobs/claim`, { worker_id: "w", tags: ["gpu"], capacity: 5 });
    expect(after.body.jobs.map((j: { id: string }) => j.id)).toEqual([gpu.body.id]);
  });

  it("wakes a claim that is long-polling for a paused job when its tag is resumed", async () => {
    const { url, api } = await startServer();
    await post(`${api}/paused-tags`, { tag: "gpu" });
    const job = await post(`${api}/jobs`, makeJobSpec({ tags: ["gpu"] }));
    const before = await claimAttempts(url);
    // Without a wake-up this claim comes back empty when its 20 s pass.
    const claim = post(`${api}/jobs/claim`, { worker_id: "w", tags: ["gpu"], capacity: 1, wait_s: 20 });
    // Its first (empty) attempt is made once it is registered as a waiter.
    const deadline = Date.now() + 15_000;
    while ((await claimAttempts(url)) === before && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await del(`${api}/paused-tags/gpu`)).status).toBe(204);
    expect((await claim).body.jobs.map((j: { id: string }) => j.id)).toEqual([job.body.id]);
  }, 60_000);

  it("refuses a tag the job model would refuse, naming the field", async () => {
    const { api } = await startServer();
    const bad = await post(`${api}/paused-tags`, { tag: "no spaces" });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/tag/);
  });
});
