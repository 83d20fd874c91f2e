/** The control long-poll: a daemon hears at once of a cancel of its job, or of its drain. */
import { describe, expect, it } from "vitest";
import { get, post } from "../../helpers/http.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import { startServer } from "../../helpers/server.ts";

describe("POST /workers/{id}/control", () => {
  it("answers a waiting worker when one of its jobs is canceled, then when it is asked to drain", async () => {
    const { api } = await startServer();
    await post(`${api}/workers/register`, { worker_id: "w1", capacity: 2 });
    const job = (await post(`${api}/jobs`, makeJobSpec())).body;
    await post(`${api}/jobs/claim`, { worker_id: "w1", capacity: 1 });
    // Nothing to say yet: the request waits (up to wait_s) instead of answering.
    const waiting = post(`${api}/workers/w1/control`, { wait_s: 60 });
    let answered = false;
    void waiting.then(() => (answered = true));
    expect((await post(`${api}/workers/w1/control`, { wait_s: 0 })).body).toEqual({
      cancel: [],
      drain: false,
    });
    expect(answered).toBe(false);
    await post(`${api}/jobs/${job.id}/cancel`, {});
    expect((await waiting).body).toEqual({ cancel: [job.id], drain: false });

    // What the worker already knows is not news: the next request waits for the drain.
    const next = post(`${api}/workers/w1/control`, { wait_s: 60, known_cancel: [job.id] });
    const drained = await post(`${api}/workers/w1/drain`, {});
    expect(drained.body).toMatchObject({ id: "w1", draining: true });
    expect((await next).body).toEqual({ cancel: [job.id], drain: true });
    expect((await get(`${api}/workers`)).body.workers[0]).toMatchObject({ id: "w1", draining: true });

    // A daemon that registers again (a new start) is no longer draining.
    await post(`${api}/workers/register`, { worker_id: "w1", capacity: 2 });
    expect((await get(`${api}/workers`)).body.workers[0]).toMatchObject({ draining: false });
    expect((await post(`${api}/workers/nobody/drain`, {})).status).toBe(404);
  });
});
