import { describe, expect, it } from "vitest";
import { PG_MIGRATIONS } from "../../server/store/postgres/migrations.ts";
import { PostgresStore } from "../../server/store/postgres/postgres-store.ts";
import { CLAIM_BODY } from "../../server/store/postgres/job-statements.ts";
import { explainPgClaim, pgClaimFunction } from "../helpers/query-plans.ts";
import { adminQuery, describePg, freshSchemaUrl } from "../helpers/pg.ts";
import { checkClaimRaces } from "./store-concurrency-race.ts";
import { checkRateRaces } from "./store-rate-race.ts";
import { describeStoreContract, newJob } from "./store-contract.ts";
import { makeSchedule, tickFor } from "./store-contract-schedules.ts";
import pg from "pg";
import type { JobRecord, NewJob, Store } from "../../server/store/store.ts";
import { PG_URL } from "../helpers/pg.ts";

// $1 application name: this process's store connections that wait for a lock.
const WAITING_ON_LOCK = `SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE NOT l.granted AND a.application_name = $1`;

type RaceCheck = (
  stores: Store[],
  insert: (store: Store, job: Partial<NewJob>) => Promise<JobRecord>,
) => Promise<void>;

/** Runs a claim race property on two replicas (stores) of one fresh schema. */
async function onTwoReplicas(check: RaceCheck): Promise<void> {
  const { url } = freshSchemaUrl();
  const replicas = [
    await PostgresStore.open({ url, poolSize: 4 }),
    await PostgresStore.open({ url, poolSize: 4 }),
  ];
  try {
    await check(replicas, async (store, job) => {
      const submit = { event: "submit", from: null, to: "pending" } as const;
      return (await store.insertJob(newJob(job), submit)).job;
    });
  } finally {
    await Promise.all(replicas.map((r) => r.close()));
  }
}

describePg("PostgreSQL store", () => {
  describeStoreContract("postgres", async () =>
    PostgresStore.open({ url: freshSchemaUrl().url, poolSize: 4 }),
  );

  describe("PostgreSQL store specifics", () => {
    it("walks the partial claim index in order instead of scanning and sorting the queue", async () => {
      const { url, schema } = freshSchemaUrl();
      const store = await PostgresStore.open({ url, poolSize: 2 });
      // A big queue and a bigger history of finished jobs, just written: no statistics yet.
      const { job } = await store.insertJob(newJob(), { event: "submit", from: null, to: "pending" });
      await adminQuery(
        `INSERT INTO ${schema}.jobs SELECT (j).* FROM (
           SELECT jsonb_populate_record(t, jsonb_build_object('id', t.id || '-' || n, 'state',
             CASE WHEN n % 3 = 0 THEN 'pending' ELSE 'succeeded' END, 'priority', n % 5)) AS j
           FROM ${schema}.jobs t, generate_series(1, 20000) n) s`,
      );
      const plan = await explainPgClaim(url);
      // And the claim, on that queue, leases what the plan promises: highest priority, then oldest.
      const expected = await adminQuery<{ id: string }>(
        `SELECT id FROM ${schema}.jobs WHERE state = 'pending' ORDER BY priority DESC, id LIMIT 3`,
      );
      const claimed = await store.claimJobs({ workerId: "w", tags: [], capacity: 3, now: job.createdAt });
      await store.close();
      expect(expected).toHaveLength(3);
      expect(claimed.map((j) => j.id)).toEqual(expected.map((r) => r.id));
      expect(claimed.map((j) => j.priority)).toEqual([4, 4, 4]);
      expect(plan).toMatch(/Index Scan using jobs_claim on jobs/);
      expect(plan).toMatch(/LockRows/);
      expect(plan).not.toMatch(/Seq Scan on jobs/);
      // Nothing sorts jobs from the table: the sorts are of the claimed rows (at most capacity)
      // into claim order, of the picked rows by concurrency key, of the few declared limits, and of
      // one bundle name's versions (a job naming a bundle without a version needs its latest).
      const sortKeys = [...plan.matchAll(/Sort {2}\(.*\n\s*Sort Key: (.*)/g)].map((m) => m[1]);
      expect(sortKeys.length).toBeGreaterThan(0);
      for (const key of sortKeys)
        expect(key).toMatch(
          /^(claimed\.priority DESC|picked\.ck,|\(\(l(_\d+)?\.pattern = |b\.created_at DESC)/,
        );
      expect(plan).toMatch(/^Sort {2}\(/);
      // The counter rows of the wanted keys are found by key, not by walking every key's row.
      expect(plan).toMatch(/Index Cond: \(key = ANY \(\$\d+\)\)/);
    });

    it("claims through flowy_claim, whose body is the statement the plan test explains", async () => {
      const { url } = freshSchemaUrl();
      await (await PostgresStore.open({ url, poolSize: 2 })).close();
      const { source, settings } = await pgClaimFunction(url);
      const squash = (text: string) => text.replace(/\s+/g, " ").trim();
      expect(squash(source)).toContain(squash(CLAIM_BODY));
      expect(settings).toEqual(["enable_sort=off", "enable_bitmapscan=off", "jit=off"]);
    });

    it("keeps every key within its rate when claims race on two replicas (property)", async () => {
      await onTwoReplicas(checkRateRaces);
    }, 120_000);

    it("keeps every key within its limit when claims race on two replicas (property)", async () => {
      await onTwoReplicas(checkClaimRaces);
    }, 120_000);

    it("enqueues each tick once when two replicas fire the same ticks at once", async () => {
      const { url } = freshSchemaUrl();
      const replicas = [
        await PostgresStore.open({ url, poolSize: 2 }),
        await PostgresStore.open({ url, poolSize: 2 }),
      ];
      try {
        await replicas[0]!.schedules.createSchedule(makeSchedule({ nextTickAt: 1_000 }));
        for (let round = 1; round <= 20; round++) {
          const tickAt = round * 1_000;
          // Both read the schedule before either writes, as two tickers waking together do.
          const reads = await Promise.all(replicas.map((r) => r.schedules.getSchedule("nightly")));
          const fired = await Promise.all(
            replicas.map((r, i) =>
              r.schedules.recordTicks({
                schedule: reads[i]!,
                ticks: [tickFor(tickAt, (at) => newJob({ createdAt: at }))],
                manual: false,
                lastTickAt: tickAt,
                nextTickAt: tickAt + 1_000,
                now: tickAt,
              }),
            ),
          );
          expect(fired.filter((f) => f !== undefined)).toHaveLength(1);
        }
        const ticks = await replicas[1]!.schedules.listTicks("nightly", 100);
        expect(ticks.map((t) => t.tickAt).reverse()).toEqual(
          Array.from({ length: 20 }, (_, i) => (i + 1) * 1_000),
        );
        const jobs = await replicas[0]!.listJobs({ limit: 100 });
        expect(jobs).toHaveLength(20);
        expect(new Set(jobs.map((j) => j.id))).toEqual(new Set(ticks.map((t) => t.jobId)));
      } finally {
        await Promise.all(replicas.map((r) => r.close()));
      }
    });

    it("fires a tick once when the replica that began it is killed mid-tick", async () => {
      const { url, schema } = freshSchemaUrl();
      const store = await PostgresStore.open({ url, poolSize: 2 });
      const doomed = new pg.Client({ connectionString: PG_URL });
      doomed.on("error", () => undefined);
      try {
        await store.schedules.createSchedule(makeSchedule({ nextTickAt: 1_000 }));
        const read = (await store.schedules.getSchedule("nightly"))!;
        // The first replica is inside its tick's transaction: guard taken, tick row written.
        await doomed.connect();
        await doomed.query("BEGIN");
        await doomed.query(`UPDATE ${schema}.schedules SET version = version + 1 WHERE name = 'nightly'`);
        await doomed.query(
          `INSERT INTO ${schema}.schedule_ticks (schedule_name, tick_at, job_id, manual) VALUES ('nightly', 1000, 'lost', false)`,
        );
        const [{ pid }] = (await doomed.query("SELECT pg_backend_pid() AS pid")).rows as [{ pid: number }];
        const tick = tickFor(1_000, (at) => newJob({ createdAt: at }));
        const second = store.schedules.recordTicks({
          schedule: read,
          ticks: [tick],
          manual: false,
          lastTickAt: 1_000,
          nextTickAt: 2_000,
          now: 1_000,
        });
        // The second replica waits on the row lock until the first one's session dies.
        await expect
          .poll(
            async () => (await adminQuery(WAITING_ON_LOCK, [`flowy-server (pid ${process.pid})`])).length,
            {
              timeout: 20_000,
            },
          )
          .toBeGreaterThan(0);
        await adminQuery("SELECT pg_terminate_backend($1)", [pid]);
        const fired = await second;
        expect(fired?.jobs.map((j) => j.id)).toEqual([tick.job!.record.id]);
        const ticks = await store.schedules.listTicks("nightly", 10);
        expect(ticks.map((t) => t.jobId)).toEqual([tick.job!.record.id]);
        expect(await store.listJobs({ limit: 10 })).toHaveLength(1);
      } finally {
        await doomed.end().catch(() => undefined);
        await store.close();
      }
    });

    it("keeps working after the database drops its connections", async () => {
      const store = await PostgresStore.open({ url: freshSchemaUrl().url, poolSize: 2 });
      try {
        const { job } = await store.insertJob(newJob(), { event: "submit", from: null, to: "pending" });
        const dropped = await adminQuery(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
          [`flowy-server (pid ${process.pid})`],
        );
        expect(dropped.length).toBeGreaterThan(0);
        expect((await store.getJob(job.id))?.id).toBe(job.id);
        const claimed = await store.claimJobs({ workerId: "w", tags: [], capacity: 1, now: Date.now() });
        expect(claimed.map((j) => j.id)).toEqual([job.id]);
      } finally {
        await store.close();
      }
    });

    it("sets synchronous_commit=on on its connections, over what the URL asks for", async () => {
      const { url } = freshSchemaUrl();
      const asked = `${url}&options=${encodeURIComponent("-c synchronous_commit=off")}`;
      const store = await PostgresStore.open({ url: asked, poolSize: 2 });
      try {
        expect(await store.synchronousCommit()).toBe("on");
      } finally {
        await store.close();
      }
    });

    it("migrates once when replicas open the same schema together", async () => {
      const { url, schema } = freshSchemaUrl();
      const stores = await Promise.all(
        Array.from({ length: 4 }, () => PostgresStore.open({ url, poolSize: 1 })),
      );
      await Promise.all(stores.map((s) => s.close()));
      const rows = await adminQuery<{ version: number }>(
        `SELECT version FROM ${schema}.schema_migrations ORDER BY version`,
      );
      expect(rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
    });
  });
});
