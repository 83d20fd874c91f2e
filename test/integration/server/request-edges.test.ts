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
});
