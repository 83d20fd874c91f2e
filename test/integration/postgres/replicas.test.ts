/**
 * Two real flowy-server replicas on one PostgreSQL schema, four HTTP workers split across them,
 * 2,000 jobs, and the leading replica SIGKILLed midway: every job must end in exactly one terminal
 * state, every attempt leased to one worker at a time, no completion accepted twice.
 */
import { expect, it } from "vitest";
import { post } from "../../helpers/http.ts";
import { runHttpWorker } from "../../helpers/http-worker.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import { auditLeases, type HistoryRow } from "../../helpers/lease-audit.ts";
import { adminQuery, describePg, freshSchemaUrl } from "../../helpers/pg.ts";
import { exited, spawnServerProcess } from "../../helpers/server-process.ts";
import { waitFor } from "../../helpers/processes.ts";

const JOBS = 2_000;
const KILL_AFTER = 700;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Until `check` holds: a minute at most, looking every 20 ms. */
const waitUntil = (what: string, check: () => Promise<boolean> | boolean) => waitFor(what, check, 60_000, 20);

/**
 * Submits the jobs from 8 clients, half to each replica. A client whose replica dies repeats the
 * submit on the other one under the same Idempotency-Key, so no job is lost or doubled.
 */
async function submitAll(apis: string[]): Promise<string[]> {
  const ids: string[] = [];
  const submitOne = async (i: number) => {
    const body = makeJobSpec({
      name: `job-${i}`,
      lease_s: 2,
      max_attempts: 5,
      backoff: { initial_s: 0.2, max_s: 1, factor: 2 },
    });
    for (let attempt = 0; ; attempt++) {
      const api = apis[(i + attempt) % apis.length]!;
      const res = await post(`${api}/jobs`, body, { "idempotency-key": `job-${i}` }).catch(() => null);
      if (res?.status === 201 || res?.status === 200) return res.body.id as string;
      if (res) throw new Error(`submit answered ${res.status}: ${JSON.stringify(res.body)}`);
      await sleep(50);
    }
  };
  await Promise.all(
    Array.from({ length: 8 }, async (_, s) => {
      for (let i = s; i < JOBS; i += 8) ids.push(await submitOne(i));
    }),
  );
  return ids;
}

describePg("flowy-server replicas on one PostgreSQL database", () => {
  it("runs 2,000 jobs through a SIGKILL of the leading replica, each attempt leased once", async () => {
    const { url, schema } = freshSchemaUrl("replicas");
    const count = async (where: string) =>
      Number((await adminQuery(`SELECT count(*) AS n FROM ${schema}.jobs WHERE ${where}`))[0]!.n);
    const args = ["--db", url, "--log-level", "info", "--reaper-interval-ms", "100", "--db-pool-size", "4"];
    const a = await spawnServerProcess(args);
    await waitUntil("replica A leads", () => a.output().includes("leading: this replica runs the reaper"));
    const b = await spawnServerProcess(args);
    const started = Date.now();

    let stop = false;
    const workers = ["w1", "w2", "w3", "w4"].map((workerId, i) =>
      runHttpWorker({
        workerId,
        apis: i < 2 ? [a.api, b.api] : [b.api, a.api],
        capacity: 20,
        workMs: 5,
        stopped: () => stop,
      }),
    );
    const submitted = submitAll([a.api, b.api]);
    await waitUntil(
      `${KILL_AFTER} jobs succeeded`,
      async () => (await count("state = 'succeeded'")) >= KILL_AFTER,
    );
    a.child.kill("SIGKILL");
    await exited(a.child);
    const killedAt = Date.now();
    const ids = await submitted;
    await waitUntil(
      "every job is terminal",
      async () => (await count("state IN ('succeeded', 'failed', 'timed_out', 'canceled')")) === JOBS,
    );
    const finished = Date.now();
    stop = true;
    const recordings = await Promise.all(workers);

    const states = await adminQuery<{ state: string; n: number }>(
      `SELECT state, count(*)::int AS n FROM ${schema}.jobs GROUP BY state`,
    );
    expect(new Set(ids).size).toBe(JOBS);
    expect(states).toEqual([{ state: "succeeded", n: JOBS }]);

    const history = await adminQuery<HistoryRow>(
      `SELECT job_id, event, from_state, to_state, worker_id, attempt FROM ${schema}.job_history ORDER BY job_id, seq`,
    );
    expect(auditLeases(history)).toEqual([]);
    expect(history.filter((h) => h.event === "complete")).toHaveLength(JOBS);

    // Worker side: one lease per (job, attempt), and accepted completions only under the lease
    // that finished the job (a repeat after failover is the same completion, same token).
    const claims = recordings.flatMap((r) => r.claims);
    expect(new Set(claims.map((c) => `${c.jobId}#${c.attempt}`)).size).toBe(claims.length);
    const finalLease = new Map(
      (
        await adminQuery<{ id: string; lease_token: string }>(`SELECT id, lease_token FROM ${schema}.jobs`)
      ).map((r) => [r.id, r.lease_token]),
    );
    const accepted = recordings.flatMap((r) => r.accepted);
    const tokensPerJob = new Map<string, Set<string>>();
    for (const c of accepted)
      tokensPerJob.set(c.jobId, (tokensPerJob.get(c.jobId) ?? new Set()).add(c.token));
    for (const [jobId, tokens] of tokensPerJob)
      expect([jobId, [...tokens]]).toEqual([jobId, [finalLease.get(jobId)]]);

    // The kill was felt: workers failed over, and replica B took over the reaper.
    expect(recordings[0]!.failovers + recordings[1]!.failovers).toBeGreaterThan(0);
    expect(b.output()).toContain("leading: this replica runs the reaper");
    const retried = await count("attempt > 1");
    process.stdout.write(
      `replicas: ${JOBS} jobs in ${finished - started} ms (${Math.round((JOBS * 1000) / (finished - started))} jobs/s); ` +
        `leader killed at ${killedAt - started} ms; ${retried} jobs needed a second attempt; ` +
        `${claims.length} claims, ${accepted.length} accepted completions; ` +
        `failovers ${recordings.map((r) => r.failovers).join("/")}\n`,
    );
  }, 120_000);
});
