import { describe, expect, it } from "vitest";
import { PostgresStore } from "../../../server/store/postgres/postgres-store.ts";
import type { Store } from "../../../server/store/store.ts";
import { claimAttempts, nextAttempt } from "../../helpers/claim-metrics.ts";
import { get, post } from "../../helpers/http.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import { describePg, freshSchemaUrl } from "../../helpers/pg.ts";
import { startServer } from "../../helpers/server.ts";

const submit = async (api: string, key: string) =>
  (await post(`${api}/jobs`, makeJobSpec({ concurrency_key: key }))).body;
const claim = async (api: string, worker: string, waitS = 0) =>
  (await post(`${api}/jobs/claim`, { worker_id: worker, capacity: 1, wait_s: waitS })).body.jobs;

describe("rate limits over HTTP", () => {
  it("declares a rate, refuses a limit with neither a rate nor a concurrency, lists starts in the window", async () => {
    const { api } = await startServer();
    const set = await post(`${api}/limits`, { key: "api-*", rate: "1/min" });
    expect(set.body).toEqual({ key: "api-*", concurrency: null, rate: "1/min" });
    const none = await post(`${api}/limits`, { key: "api-*" });
    expect(none.status).toBe(400);
    expect(none.body.hint).toMatch(/rate/);
    expect((await post(`${api}/limits`, { key: "api-*", rate: "5/day" })).status).toBe(400);
    await submit(api, "api-7");
    await claim(api, "w");
    expect((await get(`${api}/limits`)).body.limits).toEqual([
      { key: "api-*", concurrency: null, rate: "1/min", window_starts: 1, window_key: "api-7" },
    ]);
  });

  it("explains a job held back by its key's rate, naming when the next start may happen", async () => {
    const { api } = await startServer();
    await post(`${api}/workers/register`, { worker_id: "w", tags: [], capacity: 4 });
    await post(`${api}/limits`, { key: "api-7", concurrency: 5, rate: "2/min" });
    await submit(api, "api-7");
    await submit(api, "api-7");
    const waiting = await submit(api, "api-7");
    const [first] = await claim(api, "w");
    await claim(api, "w");
    const answer = (await get(`${api}/jobs/${waiting.id}/explain`)).body;
    const nextAt = new Date(Date.parse(first.started_at) + 60_000).toISOString();
    expect(answer).toMatchObject({
      reason: "rate_limited",
      details: { concurrency_key: "api-7", rate_limit: 2, window_ms: 60_000, next_start_at: nextAt },
    });
    expect(answer.message).toContain(
      `rate-limited: key api-7 allows 2 starts per min; next start at ${nextAt}`,
    );
  });
});

/**
 * A long-polling claim held back by a rate is woken when the window opens: it returns the job
 * then, after about one claim attempt more (no polling), not when its wait_s ends.
 */
async function checkWake(store?: Store): Promise<void> {
  const { url, api } = await startServer(store ? { store } : {});
  await post(`${api}/limits`, { key: "tick", rate: "1/s" });
  await submit(api, "tick");
  const second = await submit(api, "tick");
  const [first] = await claim(api, "a");
  const before = await claimAttempts(url);
  const waiting = claim(api, "b", 20);
  await nextAttempt(url, before);
  const [woken] = await waiting;
  const returnedAt = Date.now();
  expect(woken.id).toBe(second.id);
  const opensAt = Date.parse(first.started_at) + 1_000;
  expect(Date.parse(woken.started_at)).toBeGreaterThanOrEqual(opensAt);
  // Woken by the window, not by the end of its 20 s wait.
  expect(returnedAt - opensAt).toBeLessThan(5_000);
  // The attempt before the wait, the one it was woken for (and at most one early wake besides).
  expect((await claimAttempts(url)) - before).toBeLessThanOrEqual(3);
}

describe("rate-limited claims wait without polling", () => {
  it("wakes a long-polling claim when the key's window opens (SQLite)", async () => {
    await checkWake();
  }, 60_000);
});

describePg("rate-limited claims wait without polling on PostgreSQL", () => {
  it("wakes a long-polling claim when the key's window opens", async () => {
    await checkWake(await PostgresStore.open({ url: freshSchemaUrl().url, poolSize: 2 }));
  }, 60_000);
});
