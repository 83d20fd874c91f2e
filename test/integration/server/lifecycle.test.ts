import { describe, expect, it } from "vitest";
import { get, http, post } from "../../helpers/http.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import { manualClock, startServer } from "../../helpers/server.ts";

describe("job lifecycle over HTTP", () => {
  it("dedupes a submit by Idempotency-Key and refuses the key for a different job", async () => {
    const { api } = await startServer();
    const first = await post(`${api}/jobs`, makeJobSpec({ name: "a" }), { "idempotency-key": "order-42" });
    const again = await post(`${api}/jobs`, makeJobSpec({ name: "a" }), { "idempotency-key": "order-42" });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const other = await post(`${api}/jobs`, makeJobSpec({ name: "b" }), { "idempotency-key": "order-42" });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ code: "idempotency-conflict", job_id: first.body.id });
  });

  it("schedules a job with a future run_at and makes it pending when due", async () => {
    const clock = manualClock();
    const { api, server } = await startServer({ clock, reaperIntervalMs: 60_000 });
    const runAt = new Date(clock() + 5_000).toISOString();
    const { body } = await post(`${api}/jobs`, makeJobSpec({ run_at: runAt }));
    expect(body).toMatchObject({ state: "scheduled", run_at: runAt });
    await server.reaper.tick();
    expect((await get(`${api}/jobs/${body.id}`)).body.state).toBe("scheduled");
    clock.advance(5_000);
    await server.reaper.tick();
    expect((await get(`${api}/jobs/${body.id}`)).body.state).toBe("pending");
  });

  it("holds a child until its parent finishes: pending on success, canceled otherwise", async () => {
    const { api } = await startServer();
    const parent = (await post(`${api}/jobs`, makeJobSpec())).body;
    const child = (await post(`${api}/jobs`, makeJobSpec({ parent_id: parent.id }))).body;
    const doomed = (await post(`${api}/jobs`, makeJobSpec({ parent_id: child.id }))).body;
    expect(child.state).toBe("awaiting");
    const { body } = await post(`${api}/jobs/claim`, { worker_id: "w", capacity: 5 });
    expect(body.jobs.map((j: any) => j.id)).toEqual([parent.id]);
    await post(`${api}/jobs/${parent.id}/complete`, {
      worker_id: "w",
      lease_token: body.jobs[0].lease_token,
    });
    expect((await get(`${api}/jobs/${child.id}`)).body.state).toBe("pending");
    await post(`${api}/jobs/${child.id}/cancel`);
    const grandchild = (await get(`${api}/jobs/${doomed.id}`)).body;
    expect(grandchild.state).toBe("canceled");
    expect(grandchild.history.at(-1).reason).toMatch(/is canceled/);
    const late = (await post(`${api}/jobs`, makeJobSpec({ parent_id: parent.id }))).body;
    expect(late.state).toBe("pending");
    const orphan = await post(`${api}/jobs`, makeJobSpec({ parent_id: "01nosuchparent000000000000" }));
    expect(orphan.status).toBe(400);
  });

  it("cancels in every state that allows it and says why it cannot otherwise", async () => {
    const clock = manualClock();
    const { api } = await startServer({ clock });
    const pending = (await post(`${api}/jobs`, makeJobSpec())).body;
    const scheduled = (
      await post(`${api}/jobs`, makeJobSpec({ run_at: new Date(clock() + 60_000).toISOString() }))
    ).body;
    const awaiting = (await post(`${api}/jobs`, makeJobSpec({ parent_id: scheduled.id }))).body;
    for (const job of [pending, awaiting, scheduled]) {
      const res = await post(`${api}/jobs/${job.id}/cancel`);
      expect([job.state, res.body.state]).toEqual([job.state, "canceled"]);
    }
    expect((await post(`${api}/jobs/${pending.id}/cancel`)).body.state).toBe("canceled");

    const running = (await post(`${api}/jobs`, makeJobSpec())).body;
    const [leased] = (await post(`${api}/jobs/claim`, { worker_id: "w", capacity: 1 })).body.jobs;
    expect(leased.id).toBe(running.id);
    expect((await post(`${api}/jobs/${running.id}/cancel`)).body.state).toBe("cancelling");
    const hb = await post(`${api}/jobs/${running.id}/heartbeat`, {
      worker_id: "w",
      lease_token: leased.lease_token,
    });
    expect(hb.body.cancel_requested).toBe(true);
    const confirmed = await post(`${api}/jobs/${running.id}/failed`, {
      worker_id: "w",
      lease_token: leased.lease_token,
      message: "killed",
    });
    expect(confirmed.body.state).toBe("canceled");

    const done = (await post(`${api}/jobs`, makeJobSpec())).body;
    const [d] = (await post(`${api}/jobs/claim`, { worker_id: "w", capacity: 1 })).body.jobs;
    await post(`${api}/jobs/${done.id}/complete`, { worker_id: "w", lease_token: d.lease_token });
    const refused = await post(`${api}/jobs/${done.id}/cancel`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: "illegal-transition", state: "succeeded" });
    expect(refused.body.hint).toMatch(/can be: flowy-client delete \S+, flowy-client requeue \S+\./);
  });

  it("lets a completion reported during cancelling stand", async () => {
    const { api } = await startServer();
    const job = (await post(`${api}/jobs`, makeJobSpec())).body;
    const [leased] = (await post(`${api}/jobs/claim`, { worker_id: "w", capacity: 1 })).body.jobs;
    await post(`${api}/jobs/${job.id}/cancel`);
    const res = await post(`${api}/jobs/${job.id}/complete`, {
      worker_id: "w",
      lease_token: leased.lease_token,
    });
    expect(res.body.state).toBe("succeeded");
  });

  it("requeues finished and deleted jobs with fresh attempts and refuses to delete a running job", async () => {
    const { api } = await startServer();
    const job = (await post(`${api}/jobs`, makeJobSpec({ max_attempts: 1 }))).body;
    const [leased] = (await post(`${api}/jobs/claim`, { worker_id: "w", capacity: 1 })).body.jobs;
    const del = await http("DELETE", `${api}/jobs/${job.id}`);
    expect(del.status).toBe(409);
    await post(`${api}/jobs/${job.id}/failed`, {
      worker_id: "w",
      lease_token: leased.lease_token,
      message: "x",
    });
    const requeued = await post(`${api}/jobs/${job.id}/requeue`);
    expect(requeued.body).toMatchObject({ state: "pending", attempt: 0, error: null, worker_id: null });
    const deleted = await http("DELETE", `${api}/jobs/${job.id}`);
    expect(deleted.body.state).toBe("deleted");
    expect((await post(`${api}/jobs/claim`, { worker_id: "w", capacity: 1 })).body.jobs).toEqual([]);
    expect((await post(`${api}/jobs/${job.id}/requeue`)).body.state).toBe("pending");
    const missing = await post(`${api}/jobs/01nosuchjob000000000000000/requeue`);
    expect(missing.status).toBe(404);
    expect(missing.body.hint).toMatch(/flowy-client list/);
  });

  it("pages through jobs newest first with filters", async () => {
    const { api } = await startServer();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++)
      ids.push(
        (await post(`${api}/jobs`, makeJobSpec({ tags: i < 3 ? ["x"] : [], concurrency_key: `k${i % 2}` })))
          .body.id,
      );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = (await get(`${api}/jobs?limit=3${cursor ? `&cursor=${cursor}` : ""}`)).body;
      seen.push(...page.jobs.map((j: any) => j.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect((await get(`${api}/jobs?tag=x`)).body.jobs).toHaveLength(3);
    expect((await get(`${api}/jobs?concurrency_key=k1`)).body.jobs.map((j: any) => j.id)).toEqual([
      ids[5],
      ids[3],
      ids[1],
    ]);
    expect((await get(`${api}/jobs?schedule=none-such`)).body.jobs).toEqual([]);
    expect((await get(`${api}/jobs?state=pending,running`)).body.jobs).toHaveLength(7);
    const bad = await get(`${api}/jobs?state=bogus`);
    expect(bad.status).toBe(400);
    expect(bad.body.hint).toMatch(/States are/);
  });

  it("refuses a cursor it did not hand out, and bad search parameters, saying what to send", async () => {
    const { api } = await startServer();
    const bad = await get(`${api}/jobs?cursor=not-a-cursor`);
    expect(bad.status).toBe(400);
    expect(bad.body.hint).toMatch(/next_cursor/);
    expect((await get(`${api}/jobs?sort=size`)).status).toBe(400);
    expect((await get(`${api}/jobs?created_after=yesterday`)).status).toBe(400);
    expect((await get(`${api}/jobs?tag=a,,b`)).status).toBe(400);
  });

  it("long-polls a job until its version moves", async () => {
    const { api } = await startServer();
    const job = (await post(`${api}/jobs`, makeJobSpec())).body;
    const waiting = get(`${api}/jobs/${job.id}?version=${job.version}&wait_s=20`);
    await new Promise((r) => setTimeout(r, 100));
    await post(`${api}/jobs/${job.id}/cancel`);
    const started = Date.now();
    const changed = (await waiting).body;
    expect(changed.state).toBe("canceled");
    expect(Date.now() - started).toBeLessThan(10_000);
    const unchanged = await get(`${api}/jobs/${job.id}?version=${changed.version}&wait_s=0.1`);
    expect(unchanged.body.version).toBe(changed.version);
  });

  it("reports stats by state and queue", async () => {
    const { api } = await startServer();
    await post(`${api}/jobs`, makeJobSpec({ tags: ["q"] }));
    await post(`${api}/jobs`, makeJobSpec({ tags: ["q"] }));
    const { body } = await get(`${api}/stats`);
    expect(body.states).toMatchObject({ pending: 2, running: 0, succeeded: 0 });
    expect(body.queues).toEqual([{ tags: ["q"], pending: 2 }]);
  });
});

describe("validation", () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ["an unknown field", { spec: { command: ["x"] }, nope: 1 }, /unknown field "nope"/],
    ["no spec", { name: "x" }, /missing the field "spec"/],
    ["nothing to run", { spec: {} }, /names nothing to run/],
    ["two things to run", { spec: { command: ["a"], shell: "b" } }, /more than one thing to run/],
    ["a command that is not argv", { spec: { command: "echo hi" } }, /spec\.command must be array/],
    ["a bad run_at", { spec: { command: ["x"] }, run_at: "tomorrow" }, /run_at must match format/],
    [
      "a negative priority out of range",
      { spec: { command: ["x"] }, priority: 1e9 },
      /priority must be <= 1000/,
    ],
  ];
  it.each(cases)("rejects a submit with %s, naming the problem", async (_what, body, message) => {
    const { api } = await startServer();
    const res = await post(`${api}/jobs`, body);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect(res.body.detail).toMatch(message);
    expect(res.body.hint).toEqual(expect.any(String));
  });

  it("rejects a body that is not JSON and an unknown route, as problems", async () => {
    const { api, url } = await startServer();
    const res = await fetch(`${api}/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "invalid-request" });
    const missing = await get(`${url}/api/v2/jobs`);
    expect(missing.status).toBe(404);
    expect(missing.body.hint).toMatch(/api\/v1/);
  });

  it("refuses a body over the size limit", async () => {
    const { api } = await startServer();
    const res = await post(`${api}/jobs`, { spec: { shell: "x".repeat(2_000_000) } });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe("payload-too-large");
  });

  it("serves an OpenAPI document generated from the schemas, and health checks", async () => {
    const { url } = await startServer();
    const doc = (await get(`${url}/openapi.json`)).body;
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/v1/jobs", "/api/v1/jobs/claim", "/api/v1/jobs/{id}/heartbeat"]),
    );
    expect(
      doc.paths["/api/v1/jobs"].post.requestBody.content["application/json"].schema.properties.spec,
    ).toBeDefined();
    expect((await get(`${url}/healthz`)).status).toBe(200);
    expect((await get(`${url}/readyz`)).status).toBe(200);
  });
});

describe("retention", () => {
  it("removes finished jobs once they are older than the retention, and keeps live ones", async () => {
    const clock = manualClock();
    const { api, server } = await startServer({
      clock,
      reaperIntervalMs: 60_000,
      retainFinishedMs: 3_600_000,
    });
    const done = (await post(`${api}/jobs`, makeJobSpec())).body;
    await post(`${api}/jobs/${done.id}/cancel`);
    const live = (await post(`${api}/jobs`, makeJobSpec())).body;
    clock.advance(3_600_001);
    await server.reaper.tick();
    expect((await get(`${api}/jobs/${done.id}`)).status).toBe(404);
    expect((await get(`${api}/jobs/${live.id}`)).body.state).toBe("pending");
  });
});
