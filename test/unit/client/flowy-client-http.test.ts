/**
 * The SDK's HTTP behaviour under faults, with nock: 5xx and dropped connections are retried,
 * 4xx are not, and a wait rides out an outage in the middle of its long-polls.
 */
import nock from "nock";
import { describe, expect, it } from "vitest";
import { FlowyClient, isFlowyError, type Job } from "../../../client/index.ts";
import { nockOnly } from "../../helpers/nock.ts";

const SERVER = "http://flowy.test:7411";
const FAST_RETRY = { retries: 3, minDelayMs: 1, maxDelayMs: 5 };

/** A dropped connection (nock wants an Error instance to pass the code through). */
const connectionError = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

function job(state: Job["state"], version: number): Partial<Job> {
  return { id: "j1", state, version, attempt: state === "pending" ? 0 : 1, max_attempts: 3 };
}

const problem = (code: string, status: number, hint?: string) => ({
  type: `https://flowy.dev/problems/${code}`,
  title: code,
  status,
  code,
  detail: `a ${code} problem`,
  ...(hint ? { hint } : {}),
});

nockOnly();

describe("FlowyClient over a flaky network", () => {
  it("retries 5xx and a reset connection, then succeeds", async () => {
    const scope = nock(SERVER)
      .get("/api/v1/jobs/j1")
      .reply(503, problem("unavailable", 503))
      .get("/api/v1/jobs/j1")
      .replyWithError(connectionError("ECONNRESET"))
      .get("/api/v1/jobs/j1")
      .reply(502, "bad gateway")
      .get("/api/v1/jobs/j1")
      .reply(200, job("running", 2));
    const flowy = new FlowyClient({ server: SERVER, retry: FAST_RETRY });
    expect((await flowy.get("j1")).state).toBe("running");
    expect(scope.isDone()).toBe(true);
  });

  it("does not retry a 4xx and keeps the server's hint", async () => {
    const scope = nock(SERVER)
      .post("/api/v1/jobs/j1/cancel")
      .once()
      .reply(409, problem("illegal-transition", 409, "A succeeded job can be: delete, requeue"));
    const flowy = new FlowyClient({ server: SERVER, retry: FAST_RETRY });
    const error = await flowy.cancel("j1").catch((e: unknown) => e);
    expect(isFlowyError(error, "illegal-transition")).toBe(true);
    expect((error as { hint: string }).hint).toBe("A succeeded job can be: delete, requeue");
    expect(scope.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("reports an unreachable server once the retries are spent", async () => {
    nock(SERVER).get("/api/v1/stats").times(4).replyWithError(connectionError("ECONNREFUSED"));
    const flowy = new FlowyClient({ server: SERVER, retry: FAST_RETRY });
    const error = await flowy.stats().catch((e: unknown) => e);
    expect(isFlowyError(error, "unreachable")).toBe(true);
    expect((error as Error).message).toContain("ECONNREFUSED");
  });

  it("sends the API key, and one Idempotency-Key for all retries of a submit", async () => {
    const keys: string[] = [];
    const recordKey = (value: string | null) => keys.push(String(value)) > 0;
    nock(SERVER, { reqheaders: { authorization: "Bearer flowy_secret" } })
      .post("/api/v1/jobs")
      .matchHeader("idempotency-key", recordKey)
      .reply(500, problem("internal", 500))
      .post("/api/v1/jobs")
      .matchHeader("idempotency-key", recordKey)
      .reply(201, job("pending", 1));
    const flowy = new FlowyClient({ server: SERVER, apiKey: "flowy_secret", retry: FAST_RETRY });
    await flowy.submit({ spec: { command: ["true"] } });
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^sdk-[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
  });

  it("waits through an outage between long-polls, passing the version it last saw", async () => {
    nock(SERVER)
      .get("/api/v1/jobs/j1")
      .reply(200, job("pending", 1))
      .get("/api/v1/jobs/j1")
      .query({ version: "1", wait_s: "30" })
      .reply(200, job("running", 2))
      .get("/api/v1/jobs/j1")
      .query({ version: "2", wait_s: "30" })
      .times(6)
      .replyWithError(connectionError("ECONNRESET"))
      .get("/api/v1/jobs/j1")
      .query({ version: "2", wait_s: "30" })
      .reply(200, job("succeeded", 3));
    const flowy = new FlowyClient({ server: SERVER, retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2 } });
    const states: string[] = [];
    let reconnects = 0;
    const done = await flowy.wait("j1", {
      onProgress: (j) => states.push(j.state),
      onReconnect: () => {
        reconnects += 1;
      },
    });
    expect(done.state).toBe("succeeded");
    expect(states).toEqual(["pending", "running", "succeeded"]);
    expect(reconnects).toBeGreaterThanOrEqual(2);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("does not wait on a job that does not exist", async () => {
    nock(SERVER)
      .get("/api/v1/jobs/nope")
      .once()
      .reply(404, problem("not-found", 404, "List them with: flowy-client list"));
    const flowy = new FlowyClient({ server: SERVER, retry: FAST_RETRY });
    const error = await flowy.wait("nope").catch((e: unknown) => e);
    expect(isFlowyError(error, "not-found")).toBe(true);
  });
});
