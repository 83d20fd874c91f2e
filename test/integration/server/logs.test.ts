import { describe, expect, it } from "vitest";
import { get, post } from "../../helpers/http.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import { startServer } from "../../helpers/server.ts";

describe("job logs", () => {
  it("appends by offset, ignores a repeated chunk, reports a gap with the offset to resend from", async () => {
    const { api } = await startServer();
    const job = (await post(`${api}/jobs`, makeJobSpec())).body;
    const [leased] = (await post(`${api}/jobs/claim`, { worker_id: "w", capacity: 1 })).body.jobs;
    const append = (offset: number, data: string) =>
      post(`${api}/jobs/${job.id}/logs`, { worker_id: "w", lease_token: leased.lease_token, offset, data });
    expect((await append(0, "line 1\n")).body).toEqual({ length: 7 });
    expect((await append(0, "line 1\n")).body).toEqual({ length: 7 });
    expect((await append(7, "line 2\n")).body).toEqual({ length: 14 });
    const gap = await append(100, "lost");
    expect(gap.status).toBe(409);
    expect(gap.body).toMatchObject({ code: "log-gap", expected_offset: 14 });
    const log = await get(`${api}/jobs/${job.id}/logs`);
    expect(log.body).toBe("line 1\nline 2\n");
    expect(log.headers.get("flowy-log-length")).toBe("14");
    expect(log.headers.get("flowy-log-attempt")).toBe("1");
    expect((await get(`${api}/jobs/${job.id}/logs?offset=7`)).body).toBe("line 2\n");
  });

  it("streams a log with follow=1 until the job finishes", async () => {
    const { api } = await startServer();
    const job = (await post(`${api}/jobs`, makeJobSpec())).body;
    const [leased] = (await post(`${api}/jobs/claim`, { worker_id: "w", capacity: 1 })).body.jobs;
    const lease = { worker_id: "w", lease_token: leased.lease_token };
    await post(`${api}/jobs/${job.id}/logs`, { ...lease, offset: 0, data: "first\n" });
    const response = await fetch(`${api}/jobs/${job.id}/logs?follow=1`);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const read = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += decoder.decode(value);
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    await post(`${api}/jobs/${job.id}/logs`, { ...lease, offset: 6, data: "second\n" });
    await new Promise((r) => setTimeout(r, 100));
    await post(`${api}/jobs/${job.id}/complete`, lease);
    await read;
    expect(text).toBe("first\nsecond\n");
  });
});
