import { describe, expect, it, vi } from "vitest";
import { get, post } from "../../helpers/http.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { SqliteStore } from "../../../server/store/sqlite/sqlite-store.ts";
import { startServer } from "../../helpers/server.ts";
import { tmpDir } from "../../helpers/tmp.ts";
import { deferred } from "../../helpers/deferred.ts";

describe("claiming jobs over HTTP", () => {
  it("wakes a long-polling claim as soon as a job is submitted", async () => {
    const { api, server } = await startServer();
    // Longer than the test may take: only the submit can answer it in time.
    const claim = post(`${api}/jobs/claim`, { worker_id: "w1", capacity: 1, wait_s: 120 });
    await vi.waitFor(() => expect(server.waitingClaims()).toBe(1), { timeout: 20_000 });
    const submitted = await post(`${api}/jobs`, makeJobSpec());
    const claimed = await claim;
    expect(claimed.status).toBe(200);
    expect(claimed.body.jobs.map((j: any) => j.id)).toEqual([submitted.body.id]);
  });

  it("returns empty-handed when wait_s passes with nothing to do", async () => {
    const { api } = await startServer();
    const claimed = await post(`${api}/jobs/claim`, { worker_id: "w1", capacity: 3, wait_s: 0.2 });
    expect(claimed.body).toEqual({ jobs: [] });
  });

  it("claims a batch up to capacity, highest priority first, each with its own lease token", async () => {
    const { api } = await startServer();
    const low = await post(`${api}/jobs`, makeJobSpec({ name: "low" }));
    const high = await post(`${api}/jobs`, makeJobSpec({ name: "high", priority: 10 }));
    const low2 = await post(`${api}/jobs`, makeJobSpec({ name: "low2" }));
    const { body } = await post(`${api}/jobs/claim`, { worker_id: "w1", capacity: 2 });
    expect(body.jobs.map((j: any) => j.name)).toEqual(["high", "low"]);
    expect(body.jobs[0].lease_token).not.toBe(body.jobs[1].lease_token);
    expect(body.jobs[0]).toMatchObject({ state: "running", attempt: 1, worker_id: "w1" });
    const rest = await post(`${api}/jobs/claim`, { worker_id: "w2", capacity: 5 });
    expect(rest.body.jobs.map((j: any) => j.id)).toEqual([low2.body.id]);
    expect([low.body.id, high.body.id]).toContain(body.jobs[1].id);
  });

  it("routes jobs only to workers that have all their tags", async () => {
    const { api } = await startServer();
    const gpuJob = await post(`${api}/jobs`, makeJobSpec({ tags: ["gpu"] }));
    const none = await post(`${api}/jobs/claim`, { worker_id: "cpu", tags: ["linux"], capacity: 5 });
    expect(none.body.jobs).toEqual([]);
    const waiting = post(`${api}/jobs/claim`, {
      worker_id: "cpu",
      tags: ["linux"],
      capacity: 5,
      wait_s: 0.5,
    });
    const gpu = await post(`${api}/jobs/claim`, { worker_id: "gpu", tags: ["gpu", "linux"], capacity: 5 });
    expect(gpu.body.jobs.map((j: any) => j.id)).toEqual([gpuJob.body.id]);
    expect((await waiting).body.jobs).toEqual([]);
  });

  it("does not lease jobs to a long-poll whose worker hung up", async () => {
    const { api, server } = await startServer();
    const controller = new AbortController();
    const claim = fetch(`${api}/jobs/claim`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ worker_id: "gone", capacity: 1, wait_s: 60 }),
      signal: controller.signal,
    }).catch(() => undefined);
    const until = { timeout: 20_000 };
    await vi.waitFor(() => expect(server.waitingClaims()).toBe(1), until);
    controller.abort();
    await claim;
    // The server has seen the hang-up once the poll stops waiting, long before its 60 s are up.
    await vi.waitFor(() => expect(server.waitingClaims()).toBe(0), until);
    const job = await post(`${api}/jobs`, makeJobSpec());
    const live = await post(`${api}/jobs/claim`, { worker_id: "alive", capacity: 1, wait_s: 20 });
    expect(live.body.jobs.map((j: any) => j.id)).toEqual([job.body.id]);
    // Never leased to the worker that left, not even for a moment before a release.
    const { body } = await get(`${api}/jobs/${job.body.id}`);
    expect(body.history.map((h: any) => [h.event, h.worker_id])).toEqual([
      ["submit", null],
      ["claim", "alive"],
    ]);
  });

  it("registers workers and lists them with what they run", async () => {
    const { api } = await startServer();
    const registered = await post(`${api}/workers/register`, {
      hostname: "box",
      tags: ["a"],
      capacity: 4,
      version: "0.1.0",
    });
    expect(registered.body).toMatchObject({
      hostname: "box",
      tags: ["a"],
      capacity: 4,
      running: 0,
      status: "active",
    });
    const id = registered.body.id;
    await post(`${api}/jobs`, makeJobSpec());
    await post(`${api}/jobs/claim`, { worker_id: id, tags: ["a"], capacity: 4 });
    const again = await post(`${api}/workers/register`, { worker_id: id, tags: ["a"], capacity: 4 });
    expect(again.body.id).toBe(id);
    const { body } = await get(`${api}/workers`);
    expect(body.workers).toHaveLength(1);
    expect(body.workers[0]).toMatchObject({ id, running: 1 });
    const running = await get(`${api}/jobs/running?worker_id=${id}`);
    expect(running.body.jobs).toHaveLength(1);
    expect(running.body.jobs[0].lease_token).toEqual(expect.any(String));
  });
});

/** A SQLite store that counts claim attempts started and answered. */
function countedClaims() {
  const store = new SqliteStore({ path: join(tmpDir(), "flowy.db") });
  const count = { attempts: 0, answered: 0 };
  const claimJobs = store.claimJobs.bind(store);
  store.claimJobs = async (req) => {
    count.attempts++;
    const jobs = await claimJobs(req);
    count.answered++;
    return jobs;
  };
  return { store, count };
}

describe("wake-ups", () => {
  it("wakes one waiting worker per new job, not every waiter", async () => {
    const { store, count } = countedClaims();
    const { api } = await startServer({ store });
    // Long polls that outlast any slow machine: an idle waiter reaching its deadline looks once
    // more, which would count as a wake-up. The server's close sends the idle two home.
    const claims = Array.from({ length: 4 }, (_, i) =>
      post(`${api}/jobs/claim`, { worker_id: `w${i}`, capacity: 1, wait_s: 120 }),
    );
    const served: Array<Awaited<(typeof claims)[number]>> = [];
    for (const claim of claims) void claim.then((r) => served.push(r));
    // All four first attempts have come back empty, so every waiter sleeps (however slow this
    // machine is today) before any job arrives: an attempt still in flight could take a job and
    // leave the waiter woken for it to look again in vain.
    await vi.waitFor(() => expect(count.answered).toBe(4), { timeout: 20_000 });
    await post(`${api}/jobs`, makeJobSpec());
    await post(`${api}/jobs`, makeJobSpec());
    await vi.waitFor(() => expect(served.filter((r) => r.body.jobs.length === 1)).toHaveLength(2), {
      timeout: 20_000,
    });
    // Four first attempts, then one per submitted job: the idle waiters slept through.
    expect(count.attempts).toBe(6);
    expect(served).toHaveLength(2);
  });
});

describe("a claim whose worker hung up", () => {
  it("puts the jobs back at once, attempt unspent, when the worker hangs up as they are leased", async () => {
    const store = new SqliteStore({ path: join(tmpDir(), "flowy.db") });
    const leased = deferred();
    const gate = deferred();
    const claimJobs = store.claimJobs.bind(store);
    store.claimJobs = async (req) => {
      const jobs = await claimJobs(req);
      if (jobs.length > 0) {
        leased.resolve();
        await gate.promise;
      }
      return jobs;
    };
    const { api, server } = await startServer({ store });
    const answerClosed = deferred();
    server.app.server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      if (req.url?.endsWith("/jobs/claim")) res.once("close", () => answerClosed.resolve());
    });
    const { body: job } = await post(`${api}/jobs`, makeJobSpec());
    const hangUp = new AbortController();
    const claim = fetch(`${api}/jobs/claim`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ worker_id: "w1", capacity: 1, wait_s: 5 }),
      signal: hangUp.signal,
    }).catch((error: unknown) => error);
    // The store has leased the job; the worker gives up before the answer is written.
    await leased.promise;
    hangUp.abort();
    await claim;
    await answerClosed.promise;
    gate.resolve();

    await vi.waitFor(async () => expect((await get(`${api}/jobs/${job.id}`)).body.state).toBe("pending"), {
      timeout: 30_000,
    });
    const { body: released } = await get(`${api}/jobs/${job.id}`);
    expect(released).toMatchObject({ attempt: 0, worker_id: null, lease_expires_at: null, started_at: null });
    expect(released.history.at(-1)).toMatchObject({
      event: "release",
      from: "running",
      to: "pending",
      worker_id: "w1",
      reason: expect.stringContaining("hung up"),
    });
    // The next claim gets it as its first attempt.
    const again = await post(`${api}/jobs/claim`, { worker_id: "w2", capacity: 1 });
    expect(again.body.jobs).toMatchObject([{ id: job.id, attempt: 1, worker_id: "w2" }]);
  });
});

describe("hand-off to an idle worker", () => {
  it("claims a job submitted to an idle worker in the same group commit as its insert", async () => {
    const { store, count } = countedClaims();
    // No reaper tick in between: each one is a commit of its own.
    const { api } = await startServer({ store, reaperIntervalMs: 60_000 });
    const claim = post(`${api}/jobs/claim`, { worker_id: "w1", capacity: 1, wait_s: 120 });
    await vi.waitFor(() => expect(count.answered).toBe(1), { timeout: 20_000 });
    const commits = store.commits;

    const { body: job } = await post(`${api}/jobs`, makeJobSpec());
    const claimed = await claim;
    expect(claimed.body.jobs.map((j: { id: string }) => j.id)).toEqual([job.id]);
    // The insert and the claim went in one transaction, so one fsync acknowledged both.
    expect(store.commits - commits).toBe(1);
    expect(count.attempts).toBe(2);
  });
});
