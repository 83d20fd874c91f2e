import { describe, expect, it } from "vitest";
import { get, http, post } from "../../helpers/http.ts";
import { manualClock, startServer } from "../../helpers/server.ts";

const del = (url: string) => http("DELETE", url);
const T0 = Date.parse("2026-06-01T10:00:30Z");

describe("schedules over HTTP", () => {
  it("creates, lists, shows runs and jobs, pauses, resumes, triggers and deletes a schedule", async () => {
    const clock = manualClock(T0);
    const { api, url, server } = await startServer({ clock });
    const body = {
      name: "report",
      cron: "*/5 * * * *",
      tz: "Europe/Berlin",
      overlap: "allow",
      job: { spec: { command: ["echo", "report"] }, tags: ["etl"], priority: 5 },
    };
    const created = await post(`${api}/schedules`, body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "report",
      tz: "Europe/Berlin",
      overlap: "allow",
      catch_up: "one",
      paused: false,
      next_tick_at: "2026-06-01T10:05:00.000Z",
      last_tick_at: null,
    });
    const taken = await post(`${api}/schedules`, body);
    expect(taken.status).toBe(409);
    expect(taken.body.hint).toMatch(/schedule delete report/);
    const bad = await post(`${api}/schedules`, { ...body, name: "bad", cron: "every day" });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/not a cron expression/);

    clock.set(Date.parse("2026-06-01T10:05:01Z"));
    // The server's own ticker may get there first; either way the tick enqueues one job.
    await server.ticker.tick();
    const shown = await get(`${api}/schedules/report`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      last_tick_at: "2026-06-01T10:05:00.000Z",
      next_tick_at: "2026-06-01T10:10:00.000Z",
      next_runs: [
        "2026-06-01T10:10:00.000Z",
        "2026-06-01T10:15:00.000Z",
        "2026-06-01T10:20:00.000Z",
        "2026-06-01T10:25:00.000Z",
        "2026-06-01T10:30:00.000Z",
      ],
      last_job_state: "pending",
    });
    expect(shown.body.recent).toHaveLength(1);
    const jobId = shown.body.recent[0].job_id;
    expect(shown.body.last_job_id).toBe(jobId);
    expect((await get(`${api}/jobs/${jobId}`)).body).toMatchObject({
      name: "report",
      tags: ["etl"],
      priority: 5,
    });

    const paused = await post(`${api}/schedules/report/pause`, {});
    expect(paused.body).toMatchObject({ paused: true, next_tick_at: null });
    const triggered = await post(`${api}/schedules/report/trigger`, {});
    expect(triggered.status).toBe(201);
    expect(triggered.body).toMatchObject({ name: "report", state: "pending" });
    const resumed = await post(`${api}/schedules/report/resume`, {});
    expect(resumed.body).toMatchObject({ paused: false, next_tick_at: "2026-06-01T10:10:00.000Z" });
    expect((await get(`${api}/schedules`)).body.schedules.map((s: { name: string }) => s.name)).toEqual([
      "report",
    ]);
    const recent = (await get(`${api}/schedules/report`)).body.recent;
    expect(recent.map((t: { manual: boolean; job_id: string }) => [t.manual, t.job_id])).toEqual([
      [true, triggered.body.id],
      [false, jobId],
    ]);

    expect((await del(`${api}/schedules/report`)).status).toBe(204);
    const gone = await get(`${api}/schedules/report`);
    expect(gone.status).toBe(404);
    expect(gone.body.hint).toMatch(/schedule list/);
    expect((await post(`${api}/schedules/report/trigger`, {})).status).toBe(404);

    const doc = (await get(`${url}/openapi.json`)).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/schedules",
        "/api/v1/schedules/{name}",
        "/api/v1/schedules/{name}/trigger",
      ]),
    );
  });

  it("refuses a job template that a submit would refuse, and fields only one job can have", async () => {
    const { api } = await startServer();
    const base = { name: "x", cron: "0 3 * * *" };
    const none = await post(`${api}/schedules`, { ...base, job: { spec: {} } });
    expect(none.status).toBe(400);
    expect(none.body.detail).toMatch(/spec names nothing to run/);
    const runAt = await post(`${api}/schedules`, {
      ...base,
      job: { spec: { command: ["true"] }, run_at: "2030-01-01T00:00:00Z" },
    });
    expect(runAt.status).toBe(400);
  });
});
