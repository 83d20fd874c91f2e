import { describe, expect, it } from "vitest";
import { get, post } from "../../helpers/http.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import { manualClock, startServer } from "../../helpers/server.ts";

type Change = { id: string; state: string; version: number; kind?: string };

/** The `jobs` events of a server-sent event stream, one batch of changes per event. */
async function* jobEvents(url: string, signal: AbortSignal): AsyncGenerator<Change[]> {
  const response = await fetch(url, { headers: { accept: "text/event-stream" }, signal });
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  let buffer = "";
  yield []; // the stream is open
  for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const data = /^event: jobs\ndata: (.*)$/m.exec(buffer.slice(0, end))?.[1];
      buffer = buffer.slice(end + 2);
      if (data) yield JSON.parse(data) as Change[];
    }
  }
}

describe("live job changes (server-sent events)", () => {
  it("streams job changes, marking those where only the log grew", async () => {
    const { api } = await startServer();
    const controller = new AbortController();
    const seen: Change[] = [];
    let job: { id: string; lease_token: string } | undefined;
    for await (const batch of jobEvents(`${api}/events`, controller.signal)) {
      seen.push(...batch);
      if (!job) {
        await post(`${api}/jobs`, makeJobSpec());
        job = (await post(`${api}/jobs/claim`, { worker_id: "w", capacity: 1 })).body.jobs[0];
      } else if (batch.some((c) => c.id === job!.id && c.state === "running" && !c.kind)) {
        const lease = { worker_id: "w", lease_token: job.lease_token };
        await post(`${api}/jobs/${job.id}/logs`, { ...lease, offset: 0, data: "hello\n" });
      } else if (batch.some((c) => c.id === job!.id && c.kind === "log")) break;
    }
    controller.abort();
    expect(seen.filter((c) => c.id === job!.id).map((c) => [c.state, c.kind])).toEqual([
      ...(seen.some((c) => c.state === "pending") ? [["pending", undefined]] : []),
      ["running", undefined],
      ["running", "log"],
    ]);
  });

  it("answers a client that does not ask for an event stream instead of holding it open", async () => {
    const { api } = await startServer();
    const res = await get(`${api}/events`);
    expect(res.status).toBe(400);
    expect(res.body.hint).toMatch(/text\/event-stream/);
  });

  it("closes open streams when the server shuts down", async () => {
    const { api, close } = await startServer();
    const response = await fetch(`${api}/events`, { headers: { accept: "text/event-stream" } });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let opening = "";
    while (!opening.includes(": flowy job changes\n\n")) opening += (await reader.read()).value ?? "";
    expect(opening).toBe("retry: 2000\n: flowy job changes\n\n");
    const closing = close();
    // The server ends the stream (a reset would reject the read) and its close does not wait on it.
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += chunk.value;
    expect(rest).toMatch(/^(: ping\n\n)*$/);
    await expect(closing).resolves.toBeUndefined();
  });
});

describe("GET /api/v1/stats/throughput", () => {
  it("counts finished jobs per minute, oldest bucket first, empty minutes included", async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1, 12, 0, 30));
    const { api } = await startServer({ clock });
    // A long lease: the reaper must not expire it when the clock jumps a minute.
    const ok = (await post(`${api}/jobs`, makeJobSpec({ lease_s: 600 }))).body;
    await post(`${api}/jobs/${(await post(`${api}/jobs`, makeJobSpec())).body.id}/cancel`);
    const [leased] = (await post(`${api}/jobs/claim`, { worker_id: "w", capacity: 1 })).body.jobs;
    clock.advance(60_000);
    await post(`${api}/jobs/${ok.id}/complete`, { worker_id: "w", lease_token: leased.lease_token });
    const res = await get(`${api}/stats/throughput?minutes=3`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      bucket_s: 60,
      buckets: [
        { at: "2026-01-01T11:59:00.000Z", succeeded: 0, failed: 0, timed_out: 0, canceled: 0 },
        { at: "2026-01-01T12:00:00.000Z", succeeded: 0, failed: 0, timed_out: 0, canceled: 1 },
        { at: "2026-01-01T12:01:00.000Z", succeeded: 1, failed: 0, timed_out: 0, canceled: 0 },
      ],
    });
    expect((await get(`${api}/stats/throughput?minutes=0`)).status).toBe(400);
  });
});
