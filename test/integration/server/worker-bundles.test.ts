/**
 * Bundles as workers see them over HTTP: a worker reports what it installed and what failed
 * (shown on /workers), and a claim hands out a job with spec.bundle only to a worker that lists
 * the version it needs.
 */
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { get, post } from "../../helpers/http.ts";
import { startServer } from "../../helpers/server.ts";

async function upload(api: string, name: string, version: string): Promise<void> {
  const res = await fetch(`${api}/bundles/${name}/${version}`, {
    method: "PUT",
    body: gzipSync(Buffer.from(`${name}@${version}`)),
    headers: { "content-type": "application/gzip" },
  });
  expect(res.status).toBe(201);
}

describe("worker bundles", () => {
  it("stores a worker's bundle report and shows it on /workers; an unknown worker is 404", async () => {
    const { api } = await startServer();
    await post(`${api}/workers/register`, { worker_id: "w1", capacity: 1 });
    const report = {
      bundles: [
        { name: "etl", version: "1.0.0", status: "installed", error: null, at: null },
        {
          name: "etl",
          version: "2.0.0",
          status: "failed",
          error: "setup exited with 1",
          at: "2026-01-01T00:00:00.000Z",
        },
      ],
    };
    expect((await post(`${api}/workers/w1/bundles`, report)).status).toBe(204);
    expect((await get(`${api}/workers`)).body.workers[0].bundles).toEqual(report.bundles);
    expect((await post(`${api}/workers/nobody/bundles`, report)).status).toBe(404);
    const bad = await post(`${api}/workers/w1/bundles`, { bundles: [{ name: "etl", status: "odd" }] });
    expect(bad.status).toBe(400);
  });

  it("hands a job naming a bundle only to a claim that lists the version it needs", async () => {
    const { api } = await startServer();
    await upload(api, "etl", "1.0.0");
    await upload(api, "etl", "1.1.0");
    const job = (await post(`${api}/jobs`, { spec: { shell: "true", bundle: "etl" } })).body;
    expect(job.spec.bundle).toBe("etl");
    const claim = { worker_id: "w1", capacity: 1 };
    expect((await post(`${api}/jobs/claim`, claim)).body.jobs).toEqual([]);
    expect((await post(`${api}/jobs/claim`, { ...claim, bundles: ["etl@1.0.0"] })).body.jobs).toEqual([]);
    const got = (await post(`${api}/jobs/claim`, { ...claim, bundles: ["etl@1.1.0"] })).body.jobs;
    expect(got.map((j: { id: string }) => j.id)).toEqual([job.id]);
    expect((await post(`${api}/jobs/claim`, { ...claim, bundles: ["../x"] })).status).toBe(400);
  });
});
