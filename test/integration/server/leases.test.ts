import { describe, expect, it } from "vitest";
import { get, post } from "../../helpers/http.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import { manualClock, startServer } from "../../helpers/server.ts";

async function setup(defaults = {}) {
  const clock = manualClock();
  const ts = await startServer({ clock, defaults, reaperIntervalMs: 60_000 });
  const claimOne = async (worker = "w1") => {
    const { body } = await post(`${ts.api}/jobs/claim`, { worker_id: worker, capacity: 1 });
    return body.jobs[0];
  };
  return { ...ts, clock, claimOne };
}

describe("leases, retries and fencing", () => {
  it("retries a job whose lease expired, with backoff, then times it out when attempts run out", async () => {
    const { api, clock, claimOne, server } = await setup();
    const job = (
      await post(
        `${api}/jobs`,
        makeJobSpec({ lease_s: 2, max_attempts: 2, backoff: { initial_s: 1, max_s: 1, factor: 2 } }),
      )
    ).body;
    const first = await claimOne();
    clock.advance(2_001);
    expect(await server.reaper.tick()).toBe(1);
    const retried = (await get(`${api}/jobs/${job.id}`)).body;
    expect(retried).toMatchObject({ state: "scheduled", attempt: 1, lease_expires_at: null });
    expect(Date.parse(retried.run_at) - clock()).toBeGreaterThanOrEqual(500);
    expect(retried.history.at(-1)).toMatchObject({
      event: "lease_expired_retry",
      from: "running",
      to: "scheduled",
      worker_id: "w1",
    });

    // The worker that lost the lease can no longer report.
    const late = await post(`${api}/jobs/${job.id}/complete`, {
      worker_id: "w1",
      lease_token: first.lease_token,
    });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: "lease-lost" });
    expect(late.body.hint).toMatch(/Stop running this job/);

    clock.advance(1_000);
    await server.reaper.tick();
    const second = await claimOne("w2");
    expect(second).toMatchObject({ id: job.id, attempt: 2 });
    clock.advance(2_001);
    await server.reaper.tick();
    expect((await get(`${api}/jobs/${job.id}`)).body).toMatchObject({ state: "timed_out", attempt: 2 });
  });

  it("refuses reports from another worker id, even with the lease's own token", async () => {
    const { api, claimOne } = await setup();
    await post(`${api}/jobs`, makeJobSpec());
    const held = await claimOne("w1");
    const stolen = { worker_id: "thief", lease_token: held.lease_token };
    for (const path of ["heartbeat", "logs", "complete", "failed"]) {
      const extra = path === "logs" ? { offset: 0, data: "x" } : path === "failed" ? { message: "x" } : {};
      const res = await post(`${api}/jobs/${held.id}/${path}`, { ...stolen, ...extra });
      expect([path, res.status, res.body.code]).toEqual([path, 409, "lease-lost"]);
    }
    const batch = await post(`${api}/jobs/report`, {
      worker_id: "thief",
      items: [
        { kind: "heartbeat", job_id: held.id, lease_token: held.lease_token },
        { kind: "complete", job_id: held.id, lease_token: held.lease_token },
      ],
    });
    expect(batch.body.results).toMatchObject([
      { ok: false, error: { code: "lease-lost" } },
      { ok: false, error: { code: "lease-lost" } },
    ]);
    const job = (await get(`${api}/jobs/${held.id}`)).body;
    expect(job).toMatchObject({ state: "running", worker_id: "w1" });
    expect(job.history.map((h: { event: string }) => h.event)).toEqual(["submit", "claim"]);
    // The holder itself still reports.
    const done = await post(`${api}/jobs/${held.id}/complete`, {
      worker_id: "w1",
      lease_token: held.lease_token,
    });
    expect(done.body).toMatchObject({ state: "succeeded" });
  });

  it("fences a stale token after the job was claimed again", async () => {
    const { api, clock, claimOne, server } = await setup();
    await post(`${api}/jobs`, makeJobSpec({ lease_s: 1, backoff: { initial_s: 0, max_s: 0, factor: 1 } }));
    const stale = await claimOne("w1");
    clock.advance(1_001);
    await server.reaper.tick();
    await server.reaper.tick();
    const fresh = await claimOne("w2");
    expect(fresh.id).toBe(stale.id);
    for (const path of ["heartbeat", "complete", "logs"]) {
      const body = {
        worker_id: "w1",
        lease_token: stale.lease_token,
        ...(path === "logs" ? { offset: 0, data: "x" } : {}),
      };
      const res = await post(`${api}/jobs/${stale.id}/${path}`, body);
      expect([path, res.status, res.body.code]).toEqual([path, 409, "lease-lost"]);
    }
    const failed = await post(`${api}/jobs/${stale.id}/failed`, {
      worker_id: "w1",
      lease_token: stale.lease_token,
      message: "x",
    });
    expect(failed.status).toBe(409);
    const current = (await get(`${api}/jobs/${stale.id}`)).body;
    expect(current).toMatchObject({ state: "running", worker_id: "w2", attempt: 2 });
    const hb = await post(`${api}/jobs/${fresh.id}/heartbeat`, {
      worker_id: "w2",
      lease_token: fresh.lease_token,
    });
    expect(hb.status).toBe(200);
    expect(hb.body.cancel_requested).toBe(false);
  });

  it("answers a repeated complete with the same answer and refuses a different one", async () => {
    const { api, claimOne } = await setup();
    await post(`${api}/jobs`, makeJobSpec());
    const job = await claimOne();
    const body = {
      worker_id: "w1",
      lease_token: job.lease_token,
      exit_code: 0,
      outputs: { n: 1 },
      duration_ms: 12,
    };
    const first = await post(`${api}/jobs/${job.id}/complete`, body);
    const again = await post(`${api}/jobs/${job.id}/complete`, body);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(first.body).toMatchObject({
      state: "succeeded",
      result: { exit_code: 0, outputs: { n: 1 }, duration_ms: 12 },
    });
    const contradict = await post(`${api}/jobs/${job.id}/failed`, {
      worker_id: "w1",
      lease_token: job.lease_token,
      message: "no",
    });
    expect(contradict.status).toBe(409);
    const history = (await get(`${api}/jobs/${job.id}`)).body.history.map((h: any) => h.event);
    expect(history).toEqual(["submit", "claim", "complete"]);
  });

  it("retries a reported failure while attempts remain, then fails it with the error kept", async () => {
    const { api, clock, claimOne, server } = await setup();
    const { body: job } = await post(
      `${api}/jobs`,
      makeJobSpec({ max_attempts: 2, backoff: { initial_s: 1, max_s: 1, factor: 1 } }),
    );
    const a1 = await claimOne();
    const failure = {
      worker_id: "w1",
      lease_token: a1.lease_token,
      message: "exit 3",
      exit_code: 3,
      stderr_tail: "boom",
    };
    const r1 = await post(`${api}/jobs/${job.id}/failed`, failure);
    expect(r1.body).toMatchObject({
      state: "scheduled",
      error: { message: "exit 3", exit_code: 3, stderr_tail: "boom" },
    });
    expect((await post(`${api}/jobs/${job.id}/failed`, failure)).body.state).toBe("scheduled");
    clock.advance(1_000);
    await server.reaper.tick();
    const a2 = await claimOne();
    const r2 = await post(`${api}/jobs/${job.id}/failed`, { ...failure, lease_token: a2.lease_token });
    expect(r2.body).toMatchObject({ state: "failed", attempt: 2 });
  });

  it("does not retry a failure marked not retryable, and times out a job the worker stopped", async () => {
    const { api, claimOne } = await setup();
    await post(`${api}/jobs`, makeJobSpec());
    const a = await claimOne();
    const r = await post(`${api}/jobs/${a.id}/failed`, {
      worker_id: "w1",
      lease_token: a.lease_token,
      message: "bad spec",
      retryable: false,
    });
    expect(r.body).toMatchObject({ state: "failed", attempt: 1 });
    await post(`${api}/jobs`, makeJobSpec({ timeout_s: 1 }));
    const b = await claimOne();
    const t = await post(`${api}/jobs/${b.id}/failed`, {
      worker_id: "w1",
      lease_token: b.lease_token,
      message: "timed out",
      timed_out: true,
    });
    expect(t.body.state).toBe("timed_out");
  });

  it("times out a job past its execution deadline even while its lease is renewed", async () => {
    const { api, clock, claimOne, server } = await setup();
    await post(`${api}/jobs`, makeJobSpec({ timeout_s: 10, lease_s: 60 }));
    const job = await claimOne();
    clock.advance(9_000);
    await post(`${api}/jobs/${job.id}/heartbeat`, { worker_id: "w1", lease_token: job.lease_token });
    await server.reaper.tick();
    expect((await get(`${api}/jobs/${job.id}`)).body.state).toBe("running");
    clock.advance(10_000);
    await server.reaper.tick();
    expect((await get(`${api}/jobs/${job.id}`)).body).toMatchObject({ state: "timed_out" });
  });

  it("tells the worker how many ms are left on each lease it holds, as of the answer", async () => {
    const { api, clock, claimOne } = await setup();
    await post(`${api}/jobs`, makeJobSpec({ lease_s: 20 }));
    const job = await claimOne();
    expect(job.lease_ms).toBe(20_000);
    clock.advance(4_000);
    const running = (await get(`${api}/jobs/running?worker_id=w1`)).body.jobs;
    expect(running.map((j: { id: string; lease_ms: number }) => [j.id, j.lease_ms])).toEqual([
      [job.id, 16_000],
    ]);
    const beat = await post(`${api}/jobs/${job.id}/heartbeat`, {
      worker_id: "w1",
      lease_token: job.lease_token,
    });
    expect(beat.body.lease_ms).toBe(20_000);
    clock.advance(1_000);
    const report = await post(`${api}/jobs/report`, {
      worker_id: "w1",
      items: [{ kind: "heartbeat", job_id: job.id, lease_token: job.lease_token }],
    });
    expect(report.body.results[0]).toMatchObject({ ok: true, lease_ms: 20_000 });
  });

  it("leaves a job past its timeout to a worker still inside the kill grace it announced", async () => {
    const { api, clock, server } = await setup();
    await post(`${api}/jobs`, makeJobSpec({ timeout_s: 1, lease_s: 600 }));
    const { body } = await post(`${api}/jobs/claim`, { worker_id: "w1", capacity: 1, kill_grace_s: 30 });
    const job = body.jobs[0];
    // Past timeout_s plus the old fixed 5 s grace, the worker may still be in its 30 s SIGTERM grace.
    clock.advance(1_000 + 30_000);
    await server.reaper.tick();
    expect((await get(`${api}/jobs/${job.id}`)).body.state).toBe("running");
    clock.advance(5_000);
    await server.reaper.tick();
    expect((await get(`${api}/jobs/${job.id}`)).body.state).toBe("timed_out");
  });

  it("takes a batch of heartbeats and outcomes in one call, each with its own answer", async () => {
    const { api } = await setup();
    for (let i = 0; i < 3; i++) await post(`${api}/jobs`, makeJobSpec({ max_attempts: 1 }));
    const { body } = await post(`${api}/jobs/claim`, { worker_id: "w1", capacity: 3 });
    const [a, b, c] = body.jobs;
    const report = await post(`${api}/jobs/report`, {
      worker_id: "w1",
      items: [
        { kind: "complete", job_id: a.id, lease_token: a.lease_token, exit_code: 0 },
        { kind: "failed", job_id: b.id, lease_token: b.lease_token, message: "exit 1", exit_code: 1 },
        { kind: "heartbeat", job_id: c.id, lease_token: c.lease_token },
        { kind: "complete", job_id: c.id, lease_token: "stale" },
      ],
    });
    expect(report.status).toBe(200);
    expect(report.body.results).toMatchObject([
      { job_id: a.id, ok: true, state: "succeeded" },
      { job_id: b.id, ok: true, state: "failed" },
      { job_id: c.id, ok: true, state: "running", cancel_requested: false },
      { job_id: c.id, ok: false, error: { code: "lease-lost" } },
    ]);
  });

  it("leases more jobs in the same call as a report, without waiting when there are none", async () => {
    const { api, claimOne } = await setup();
    for (let i = 0; i < 3; i++) await post(`${api}/jobs`, makeJobSpec({ tags: i === 2 ? ["gpu"] : [] }));
    const first = await claimOne("w1");
    const done = { kind: "complete", job_id: first.id, lease_token: first.lease_token };
    const report = await post(`${api}/jobs/report`, {
      worker_id: "w1",
      items: [done],
      claim: { capacity: 5 },
    });
    expect(report.status).toBe(200);
    expect(report.body.results).toMatchObject([{ job_id: first.id, ok: true, state: "succeeded" }]);
    // The gpu job needs a tag this worker did not offer.
    expect(report.body.jobs).toHaveLength(1);
    const [next] = report.body.jobs;
    expect(next).toMatchObject({ state: "running", worker_id: "w1", attempt: 1 });
    expect(next.lease_token).toMatch(/^[0-9a-f]{32}$/);
    expect(next.lease_token).not.toBe(first.lease_token);
    expect((await get(`${api}/jobs/${next.id}`)).body.history.map((h: { event: string }) => h.event)).toEqual(
      ["submit", "claim"],
    );

    const again = await post(`${api}/jobs/report`, {
      worker_id: "w1",
      items: [done],
      claim: { capacity: 5, tags: ["gpu"] },
    });
    expect(again.body.results).toMatchObject([{ ok: true, state: "succeeded" }]);
    expect(again.body.jobs.map((j: { tags: string[] }) => j.tags)).toEqual([["gpu"]]);
    const empty = await post(`${api}/jobs/report`, {
      worker_id: "w1",
      items: [done],
      claim: { capacity: 5 },
    });
    expect(empty.body.jobs).toEqual([]);
    // A report whose answer was lost, sent again: its claim gets the same jobs back.
    await post(`${api}/jobs`, makeJobSpec());
    const withId = { worker_id: "w1", items: [done], claim: { capacity: 5, claim_id: "r-1" } };
    const leased = (await post(`${api}/jobs/report`, withId)).body.jobs;
    expect(leased).toHaveLength(1);
    const resent = (await post(`${api}/jobs/report`, withId, { "flowy-attempt": "2" })).body.jobs;
    expect(resent.map((j: { lease_token: string }) => j.lease_token)).toEqual([leased[0].lease_token]);
    const plain = await post(`${api}/jobs/report`, { worker_id: "w1", items: [done] });
    expect(plain.body).not.toHaveProperty("jobs");
    const bad = await post(`${api}/jobs/report`, {
      worker_id: "w1",
      items: [done],
      claim: { capacity: 5, wait_s: 10 },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/wait_s/);
  });

  it("answers a claim repeated under its claim id (its answer was lost) with the same leases", async () => {
    const { api } = await setup();
    for (let i = 0; i < 3; i++) await post(`${api}/jobs`, makeJobSpec());
    const body = { worker_id: "w1", capacity: 2, claim_id: "3b241101-e2bb-4255-8caf-4136c566a962" };
    const first = await post(`${api}/jobs/claim`, body);
    const again = await post(`${api}/jobs/claim`, body, { "flowy-attempt": "2" });
    expect(first.body.jobs).toHaveLength(2);
    const leases = (r: typeof first) =>
      r.body.jobs.map((j: { id: string; lease_token: string }) => [j.id, j.lease_token]);
    expect(leases(again)).toEqual(leases(first));
    const history = (await get(`${api}/jobs/${first.body.jobs[0].id}`)).body.history;
    expect(history.map((h: { event: string }) => h.event)).toEqual(["submit", "claim"]);
    // Not marked as a retry, the same id is a new claim (the last job left).
    expect((await post(`${api}/jobs/claim`, body)).body.jobs).toHaveLength(1);
    const bad = await post(`${api}/jobs/claim`, { ...body, claim_id: "not an id!" });
    expect(bad.status).toBe(400);
  });

  it("decides a batch report again on the stored row when the job changed behind the record its claim left", async () => {
    const { api, clock, server } = await setup({ lease_s: 2 });
    const cancelled = (await post(`${api}/jobs`, makeJobSpec())).body;
    const expired = (await post(`${api}/jobs`, makeJobSpec())).body;
    const { body } = await post(`${api}/jobs/claim`, { worker_id: "w1", capacity: 2 });
    const [a, b] = body.jobs;
    expect([a.id, b.id]).toEqual([cancelled.id, expired.id]);
    // Changed without this server's lease service knowing: a cancel, and an expiry plus a new
    // lease written straight to the store (as another replica would).
    await post(`${api}/jobs/${cancelled.id}/cancel`);
    clock.advance(2_001);
    await server.store.applyTransitions(
      [
        {
          job: (await server.store.getJob(b.id))!,
          patch: { state: "pending", leaseToken: null },
          history: null,
        },
      ],
      clock(),
    );
    const [again] = await server.store.claimJobs({ workerId: "w2", tags: [], capacity: 1, now: clock() });
    expect(again!.id).toBe(b.id);

    const report = (items: object[], worker = "w1") =>
      post(`${api}/jobs/report`, { worker_id: worker, items });
    // The new holder first, while this server still has the old lease's record of the job.
    const holder = await report(
      [{ kind: "complete", job_id: b.id, lease_token: again!.leaseToken, exit_code: 0 }],
      "w2",
    );
    expect(holder.body.results).toMatchObject([{ job_id: b.id, ok: true, state: "succeeded" }]);
    const old = await report([
      { kind: "complete", job_id: a.id, lease_token: a.lease_token, exit_code: 0 },
      { kind: "complete", job_id: b.id, lease_token: b.lease_token, exit_code: 0 },
    ]);
    expect(old.body.results).toMatchObject([
      // A completion reported after a cancel request still stands.
      { job_id: a.id, ok: true, state: "succeeded" },
      { job_id: b.id, ok: false, error: { code: "lease-lost" } },
    ]);
    expect((await get(`${api}/jobs/${b.id}`)).body).toMatchObject({ state: "succeeded", worker_id: "w2" });
  });
});
