/**
 * Two replicas on one PostgreSQL schema, one of them with its host clock 60 s fast (faked through
 * the server's clock module). Leases and deadlines come from the database's clock, so the skewed
 * replica neither reaps a lease the other just granted nor stamps its own leases 60 s long.
 */
import { expect, it } from "vitest";
import { get, post } from "../../helpers/http.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import { describePg, freshSchemaUrl } from "../../helpers/pg.ts";
import { spawnServerProcess } from "../../helpers/server-process.ts";
import { waitFor } from "../../helpers/processes.ts";

const SKEW_MS = 60_000;

/** Until `check` holds: a minute at most, looking every 50 ms. */
const waitUntil = (what: string, check: () => Promise<boolean> | boolean) => waitFor(what, check, 60_000, 50);

describePg("replicas whose host clocks disagree", () => {
  it("stamps and expires leases on the database's clock, not the skewed replica's", async () => {
    const { url } = freshSchemaUrl("skew");
    const args = ["--db", url, "--log-level", "info", "--reaper-interval-ms", "100", "--db-pool-size", "2"];
    // The skewed replica starts first and leads: its reaper is the one that runs.
    const skewed = await spawnServerProcess(args, { FLOWY_FAKE_CLOCK_SKEW_MS: String(SKEW_MS) });
    await waitUntil("the skewed replica leads", () =>
      skewed.output().includes("leading: this replica runs the reaper"),
    );
    const honest = await spawnServerProcess(args);

    const fresh = (await post(`${honest.api}/jobs`, makeJobSpec({ lease_s: 30, priority: 2 }))).body;
    const probe = (
      await post(`${honest.api}/jobs`, makeJobSpec({ lease_s: 1, max_attempts: 1, priority: 1 }))
    ).body;
    const claimed = (await post(`${honest.api}/jobs/claim`, { worker_id: "w1", capacity: 2 })).body.jobs;
    expect(claimed.map((j: { id: string }) => j.id)).toEqual([fresh.id, probe.id]);

    // The probe's 1 s lease runs out unrenewed: once the leader's reaper has expired it, it has
    // also had its chance at the fresh 30 s lease, which a 60 s-fast clock would find expired.
    await waitUntil(
      "the probe's lease is expired",
      async () => (await get(`${honest.api}/jobs/${probe.id}`)).body.state === "timed_out",
    );
    expect((await get(`${honest.api}/jobs/${fresh.id}`)).body.state).toBe("running");

    // A lease the skewed replica grants runs lease_s from the database's now, not 60 s longer.
    const own = (await post(`${skewed.api}/jobs`, makeJobSpec({ lease_s: 30 }))).body;
    const [leased] = (await post(`${skewed.api}/jobs/claim`, { worker_id: "w2", capacity: 1 })).body.jobs;
    expect(leased.id).toBe(own.id);
    const leaseLeftMs = Date.parse(leased.lease_expires_at) - Date.now();
    expect(leaseLeftMs).toBeLessThanOrEqual(30_000 + SKEW_MS / 2);
    expect(leaseLeftMs).toBeGreaterThan(30_000 - SKEW_MS / 2);
  }, 120_000);
});
