/**
 * Live streams under pressure: a viewer that stops reading is dropped (its backlog must not grow
 * with the queue), and streams are capped per key and in total with 503 + Retry-After. The
 * tests wait for what the server reports (its metrics), never for a time.
 */
import { connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { createLocalChangeFeed } from "../../../server/service/change-feed.ts";
import { startServer } from "../../helpers/server.ts";

const SSE = { accept: "text/event-stream" };

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : 0;
}

async function until(condition: () => Promise<boolean>, what: string, step?: () => void): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    step?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** An SSE client that sends its request and then never reads a byte. */
function stalledViewer(url: string): Socket {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.pause();
  socket.write(`GET /api/v1/events HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\n\r\n`);
  return socket;
}

describe("live job changes under pressure", () => {
  it("drops a viewer that stops reading once changes pile up for it, and frees its slot", async () => {
    const feed = createLocalChangeFeed();
    const { url, api } = await startServer({
      feed,
      streamLimits: { flushMs: 10, maxTotal: 1, maxPendingChanges: 1_000, stallMs: 60_000 },
    });
    const viewer = stalledViewer(url);
    await until(async () => (await metric(url, "flowy_sse_streams_open")) === 1, "the viewer's stream");
    // Distinct jobs' changes until its socket fills, stalls, and its backlog passes the cap.
    let n = 0;
    const publish = () => {
      const changes = Array.from({ length: 2_000 }, () => ({
        jobId: `01job${String(n++).padStart(20, "0")}`,
        state: "pending" as const,
        version: 1,
        tags: [],
      }));
      feed.publish(changes);
    };
    await until(
      async () => (await metric(url, "flowy_sse_streams_dropped_total")) >= 1,
      "the stalled viewer to be dropped",
      publish,
    );
    await until(async () => (await metric(url, "flowy_sse_streams_open")) === 0, "its slot to be freed");
    const probe = await fetch(`${api}/events`, { headers: SSE });
    expect(probe.status).toBe(200);
    await probe.body?.cancel();
    viewer.destroy();
  });

  it("refuses streams past the total cap with 503 and Retry-After", async () => {
    const { url, api } = await startServer({ streamLimits: { maxTotal: 2 } });
    const held = [stalledViewer(url), stalledViewer(url)];
    await until(async () => (await metric(url, "flowy_sse_streams_open")) === 2, "two streams");
    const refused = await fetch(`${api}/events`, { headers: SSE });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(((await refused.json()) as { hint: string }).hint).toMatch(/Retry later/);
    for (const socket of held) socket.destroy();
  });

  it("caps streams per key, leaving other keys their own", async () => {
    const ts = await startServer({ streamLimits: { maxPerKey: 1 } });
    const a = (await ts.server.keys.create("a", "client")).key;
    const b = (await ts.server.keys.create("b", "client")).key;
    const open = (key: string) =>
      fetch(`${ts.api}/events`, { headers: { ...SSE, authorization: `Bearer ${key}` } });
    const first = await open(a);
    expect(first.status).toBe(200);
    const second = await open(a);
    expect(second.status).toBe(503);
    const other = await open(b);
    expect(other.status).toBe(200);
    await first.body?.cancel();
    await other.body?.cancel();
  });
});
