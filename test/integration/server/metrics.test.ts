import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { get, post } from "../../helpers/http.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import { describePg, freshSchemaUrl } from "../../helpers/pg.ts";
import { manualClock, startServer } from "../../helpers/server.ts";
import { PostgresStore } from "../../../server/store/postgres/postgres-store.ts";
import type { Store } from "../../../server/store/store.ts";

/** The value of one sample line (`name{labels} value`) of a Prometheus text scrape; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

async function scrape(url: string): Promise<string> {
  const res = await get(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.body as string;
}

/** Every sample of one metric, by its `tags` label. */
function byTags(text: string, name: string): Record<string, number> {
  const lines = [...text.matchAll(new RegExp(`^${name}\\{tags="([^"]*)"\\} (\\S+)$`, "gm"))];
  return Object.fromEntries(lines.map((m) => [m[1]!, Number(m[2])]));
}

/**
 * The autoscaling series as a worker and submits play them: backlog size and oldest age per tag
 * set (the manual clock makes ages exact), slots busy and free, and the fold past 50 tag sets.
 */
async function checkAutoscalingSeries(store?: Store): Promise<void> {
  const clock = manualClock();
  const { url, api } = await startServer({ clock, store });
  await post(`${api}/workers/register`, { worker_id: "w", capacity: 4, tags: ["gpu", "linux"] });
  await post(`${api}/workers/register`, { worker_id: "w2", capacity: 2 });
  await post(`${api}/workers/w2/drain`);
  for (let i = 0; i < 4; i++) await post(`${api}/jobs`, makeJobSpec({ tags: ["gpu"] }));
  await post(`${api}/jobs`, makeJobSpec({ tags: ["arm"] }));
  clock.advance(10_000);
  await post(`${api}/jobs`, makeJobSpec({ tags: [] }));
  const claimed = (await post(`${api}/jobs/claim`, { worker_id: "w", capacity: 1, tags: ["gpu", "linux"] }))
    .body.jobs;
  expect(claimed).toHaveLength(1);
  clock.advance(5_000);
  const text = await scrape(url);
  expect(byTags(text, "flowy_backlog_jobs")).toEqual({ gpu: 3, arm: 1, "": 1 });
  expect(byTags(text, "flowy_backlog_oldest_age_seconds")).toEqual({ gpu: 15, arm: 15, "": 5 });
  expect(sample(text, 'flowy_worker_slots{state="busy",tags="gpu,linux"}')).toBe(1);
  expect(sample(text, 'flowy_worker_slots{state="free",tags="gpu,linux"}')).toBe(3);
  // w2 drains: it claims nothing, so its two idle slots are not free.
  expect(text).toMatch(/^flowy_worker_slots\{state="free",tags=""\} 0$/m);

  // Past 50 tag sets the smallest are summed under tags="other", so a scrape stays bounded.
  for (let i = 0; i < 50; i++) await post(`${api}/jobs`, makeJobSpec({ tags: [`t${i}`] }));
  const many = byTags(await scrape(url), "flowy_backlog_jobs");
  expect(Object.keys(many)).toHaveLength(51);
  expect(many.gpu).toBe(3);
  expect(many.other).toBe(3);
  expect(Object.values(many).reduce((a, b) => a + b, 0)).toBe(55);
  // Once claimed, a set's series goes away.
  await post(`${api}/jobs/claim`, { worker_id: "w", capacity: 3, tags: ["gpu", "linux"] });
  expect(byTags(await scrape(url), "flowy_backlog_jobs").gpu).toBeUndefined();
}

describe("GET /metrics", () => {
  it("exposes the backlog per tag set, its oldest job's age and the worker slots (SQLite)", async () => {
    await checkAutoscalingSeries();
  });

  describePg("on PostgreSQL", () => {
    it("exposes the backlog per tag set, its oldest job's age and the worker slots (PostgreSQL)", async () => {
      await checkAutoscalingSeries(
        await PostgresStore.open({ url: freshSchemaUrl("metrics").url, poolSize: 4 }),
      );
    });
  });

  it("counts submits, claims, outcomes, retries and lease expiries as a worker plays them", async () => {
    const clock = manualClock();
    const { url, api, server } = await startServer({ clock });
    const before = await scrape(url);
    expect(sample(before, "flowy_jobs_submitted_total")).toBe(0);

    const ok = (await post(`${api}/jobs`, makeJobSpec({ name: "ok" }))).body;
    const bad = (await post(`${api}/jobs`, makeJobSpec({ name: "bad", max_attempts: 1 }))).body;
    const flaky = (await post(`${api}/jobs`, makeJobSpec({ name: "flaky", max_attempts: 2 }))).body;
    const lost = (await post(`${api}/jobs`, makeJobSpec({ name: "lost", max_attempts: 1, lease_s: 5 }))).body;
    await post(`${api}/workers/register`, { worker_id: "w", capacity: 10 });
    clock.advance(2_000);
    const claimed = (await post(`${api}/jobs/claim`, { worker_id: "w", capacity: 10 })).body.jobs;
    const lease = (id: string) => ({
      worker_id: "w",
      lease_token: claimed.find((j: { id: string }) => j.id === id).lease_token,
    });
    clock.advance(3_000);
    expect((await post(`${api}/jobs/${ok.id}/complete`, lease(ok.id))).status).toBe(200);
    await post(`${api}/jobs/${bad.id}/failed`, { ...lease(bad.id), message: "boom" });
    await post(`${api}/jobs/${flaky.id}/failed`, { ...lease(flaky.id), message: "try again" });
    clock.advance(10_000);
    await server.reaper.tick();

    expect((await get(`${api}/jobs/${lost.id}`)).body.state).toBe("timed_out");
    const after = await scrape(url);
    expect(sample(after, "flowy_jobs_submitted_total")).toBe(4);
    expect(sample(after, "flowy_jobs_claimed_total")).toBe(4);
    expect(sample(after, 'flowy_jobs_finished_total{outcome="succeeded"}')).toBe(1);
    expect(sample(after, 'flowy_jobs_finished_total{outcome="failed"}')).toBe(1);
    expect(sample(after, 'flowy_jobs_finished_total{outcome="timed_out"}')).toBe(1);
    expect(sample(after, 'flowy_job_retries_total{reason="failed"}')).toBe(1);
    expect(sample(after, "flowy_lease_expiries_total")).toBe(1);
    expect(sample(after, "flowy_claim_duration_seconds_count")).toBeGreaterThanOrEqual(1);
    // All four waited 2 s in the queue (manual clock): inside the 5 s bucket, outside the 1 s one.
    expect(sample(after, 'flowy_queue_wait_seconds_bucket{le="1"}')).toBe(0);
    expect(sample(after, 'flowy_queue_wait_seconds_bucket{le="5"}')).toBe(4);
    expect(sample(after, 'flowy_job_run_seconds_count{outcome="succeeded"}')).toBe(1);
    expect(sample(after, 'flowy_job_run_seconds_sum{outcome="succeeded"}')).toBe(3);
    expect(sample(after, 'flowy_job_run_seconds_count{outcome="retried"}')).toBe(1);
    expect(sample(after, 'flowy_jobs{state="succeeded"}')).toBe(1);
    // The retried job waits out its backoff, or is already due again.
    expect(
      sample(after, 'flowy_jobs{state="scheduled"}') + sample(after, 'flowy_jobs{state="pending"}'),
    ).toBe(1);
    expect(sample(after, 'flowy_jobs{state="running"}')).toBe(0);
    expect(
      sample(
        after,
        'flowy_http_request_duration_seconds_count{method="POST",route="/api/v1/jobs",status_code="201"}',
      ),
    ).toBe(4);
    expect(after).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(after).toMatch(/^flowy_workers\{status="active"\} 1$/m);
  });

  it("documents every flowy metric it exposes, and the Grafana dashboard uses only those", async () => {
    const { url } = await startServer();
    const exposed = [...(await scrape(url)).matchAll(/^# TYPE (flowy_\w+) /gm)].map((m) => m[1]!);
    expect(exposed.length).toBeGreaterThan(10);
    const docs = readFileSync(join(import.meta.dirname, "../../../docs/metrics.md"), "utf8");
    for (const name of exposed) expect(docs, name).toContain(`\`${name}\``);
    const grafana = readFileSync(join(import.meta.dirname, "../../../docs/grafana-dashboard.json"), "utf8");
    const used = new Set(
      [...grafana.matchAll(/\b(flowy_\w+?)(?:_bucket|_count|_sum)?\b/g)].map((m) => m[1]!),
    );
    for (const name of used) expect(exposed, name).toContain(name);
  });
});
