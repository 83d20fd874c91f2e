/**
 * Hostile traffic against a real flowy-server with API keys while a real daemon-flowy holds a
 * short lease: 10,000 requests, 50 at a time, of bad and missing keys, malformed cookies,
 * malformed, schema-breaking, oversized and mistyped bodies, unknown routes, bytes that are not
 * HTTP, forged heartbeats and completes, long-poll claim floods under another worker id, and SSE
 * churn; beside them slow SSE viewers and log follows that read their answer's head and then
 * never read again.
 *
 * The followers are of two jobs: the daemon's, whose log grows as the test runs, and one whose
 * log already holds more than a stalled socket's kernel buffers take, so those followers really
 * push back on the server (it must stop reading for them, not buffer).
 *
 * What must hold: no answer is a 5xx, except a 503 with Retry-After for a stream past its cap
 * (counted apart: that is the documented refusal; the server's own request metrics must agree);
 * every kind gets only the statuses a correct server gives it, so a valid key is never answered
 * 401 or 429 however many bad keys came from the same address; the daemon's job keeps its one
 * lease throughout (same attempt and fence, no expiry or retry in its history) and succeeds; the
 * server's RSS, sampled every 100 ms from /proc, stays under 350 MB (see RSS_LIMIT_MB).
 *
 * Slow viewers are not expected to be dropped here: the server drops one once it has been unable
 * to write for 30 s, or once 10,000 jobs' changes wait for it, and two running jobs fill no
 * socket. What is checked instead is that they hold exactly their capped slots, that churn leaks
 * none (flowy_sse_streams_open is exact after 10,000 requests), and that hang-ups free them.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it, onTestFinished } from "vitest";
import type { Socket } from "node:net";
import {
  agent,
  type Outcome,
  type RequestKind,
  runBounded,
  stalledReader,
  tally,
} from "../helpers/hostile-traffic.ts";
import { NODE, spawnDaemon, spawnServer, waitFor } from "../helpers/processes.ts";
import { tmpDir } from "../helpers/tmp.ts";

const SERVER_CLI = join(import.meta.dirname, "..", "..", "server", "cli.ts");
const REQUESTS = 10_000;
const CONCURRENCY = 50;
/**
 * Idle, the server's RSS is 150-160 MB here (node 24); the held readers take it to 200-245 MB and
 * the traffic peaks measured 260-340 MB, higher when the same requests come faster (V8 collecting
 * later, not memory kept). 300 MB failed one run in ten; what this guards against is growth with
 * what clients hold or send, which would go far past it.
 */
const RSS_LIMIT_MB = 350;
/** Log bytes of the backlog job: more than the ~4.6 MB a stalled socket's kernel buffers take. */
const BACKLOG_BYTES = 6_000_000;
/** The server's default cap of streams per key (server/http/sse.ts). */
const STREAMS_PER_KEY = 32;

async function createKey(db: string, name: string, role: string): Promise<string> {
  const args = [SERVER_CLI, "keys", "create", "--name", name, "--role", role, "--db", db];
  return (await execa(NODE, args)).stdout.trim();
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const json = (key: string) => ({ ...bearer(key), "content-type": "application/json" });

async function api(base: string, key: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? bearer(key) : json(key),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const parsed = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(parsed)}`);
  return parsed;
}

async function metric(url: string, key: string, name: string): Promise<string[]> {
  const text = await (await fetch(`${url}/metrics`, { headers: bearer(key) })).text();
  return text.split("\n").filter((line) => line.startsWith(name));
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? 0) / 1024;
}

/** Samples the server's resident memory until stopped; returns the largest seen, in MB. */
function sampleRss(pid: number): { stop(): number } {
  let max = 0;
  const sample = () => {
    max = Math.max(max, rssMb(pid));
  };
  sample();
  const timer = setInterval(sample, 100);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return max;
    },
  };
}

interface Keys {
  worker: string;
  client: string;
  viewer: string;
}

function hostileKinds(keys: Keys, jobId: string): RequestKind[] {
  const big = Buffer.alloc(1_100_000, "x");
  const probe: RequestKind = {
    name: "valid client key",
    allowed: [200],
    make: () => ({ method: "GET", path: "/api/v1/jobs?limit=2", headers: bearer(keys.client) }),
  };
  const kinds: RequestKind[] = [
    probe,
    {
      name: "bad key",
      allowed: [401, 429],
      make: (i) => ({ method: "GET", path: "/api/v1/jobs", headers: bearer(`flowy_bogus_${i}`) }),
    },
    { name: "no key", allowed: [401], make: () => ({ method: "GET", path: `/api/v1/jobs/${jobId}` }) },
    {
      name: "malformed cookie",
      allowed: [401, 429],
      make: () => ({ method: "GET", path: "/api/v1/jobs", headers: { cookie: "flowy_api_key=%E0%A4%A" } }),
    },
    {
      name: "bad key, bad body",
      allowed: [401, 429],
      make: () => ({ method: "POST", path: "/api/v1/jobs/claim", headers: json("nope"), body: "{" }),
    },
    {
      name: "valid worker key",
      allowed: [200],
      make: () => ({ method: "GET", path: "/api/v1/stats", headers: bearer(keys.worker) }),
    },
    {
      name: "malformed json",
      allowed: [400],
      make: () => ({
        method: "POST",
        path: "/api/v1/jobs",
        headers: json(keys.client),
        body: '{"spec": {"sh',
      }),
    },
    {
      name: "schema violation",
      allowed: [400],
      make: (i) => ({
        method: "POST",
        path: "/api/v1/jobs",
        headers: json(keys.client),
        body: JSON.stringify({ spec: { shell: i }, lease_s: -1, extra: "x".repeat(i % 1000) }),
      }),
    },
    {
      // The server may answer 413 and close while the client still writes: EPIPE on its side.
      name: "oversized body",
      allowed: [413],
      allowedErrors: /^(write EPIPE|read ECONNRESET|write ECONNRESET)$/,
      make: () => ({ method: "POST", path: "/api/v1/jobs", headers: json(keys.client), body: big }),
    },
    {
      // text/plain is read as a string, which the schema refuses; other types have no parser.
      name: "wrong content type",
      allowed: [400, 415],
      make: (i) => ({
        method: "POST",
        path: "/api/v1/jobs",
        headers: {
          ...bearer(keys.client),
          "content-type": ["text/plain", "application/xml", "multipart/form-data"][i % 3]!,
        },
        body: '{"spec":{"shell":"true"}}',
      }),
    },
    probe,
    {
      name: "unknown route",
      allowed: [404],
      make: (i) => ({
        method: i % 2 ? "PATCH" : "GET",
        path: `/api/v1/nothing/${i}`,
        headers: bearer(keys.client),
      }),
    },
    {
      name: "bad job id",
      allowed: [400, 404],
      make: (i) => ({ method: "GET", path: `/api/v1/jobs/%2e%2e%2f${i}%00`, headers: bearer(keys.client) }),
    },
    {
      name: "wrong role",
      allowed: [403],
      make: () => ({ method: "GET", path: "/api/v1/jobs", headers: bearer(keys.worker) }),
    },
    {
      name: "claim flood, other worker id",
      allowed: [200],
      make: (i) => ({
        method: "POST",
        path: "/api/v1/jobs/claim",
        headers: json(keys.worker),
        body: JSON.stringify({ worker_id: `intruder-${i % 4}`, capacity: 1, wait_s: 0.5 }),
      }),
    },
    {
      name: "forged heartbeat",
      allowed: [409],
      make: (i) => ({
        method: "POST",
        path: `/api/v1/jobs/${jobId}/${i % 2 ? "heartbeat" : "complete"}`,
        headers: json(keys.worker),
        body: JSON.stringify({ worker_id: "intruder-0", lease_token: `forged-${i}` }),
      }),
    },
    {
      name: "hostile log offset",
      allowed: [400],
      make: (i) => ({
        method: "GET",
        path: `/api/v1/jobs/${jobId}/logs?offset=${i % 2 ? -1 : "x"}`,
        headers: bearer(keys.client),
      }),
    },
    {
      name: "sse past the key's cap",
      allowed: [503],
      headOnly: true,
      make: () => ({
        method: "GET",
        path: "/api/v1/events",
        headers: { ...bearer(keys.client), accept: "text/event-stream" },
      }),
    },
    {
      // Another key's streams, opened and dropped at once: 503 only if 32 happen to overlap.
      name: "sse churn",
      allowed: [200, 503],
      headOnly: true,
      make: () => ({
        method: "GET",
        path: "/api/v1/events",
        headers: { ...bearer(keys.viewer), accept: "text/event-stream" },
      }),
    },
    {
      // A TLS ClientHello's first bytes, as a client that got the scheme wrong sends them.
      name: "not http",
      allowed: [400],
      make: () => "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
    },
    probe,
  ];
  return kinds;
}

/**
 * A running job whose log already holds BACKLOG_BYTES, more than a socket's kernel buffers take,
 * so its stalled followers really push back on the server. It is leased to a worker of the test's
 * own for 10 minutes; a tag no other worker offers keeps it from the daemon and the claim flood.
 */
async function jobWithBacklog(base: string, keys: Keys): Promise<string> {
  const worker = { worker_id: "log-writer", tags: ["backlog"] };
  const job = { spec: { shell: "true" }, tags: worker.tags, lease_s: 600 };
  const { id } = await api(base, keys.client, "POST", "/jobs", job);
  const claim = { ...worker, capacity: 1, wait_s: 10 };
  const { jobs } = await api(base, keys.worker, "POST", "/jobs/claim", claim);
  const holder = { worker_id: worker.worker_id, lease_token: jobs[0].lease_token };
  // 256 kB pieces, as the daemon ships them.
  const chunk = "x".repeat(999).concat("\n").repeat(256);
  for (let offset = 0; offset < BACKLOG_BYTES; offset += chunk.length) {
    await api(base, keys.worker, "POST", `/jobs/${id}/logs`, { ...holder, offset, data: chunk });
  }
  return id;
}

/** `count` stalled readers of `path`, opened one after another; their sockets go to `held`. */
async function holdReaders(
  url: string,
  path: string,
  headers: Record<string, string>,
  count: number,
  held: Socket[],
): Promise<Array<{ status: number; head: string }>> {
  const readers = [];
  for (let i = 0; i < count; i++) {
    const reader = await stalledReader(url, path, headers);
    held.push(reader.socket);
    readers.push(reader);
  }
  return readers;
}

interface LeaseView {
  attempt: number;
  fence: number;
  state: string;
}

/** Reads the job every 250 ms (a valid key's request too) until stopped; a refusal fails stop(). */
function watchJob(base: string, key: string, id: string): { stop(): Promise<LeaseView[]> } {
  const seen: LeaseView[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const job = await api(base, key, "GET", `/jobs/${id}`);
      seen.push({ attempt: job.attempt, fence: job.fence, state: job.state });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  // Held until stop() awaits it, so a refusal mid-run fails the test there, not as unhandled.
  loop.catch(() => undefined);
  return {
    stop: async () => {
      running = false;
      await loop;
      return seen;
    },
  };
}

/** Series of the server's request counter answered 5xx, bar the stream caps' 503s. */
async function serverErrors(url: string, key: string): Promise<string[]> {
  const lines = await metric(url, key, "flowy_http_request_duration_seconds_count");
  return lines
    .filter((line) => /status_code="5/.test(line) && Number(line.split(" ").pop()) > 0)
    .filter((line) => !(line.includes('route="/api/v1/events"') && line.includes('status_code="503"')));
}

function allowed(kind: RequestKind, outcome: Outcome): boolean {
  if (outcome.status === 0) return kind.allowedErrors?.test(outcome.error ?? "") ?? false;
  return kind.allowed.includes(outcome.status);
}

async function startServerWithKeys(dir: string) {
  const db = join(dir, "flowy.db");
  const keys: Keys = {
    worker: await createKey(db, "w", "worker"),
    client: await createKey(db, "c", "client"),
    viewer: await createKey(db, "v", "client"),
  };
  const server = await spawnServer(db);
  const held: Socket[] = [];
  onTestFinished(() => {
    for (const socket of held) socket.destroy();
    agent.destroy();
  });
  return { keys, server, held };
}

/** A job that logs ~150 KB/s until `release` exists, under a 6 s lease: heartbeats matter. */
async function runLeasedJob(base: string, key: string, release: string): Promise<any> {
  const xs = (bytes: number) => `head -c ${bytes} /dev/zero | tr '\\0' x | fold -w 999`;
  const shell = `while [ ! -e ${release} ]; do ${xs(30_000)}; sleep 0.2; done`;
  const { id } = await api(base, key, "POST", "/jobs", { spec: { shell }, lease_s: 6 });
  return waitFor("the daemon to run the job", async () => {
    const job = await api(base, key, "GET", `/jobs/${id}`);
    return job.state === "running" ? job : undefined;
  });
}

describe("flowy-server under hostile traffic", () => {
  it("answers 10,000 hostile requests without a 5xx or a lockout, in bounded memory, while a worker keeps its lease", {
    timeout: 120_000,
  }, async () => {
    const dir = tmpDir();
    const { keys, server, held } = await startServerWithKeys(dir);
    const rss = sampleRss(server.child.pid!);
    const daemon = spawnDaemon(server.url, [], { env: { FLOWY_API_KEY: keys.worker } });
    // The backlog's followers fill their sockets before the daemon's lease starts.
    const backlog = await jobWithBacklog(server.api, keys);
    const follows = await holdReaders(
      server.url,
      `/api/v1/jobs/${backlog}/logs?follow=1`,
      bearer(keys.client),
      6,
      held,
    );
    const release = join(dir, "release");
    const leased = await runLeasedJob(server.api, keys.client, release);
    const id: string = leased.id;
    follows.push(
      ...(await holdReaders(server.url, `/api/v1/jobs/${id}/logs?follow=1`, bearer(keys.client), 20, held)),
    );
    const sse = { ...bearer(keys.client), accept: "text/event-stream" };
    const viewers = await holdReaders(server.url, "/api/v1/events", sse, STREAMS_PER_KEY + 8, held);

    const setupRssMb = rssMb(server.child.pid!);
    const watcher = watchJob(server.api, keys.client, id);
    const started = Date.now();
    const kinds = hostileKinds(keys, id);
    const outcomes = await runBounded(server.url, kinds, REQUESTS, CONCURRENCY).finally(watcher.stop);
    const elapsed = Date.now() - started;
    const watched = await watcher.stop();
    const maxRssMb = rss.stop();

    // Every kind got only what a correct server answers; the one 5xx is a capped stream's 503.
    const table = tally(outcomes);
    expect(outcomes).toHaveLength(REQUESTS);
    const byName = new Map(kinds.map((k) => [k.name, k]));
    const unexpected = outcomes.filter((o) => !allowed(byName.get(o.kind)!, o));
    expect(unexpected.slice(0, 5), JSON.stringify(table, null, 1)).toEqual([]);
    const fiveXx = outcomes.filter((o) => o.status >= 500);
    expect(fiveXx.filter((o) => !o.kind.startsWith("sse ") || !/^\d+$/.test(o.retryAfter ?? ""))).toEqual([]);
    expect(await serverErrors(server.url, keys.client)).toEqual([]);

    // Past the per-key cap a viewer is refused with 503 and Retry-After; the rest hold a slot each.
    expect(viewers.filter((v) => v.status === 200)).toHaveLength(STREAMS_PER_KEY);
    const refused = viewers.filter((v) => v.status === 503);
    expect(refused).toHaveLength(8);
    for (const v of refused) expect(v.head).toMatch(/\r\nretry-after: \d+\r\n/i);
    expect(follows.filter((f) => f.status !== 200)).toEqual([]);
    const open = await metric(server.url, keys.client, "flowy_sse_streams_open ");
    expect(open).toEqual([`flowy_sse_streams_open ${STREAMS_PER_KEY}`]);

    // The lease held: running throughout under one attempt and one fence, then a success.
    const off = watched.filter((w) => w.state !== "running" || w.attempt !== 1 || w.fence !== leased.fence);
    expect(watched.length).toBeGreaterThan(0);
    if (off.length > 0) {
      const job = await api(server.api, keys.client, "GET", `/jobs/${id}`);
      const warnings = daemon
        .output()
        .split("\n")
        .filter((line) => /"level":[45]0/.test(line));
      expect.fail(`the lease did not hold: ${JSON.stringify({ history: job.history, warnings }, null, 1)}`);
    }
    writeFileSync(release, "");
    const done = await waitFor("the job to end", async () => {
      const job = await api(server.api, keys.client, "GET", `/jobs/${id}`);
      return job.state !== "running" ? job : undefined;
    });
    expect({ state: done.state, attempt: done.attempt, fence: done.fence }).toEqual({
      state: "succeeded",
      attempt: 1,
      fence: leased.fence,
    });
    expect(done.history.filter((h: { event: string }) => /lease|retry/.test(h.event))).toEqual([]);
    expect(daemon.output()).not.toMatch(/lease_lost/);

    expect(maxRssMb, `RSS was ${setupRssMb.toFixed(0)} MB before the traffic`).toBeLessThan(RSS_LIMIT_MB);
    for (const socket of held) socket.destroy();
    await waitFor("the viewers' slots to be freed", async () =>
      (await metric(server.url, keys.client, "flowy_sse_streams_open ")).includes("flowy_sse_streams_open 0"),
    );
    console.log(
      `${REQUESTS} hostile requests in ${elapsed} ms; server RSS ${setupRssMb.toFixed(0)} MB before it, peak ${maxRssMb.toFixed(0)} MB`,
    );
    console.log(JSON.stringify(table));
  });
});
