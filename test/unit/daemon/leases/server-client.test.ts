/**
 * The daemon's ServerClient against HTTP faults (nock): timeouts, 5xx, connection resets, 429
 * with Retry-After, no retry of other 4xx, and backoff that grows and is capped. Timing checks
 * are lower bounds (a delay happened), plus one generous upper bound that tells a capped
 * backoff from an uncapped one.
 */
import nock from "nock";
import { describe, expect, it } from "vitest";
import { FlowyError } from "../../../../shared/errors.ts";
import { ServerClient } from "../../../../daemon/leases/server-client.ts";
import { nockOnly } from "../../../helpers/nock.ts";

const BASE = "http://flowy.test";
const api = () => nock(BASE).post("/api/v1/workers/register");
const REGISTER = { tags: [], capacity: 1, hostname: "h", version: "t" };
const WORKER = {
  id: "w1",
  hostname: "h",
  tags: [],
  capacity: 1,
  running: 0,
  version: "t",
  registered_at: "x",
  last_seen_at: "x",
  status: "active",
};

function client(
  retry: Partial<{ retries: number; minDelayMs: number; maxDelayMs: number }> = {},
  timeoutMs = 2_000,
) {
  return new ServerClient({
    server: BASE,
    workerId: "w1",
    timeoutMs,
    retry: { retries: 3, minDelayMs: 5, maxDelayMs: 20, ...retry },
  });
}

nockOnly();

describe("ServerClient over a faulty network", () => {
  it("retries 5xx answers and then succeeds", async () => {
    api().reply(503, { code: "unavailable", detail: "starting" });
    api().reply(500, "boom");
    api().reply(200, WORKER);
    await expect(client().register(REGISTER)).resolves.toMatchObject({ id: "w1" });
    expect(nock.isDone()).toBe(true);
  });

  it("sends a claim again under the same claim id when its answer is lost, and a new id for the next claim", async () => {
    const bodies: Array<{ claim_id?: string }> = [];
    const attempts: Array<string | null> = [];
    const claim = () =>
      nock(BASE)
        .post("/api/v1/jobs/claim", (body) => {
          bodies.push(body);
          return true;
        })
        .matchHeader("flowy-attempt", (value) => {
          attempts.push(value);
          return true;
        });
    claim().replyWithError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    claim().reply(200, { jobs: [] });
    claim().reply(200, { jobs: [] });
    const c = client();
    await c.claim([], 2, 0);
    await c.claim([], 2, 0);
    expect(bodies).toHaveLength(3);
    expect(bodies[0]!.claim_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(bodies[1]!.claim_id).toBe(bodies[0]!.claim_id);
    expect(bodies[2]!.claim_id).not.toBe(bodies[0]!.claim_id);
    expect(attempts).toEqual([null, "2", null]);
  });

  it("retries connection resets", async () => {
    // An Error instance: nock hands a plain object to got in a way got only notices at its timeout.
    api().replyWithError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    api().reply(200, WORKER);
    const retried: string[] = [];
    const c = new ServerClient({
      server: BASE,
      workerId: "w1",
      timeoutMs: 60_000,
      retry: { retries: 3, minDelayMs: 5, maxDelayMs: 20 },
      onRetry: ({ error }) => retried.push(error.message),
    });
    await expect(c.register(REGISTER)).resolves.toMatchObject({ id: "w1" });
    expect(retried).toEqual(["socket hang up"]);
  });

  it("gives every call a timeout and reports an unreachable server once retries run out", async () => {
    nock(BASE).post("/api/v1/jobs/report").times(4).delay(1_000).reply(200, { results: [] });
    const error = await client({}, 100)
      .report([{ kind: "heartbeat", job_id: "j", lease_token: "t" }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowyError);
    expect((error as FlowyError).code).toBe("unreachable");
    expect((error as FlowyError).hint).toContain("flowy-server");
    // Reports get a short retry budget of their own: 1 try + 2 retries, all timed out.
    expect(nock.pendingMocks()).toHaveLength(1);
  });

  it("waits as long as a 429's Retry-After says", async () => {
    api().reply(429, { code: "rate-limited", detail: "slow down" }, { "Retry-After": "1" });
    api().reply(200, WORKER);
    const started = performance.now();
    await client({ maxDelayMs: 5_000 }).register(REGISTER);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("never retries other 4xx, and keeps the problem's details", async () => {
    nock(BASE)
      .post("/api/v1/jobs/j1/logs")
      .once()
      .reply(409, { code: "log-gap", detail: "gap", hint: "send again", expected_offset: 12 });
    const error = (await client()
      .appendLog("j1", "t", 20, "x")
      .catch((e: unknown) => e)) as FlowyError;
    expect(error.code).toBe("log-gap");
    expect(error.extra.expected_offset).toBe(12);
    nock(BASE).post("/api/v1/jobs/j1/logs").once().reply(409, { code: "lease-lost", detail: "gone" });
    await expect(client().appendLog("j1", "t", 0, "x")).rejects.toMatchObject({ code: "lease-lost" });
    expect(nock.isDone()).toBe(true);
  });

  it("backs off exponentially between retries, up to a cap", async () => {
    const at: number[] = [];
    api()
      .times(9)
      .reply(() => {
        at.push(performance.now());
        return [503, { code: "unavailable", detail: "down" }];
      });
    await expect(
      client({ retries: 8, minDelayMs: 10, maxDelayMs: 40 }).register(REGISTER),
    ).rejects.toMatchObject({
      code: "unavailable",
    });
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(gaps).toHaveLength(8);
    // Grows: at least min * 2^n (jitter only adds), until the cap.
    for (const [n, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual(Math.min(10 * 2 ** n, 40) - 2);
    // Capped: uncapped, the last waits would be 640 ms and 1280 ms at the very least.
    expect(gaps[6]).toBeLessThan(600);
    expect(gaps[7]).toBeLessThan(600);
  });
});
