/** POST /jobs/batch: many jobs in one request and one transaction, each answered in its place. */
import { describe, expect, it } from "vitest";
import { get, post } from "../../helpers/http.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import { startServer } from "../../helpers/server.ts";

describe("batch submit", () => {
  it("stores every job it can and answers each in order, with the error of each it cannot", async () => {
    const { api } = await startServer();
    const old = (await post(`${api}/jobs`, makeJobSpec({ name: "old", idempotency_key: "k-old" }))).body;
    const parent = (await post(`${api}/jobs`, makeJobSpec({ name: "parent" }))).body;
    const res = await post(`${api}/jobs/batch`, {
      jobs: [
        makeJobSpec({ name: "first", tags: ["etl"] }),
        makeJobSpec({ name: "old", idempotency_key: "k-old" }),
        makeJobSpec({ name: "changed", idempotency_key: "k-old" }),
        makeJobSpec({ name: "orphan", parent_id: "01nosuchjob0000000000000000" }),
        makeJobSpec({ name: "child", parent_id: parent.id }),
        { spec: { workflow: { version: 1, flows: { main: { graph: "a >> b" } }, tasks: {} } } },
      ],
    });
    expect(res.status).toBe(200);
    const [first, again, changed, orphan, child, workflow] = res.body.results;
    expect(first).toMatchObject({ created: true, job: { name: "first", state: "pending", tags: ["etl"] } });
    expect(again).toMatchObject({ created: false, job: { id: old.id } });
    expect(changed.error).toMatchObject({ code: "idempotency-conflict" });
    expect(orphan.error).toMatchObject({ code: "invalid-request", detail: /parent_id/ });
    expect(child).toMatchObject({ created: true, job: { state: "awaiting", parent_id: parent.id } });
    expect(workflow.error).toMatchObject({ code: "invalid-request" });
    const listed = (await get(`${api}/jobs?limit=100`)).body.jobs.map((j: { name: string }) => j.name);
    expect(listed.sort()).toEqual(["child", "first", "old", "parent"]);
  });

  it("refuses the whole batch when a job does not match the schema, naming which one", async () => {
    const { api } = await startServer();
    const res = await post(`${api}/jobs/batch`, { jobs: [makeJobSpec(), { spec: { command: [] } }] });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/jobs\.1\.spec/);
    expect((await get(`${api}/jobs`)).body.jobs).toEqual([]);
  });

  it("takes a thousand jobs beyond the one-megabyte body of a single submit, and no more", async () => {
    const { api } = await startServer();
    const inputs = { pad: "x".repeat(1_500) };
    const jobs = Array.from({ length: 1000 }, (_, i) => makeJobSpec({ name: `j${i}`, inputs }));
    const res = await post(`${api}/jobs/batch`, { jobs });
    expect(res.status).toBe(200);
    expect(res.body.results.filter((r: { created?: boolean }) => r.created)).toHaveLength(1000);
    expect((await get(`${api}/stats`)).body.states.pending).toBe(1000);
    const tooMany = await post(`${api}/jobs/batch`, { jobs: [...jobs, makeJobSpec()] });
    expect(tooMany.status).toBe(400);
    expect((await post(`${api}/jobs/batch`, { jobs: [] })).status).toBe(400);
  });
});
