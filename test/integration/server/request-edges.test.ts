/** Requests at the edges of what clients send: body-less JSON posts, backoffs that cannot work. */
import { describe, expect, it } from "vitest";
import { post } from "../../helpers/http.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import { startServer } from "../../helpers/server.ts";

describe("request edges", () => {
  it("accepts a body-less cancel sent with Content-Type: application/json", async () => {
    const { api } = await startServer();
    const job = (await post(`${api}/jobs`, makeJobSpec())).body;
    const res = await fetch(`${api}/jobs/${job.id}/cancel`, {
      method: "POST",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { state: string }).state).toBe("canceled");
  });

  it("still refuses a body-less submit, naming the missing body", async () => {
    const { api } = await startServer();
    const res = await fetch(`${api}/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
  });

  it("refuses a backoff whose cap is below its start", async () => {
    const { api } = await startServer();
    const res = await post(`${api}/jobs`, makeJobSpec({ backoff: { initial_s: 10, max_s: 1, factor: 2 } }));
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/max_s/);
  });

  it("hands out fewer jobs when their specs and inputs would overfill a claim's answer", async () => {
    const { api } = await startServer({ maxClaimAnswerBytes: 1_048_576 });
    const big = { blob: "x".repeat(600_000) };
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await post(`${api}/jobs`, makeJobSpec({ inputs: big }))).body.id);
    const first = await post(`${api}/jobs/claim`, { worker_id: "w1", capacity: 3, wait_s: 0 });
    expect(first.status).toBe(200);
    expect(first.body.jobs).toHaveLength(1);
    const rest = await post(`${api}/jobs/claim`, { worker_id: "w1", capacity: 1, wait_s: 0 });
    expect(rest.body.jobs).toHaveLength(1);
    expect(rest.body.jobs[0].attempt).toBe(1);
  });
});
