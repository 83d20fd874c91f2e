/**
 * The Store contract, run against every store (SQLite, PostgreSQL) through a factory. No test of
 * store behaviour exists for only one of them.
 */
import { ulid } from "ulid";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { newJobId } from "../../shared/ids.ts";
import type { Task } from "../../shared/protocol.ts";
import { DEFAULT_BACKOFF } from "../../shared/retry-policy.ts";
import type { JobState } from "../../shared/states.ts";
import { NOT_YET_RUN } from "../../server/service/job-transitions.ts";
import { cursorAt } from "../../server/store/job-search.ts";
import type { JobFilter, JobRecord, NewJob, SearchCursor, Store } from "../../server/store/store.ts";
import { checkingSqlTransitions, type SeenTransition } from "../helpers/sql-transitions.ts";
import { describeBundleStoreContract } from "./bundle-store-contract.ts";
import { describeLimitsContract } from "./store-contract-limits.ts";
import { describeRatesContract } from "./store-contract-rates.ts";
import { describeSchedulesContract } from "./store-contract-schedules.ts";
import { describeBundleClaimsContract } from "./store-contract-bundle-claims.ts";

export type StoreFactory = () => Promise<Store>;

const T0 = 1_700_000_000_000;

export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  const createdAt = overrides.createdAt ?? T0;
  return {
    id: newJobId(createdAt),
    name: "job",
    state: "pending",
    tags: [],
    priority: 0,
    spec: { command: ["true"] },
    inputs: {},
    attempt: 0,
    maxAttempts: 3,
    backoff: DEFAULT_BACKOFF,
    timeoutS: null,
    leaseS: 30,
    runAt: null,
    parentId: null,
    concurrencyKey: null,
    concurrencyLimit: null,
    bundleName: null,
    bundleVersion: null,
    idempotencyKey: null,
    requestHash: null,
    createdAt,
    ...NOT_YET_RUN,
    ...overrides,
  };
}

export function describeStoreContract(name: string, makeStore: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    const sqlTransitions: SeenTransition[] = [];
    beforeEach(async () => {
      store = checkingSqlTransitions(await makeStore(), sqlTransitions);
      return () => store.close();
    });
    afterAll(() => {
      // The check ran on real claims and promotions, not on none.
      const events = new Set(sqlTransitions.map((t) => `${t.from} --${t.event}--> ${t.to}`));
      expect(events).toContain("pending --claim--> running");
      expect(events).toContain("scheduled --due--> pending");
    });

    const insert = async (overrides: Partial<NewJob> = {}) =>
      (
        await store.insertJob(newJob(overrides), {
          event: "submit",
          from: null,
          to: overrides.state ?? "pending",
        })
      ).job;
    /** Attempt 1's log of the job, at T0. */
    const append = (jobId: string, offset: number, data: string, maxBytes?: number) =>
      store.appendLog({ jobId, attempt: 1, offset, data, now: T0, maxBytes });

    describeLimitsContract({ store: () => store, insert });
    describeRatesContract({ store: () => store, insert });
    describeSchedulesContract({ store: () => store, newJob });
    describeBundleClaimsContract({ store: () => store, insert });

    it("stores a job and reads it back whole", async () => {
      const job = await insert({
        tags: ["gpu"],
        inputs: { a: 1 },
        timeoutS: 2.5,
        spec: { shell: "echo hi", env: { A: "b" } },
      });
      const read = await store.getJob(job.id);
      expect(read).toMatchObject({
        id: job.id,
        state: "pending",
        tags: ["gpu"],
        inputs: { a: 1 },
        timeoutS: 2.5,
        version: 1,
      });
      expect(read?.spec).toEqual({ shell: "echo hi", env: { A: "b" } });
      // The insert's answer is the row as stored, whether or not the store read it back.
      expect(job).toEqual(read);
      expect(await store.getJob("01nosuchjob0000000000000000")).toBeUndefined();
      expect(await store.getHistory(job.id)).toMatchObject([{ event: "submit", from: null, to: "pending" }]);
    });

    it("returns the stored job for a repeated idempotency key", async () => {
      const first = await store.insertJob(newJob({ idempotencyKey: "k1" }), {
        event: "submit",
        from: null,
        to: "pending",
      });
      const second = await store.insertJob(newJob({ idempotencyKey: "k1" }), {
        event: "submit",
        from: null,
        to: "pending",
      });
      expect(first.created).toBe(true);
      expect(second.created).toBe(false);
      expect(second.job.id).toBe(first.job.id);
    });

    it("inserts a batch in one transaction: in order, one job per key, all or none", async () => {
      const submit = { event: "submit", from: null, to: "pending" } as const;
      const before = await store.insertJob(newJob({ idempotencyKey: "old" }), submit);
      const batch = [
        newJob({ name: "a" }),
        newJob({ idempotencyKey: "twice" }),
        newJob({ idempotencyKey: "twice" }),
        newJob({ idempotencyKey: "old" }),
      ];
      const results = await store.insertJobs(batch.map((job) => ({ job, history: submit })));
      expect(results.map((r) => r.created)).toEqual([true, true, false, false]);
      expect(results[0]!.job.name).toBe("a");
      expect(results[2]!.job.id).toBe(results[1]!.job.id);
      expect(results[3]!.job.id).toBe(before.job.id);
      expect(await store.getHistory(results[0]!.job.id)).toMatchObject([{ event: "submit" }]);
      // Each job's history row is its own, however the batch is written.
      const later = newJob({ state: "scheduled", runAt: T0 + 60_000 });
      const [now, scheduled] = await store.insertJobs([
        { job: newJob(), history: submit },
        { job: later, history: { event: "submit", from: null, to: "scheduled", reason: "run_at" } },
      ]);
      expect(await store.getHistory(now!.job.id)).toMatchObject([{ to: "pending", reason: null }]);
      expect(await store.getHistory(scheduled!.job.id)).toMatchObject([
        { to: "scheduled", reason: "run_at" },
      ]);
      // A job that cannot be stored (here: an id already taken) takes the whole batch back.
      const fresh = newJob({ name: "never" });
      const clash = newJob({ id: results[0]!.job.id });
      await expect(
        store.insertJobs([fresh, clash].map((job) => ({ job, history: submit }))),
      ).rejects.toThrow();
      expect(await store.getJob(fresh.id)).toBeUndefined();
    });

    it("claims by priority, then oldest first, up to capacity, each with its own token", async () => {
      const low = await insert({ priority: 0, createdAt: T0 });
      const high = await insert({ priority: 5, createdAt: T0 + 2 });
      const lowNewer = await insert({ priority: 0, createdAt: T0 + 1 });
      const claimed = await store.claimJobs({ workerId: "w1", tags: [], capacity: 2, now: T0 + 10 });
      expect(claimed.map((j) => j.id)).toEqual([high.id, low.id]);
      for (const job of claimed) {
        expect(job).toMatchObject({
          state: "running",
          workerId: "w1",
          attempt: 1,
          startedAt: T0 + 10,
          leaseExpiresAt: T0 + 10 + 30_000,
        });
      }
      expect(new Set(claimed.map((j) => j.leaseToken)).size).toBe(2);
      const rest = await store.claimJobs({ workerId: "w2", tags: [], capacity: 5, now: T0 + 11 });
      expect(rest.map((j) => j.id)).toEqual([lowNewer.id]);
      expect(await store.claimJobs({ workerId: "w2", tags: [], capacity: 5, now: T0 + 12 })).toEqual([]);
      expect((await store.getHistory(high.id)).at(-1)).toMatchObject({
        event: "claim",
        to: "running",
        workerId: "w1",
        attempt: 1,
      });
    });

    it("gives a job only to a worker that has all of its tags", async () => {
      const gpu = await insert({ tags: ["gpu", "linux"] });
      const plain = await insert({ tags: [] });
      const byLinux = await store.claimJobs({ workerId: "w1", tags: ["linux"], capacity: 10, now: T0 });
      expect(byLinux.map((j) => j.id)).toEqual([plain.id]);
      const byGpu = await store.claimJobs({
        workerId: "w2",
        tags: ["linux", "gpu", "big"],
        capacity: 10,
        now: T0,
      });
      expect(byGpu.map((j) => j.id)).toEqual([gpu.id]);
    });

    it("sets an execution deadline from timeout_s", async () => {
      const job = await insert({ timeoutS: 5 });
      const [claimed] = await store.claimJobs({ workerId: "w", tags: [], capacity: 1, now: T0 });
      expect(claimed?.id).toBe(job.id);
      expect(claimed?.deadlineAt).toBe(T0 + 5000);
    });

    it("raises the job's fence with every lease, and not when a claim is only answered again", async () => {
      const job = await insert();
      expect(job.fence).toBe(0);
      const claim = { workerId: "w1", tags: [], capacity: 1, now: T0, claimId: "f-1" };
      const [first] = (await store.claimJobs(claim)) as [JobRecord];
      expect(first.fence).toBe(1);
      const [again] = (await store.claimJobs({ ...claim, now: T0 + 5, repeated: true })) as [JobRecord];
      expect(again.fence).toBe(1);
      // Back to the queue (as after a lease expiry or a requeue): the next lease gets a higher fence.
      const [back] = await store.applyTransitions(
        [{ job: again, patch: { state: "pending", leaseToken: null, workerId: null }, history: null }],
        T0 + 10,
      );
      expect(back?.fence).toBe(1);
      const [second] = (await store.claimJobs({
        ...claim,
        workerId: "w2",
        claimId: "f-2",
        now: T0 + 20,
      })) as [JobRecord];
      expect(second.fence).toBe(2);
      expect((await store.getJob(job.id))?.fence).toBe(2);
    });

    it("answers a claim repeated under the same claim id with the jobs it leased, not more", async () => {
      for (let i = 0; i < 5; i++) await insert({ createdAt: T0 + i });
      const claim = { workerId: "w1", tags: [], capacity: 2, now: T0 + 10, claimId: "c-1" };
      const first = await store.claimJobs(claim);
      expect(first).toHaveLength(2);
      const again = await store.claimJobs({ ...claim, now: T0 + 20, repeated: true });
      expect(again.map((j) => [j.id, j.leaseToken])).toEqual(first.map((j) => [j.id, j.leaseToken]));
      // Answered again, the leases are renewed: a write, so a release decided on the first answer
      // (its worker hung up) no longer applies.
      expect(again[0]!.leaseExpiresAt).toBe(T0 + 20 + again[0]!.leaseS * 1000);
      expect(again[0]!.version).toBe(first[0]!.version + 1);
      expect(await store.getJob(again[0]!.id)).toEqual(again[0]);
      const release = { job: first[0]!, patch: { state: "pending" as const }, history: null };
      expect(await store.applyTransitions([release], T0 + 25)).toEqual([undefined]);
      // The same id from another worker, or a new id, is a new claim.
      expect(await store.claimJobs({ ...claim, workerId: "w2", repeated: true })).toHaveLength(2);
      expect(await store.claimJobs({ ...claim, claimId: "c-2", repeated: true })).toHaveLength(1);
      // Once its jobs are no longer held, the id claims afresh.
      for (const job of again) {
        await store.applyTransitions([{ job, patch: { state: "succeeded" }, history: null }], T0 + 30);
      }
      expect(await store.claimJobs({ ...claim, now: T0 + 40, repeated: true })).toEqual([]);
      expect(await store.claimJobs({ ...claim, claimId: null })).toEqual([]);
    });

    it("never hands one job to two concurrent claimers", async () => {
      for (let i = 0; i < 60; i++) await insert({ createdAt: T0 + i });
      const claims = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          store.claimJobs({ workerId: `w${i}`, tags: [], capacity: 7, now: T0 + 100 }),
        ),
      );
      const ids = claims.flat().map((j) => j.id);
      expect(ids).toHaveLength(60);
      expect(new Set(ids).size).toBe(60);
    });

    it("reads several jobs at once, in the order asked, with a hole for an unknown id", async () => {
      const a = await insert();
      const b = await insert();
      const found = await store.getJobs([b.id, "no-such-job", a.id]);
      expect(found).toEqual([b, undefined, a]);
      expect(await store.getJobs([])).toEqual([]);
    });

    it("applies a transition only while the version it was decided on holds", async () => {
      const job = await insert();
      const transition = {
        job: job,
        patch: { state: "canceled" as JobState, finishedAt: T0 },
        history: { event: "cancel", from: "pending" as JobState, to: "canceled" as JobState },
      };
      const [applied] = await store.applyTransitions([transition], T0 + 1);
      expect(applied).toMatchObject({
        state: "canceled",
        version: job.version + 1,
        finishedAt: T0,
        updatedAt: T0 + 1,
      });
      // The answer is built from the guard, not read back: it must be the row as stored.
      expect(applied).toEqual(await store.getJob(job.id));
      const [again] = await store.applyTransitions([transition], T0 + 2);
      expect(again).toBeUndefined();
      expect((await store.getHistory(job.id)).map((h) => h.event)).toEqual(["submit", "cancel"]);
    });

    it("applies a batch of transitions, skipping only those whose guard failed", async () => {
      const a = await insert();
      const b = await insert();
      const results = await store.applyTransitions(
        [
          { job: a, patch: { state: "canceled" }, history: null },
          { job: { ...b, version: b.version + 7 }, patch: { state: "canceled" }, history: null },
        ],
        T0,
      );
      expect(results.map((r) => r?.state)).toEqual(["canceled", undefined]);
      expect((await store.getJob(b.id))?.state).toBe("pending");
    });

    it("applies a mixed batch: different columns, a failed guard, one job twice (the first made wins)", async () => {
      const [a, b, c] = [await insert(), await insert(), await insert()];
      const results = await store.applyTransitions(
        [
          {
            job: a,
            patch: { state: "canceled", finishedAt: T0 + 5, error: { message: "no" } },
            history: { event: "cancel", from: "pending", to: "canceled", reason: "asked", workerId: "w" },
          },
          { job: b, patch: { state: "scheduled", runAt: T0 + 60_000 }, history: null },
          { job: { ...c, version: c.version + 1 }, patch: { state: "canceled" }, history: null },
          { job: b, patch: { state: "canceled", finishedAt: T0 + 6 }, history: null },
        ],
        T0 + 7,
      );
      expect(results.map((r) => r?.state)).toEqual(["canceled", "scheduled", undefined, undefined]);
      for (const job of [a, b, c]) {
        const stored = await store.getJob(job.id);
        expect(results.find((r) => r?.id === job.id) ?? job).toEqual(stored);
      }
      expect((await store.getJob(a.id))?.error).toEqual({ message: "no" });
      expect((await store.getHistory(a.id)).at(-1)).toMatchObject({
        event: "cancel",
        reason: "asked",
        workerId: "w",
        at: T0 + 7,
      });
      expect((await store.getHistory(b.id)).map((h) => h.event)).toEqual(["submit"]);
    });

    it("renews a lease only for the token that holds it, from the worker it was leased to", async () => {
      await insert();
      const [job] = (await store.claimJobs({ workerId: "w", tags: [], capacity: 1, now: T0 })) as [JobRecord];
      const renew = (at: number, tasks: Task[] | null, leaseToken = job.leaseToken!, workerId = "w") =>
        store.renewLease({ id: job.id, leaseToken, workerId, now: at, tasks });
      const renewed = await renew(T0 + 10_000, null);
      expect(renewed?.leaseExpiresAt).toBe(T0 + 40_000);
      // A renewal bumps the version, so an expiry the reaper decided before it no longer applies.
      expect(renewed?.version).toBe(job.version + 1);
      const staleExpiry = { job, patch: { state: "scheduled" as JobState }, history: null };
      expect(await store.applyTransitions([staleExpiry], T0 + 10_001)).toEqual([undefined]);
      const withTasks = await renew(T0 + 11_000, [{ name: "a", state: "running" }]);
      expect(withTasks?.tasks).toEqual([{ name: "a", state: "running" }]);
      expect(withTasks?.version).toBe(job.version + 2);
      expect(await renew(T0 + 12_000, null, "not-the-token")).toBeUndefined();
      // The right token from another worker id (a token a job read on its worker) renews nothing.
      expect(await renew(T0 + 12_000, null, job.leaseToken!, "thief")).toBeUndefined();
      expect((await store.getJob(job.id))?.version).toBe(job.version + 2);
    });

    it("finds expired leases and passed deadlines", async () => {
      await insert({ leaseS: 10 });
      await insert({ leaseS: 100, timeoutS: 5 });
      await insert({ leaseS: 100 });
      const claimed = await store.claimJobs({ workerId: "w", tags: [], capacity: 3, now: T0 });
      expect(claimed).toHaveLength(3);
      expect(await store.findExpired(T0 + 1000, T0 + 1000, 10)).toEqual([]);
      const expired = await store.findExpired(T0 + 10_000, T0 + 10_000, 10);
      expect(expired.map((j) => j.leaseS).sort((x, y) => x - y)).toEqual([10, 100]);
      expect((await store.findExpired(T0 + 10_000, T0, 10)).map((j) => j.leaseS)).toEqual([10]);
    });

    it("waits past a deadline for the kill grace the lease holder announced", async () => {
      const job = await insert({ leaseS: 100, timeoutS: 5 });
      const [claimed] = await store.claimJobs({
        workerId: "w",
        tags: [],
        capacity: 1,
        now: T0,
        killGraceMs: 20_000,
      });
      expect(claimed?.killGraceMs).toBe(20_000);
      expect((await store.getJob(job.id))?.killGraceMs).toBe(20_000);
      // Deadline T0 + 5 s: not due until the 20 s grace has passed too.
      expect(await store.findExpired(T0, T0 + 24_999, 10)).toEqual([]);
      expect((await store.findExpired(T0, T0 + 25_000, 10)).map((j) => j.id)).toEqual([job.id]);
    });

    it("promotes scheduled jobs when due and knows the next due time", async () => {
      const soon = await insert({ state: "scheduled", runAt: T0 + 1000 });
      await insert({ state: "scheduled", runAt: T0 + 5000 });
      expect(await store.nextRunAt()).toBe(T0 + 1000);
      expect(await store.promoteDue(T0 + 999, 10)).toEqual([]);
      const promoted = await store.promoteDue(T0 + 1000, 10);
      expect(promoted.map((j) => [j.id, j.state])).toEqual([[soon.id, "pending"]]);
      expect(await store.nextRunAt()).toBe(T0 + 5000);
      expect((await store.getHistory(soon.id)).at(-1)).toMatchObject({
        event: "due",
        from: "scheduled",
        to: "pending",
      });
    });

    it("finds awaiting jobs whose parent finished", async () => {
      const parent = await insert();
      const child = await insert({ state: "awaiting", parentId: parent.id });
      expect(await store.findReleasable(10)).toEqual([]);
      await store.applyTransitions([{ job: parent, patch: { state: "succeeded" }, history: null }], T0);
      const ready = await store.findReleasable(10);
      expect(ready.map((r) => [r.job.id, r.parentState])).toEqual([[child.id, "succeeded"]]);
    });

    it("lists what a worker holds", async () => {
      await insert();
      await insert();
      await store.claimJobs({ workerId: "w1", tags: [], capacity: 1, now: T0 });
      expect((await store.runningForWorker("w1")).map((j) => j.workerId)).toEqual(["w1"]);
      expect(await store.runningForWorker("w2")).toEqual([]);
    });

    it("appends logs by byte offset, storing a retried chunk once", async () => {
      const job = await insert();
      expect(await append(job.id, 0, "héllo ")).toBe(7);
      expect(await append(job.id, 0, "héllo ")).toBe(7);
      expect(await append(job.id, 7, "world\n")).toBe(13);
      expect(await append(job.id, 3, "llo world\nmore")).toBe(17);
      await expect(append(job.id, 40, "gap")).rejects.toMatchObject({ expectedOffset: 17 });
      const text = async (attempt: number, offset: number, max: number) => {
        const log = await store.readLog(job.id, attempt, offset, max);
        return { data: log.data.toString(), length: log.length };
      };
      expect(await text(1, 0, 1000)).toEqual({ data: "héllo world\nmore", length: 17 });
      expect(await text(1, 7, 5)).toEqual({ data: "world", length: 17 });
      expect(await text(2, 0, 1000)).toEqual({ data: "", length: 0 });
    });

    it("keeps bytes when a chunk is resent from inside a UTF-8 character", async () => {
      const job = await insert();
      expect(await append(job.id, 0, "ab")).toBe(2);
      // "aé!" is 61 c3 a9 21: from offset 0, the log already holds two bytes, so what is new
      // starts inside "é" (a9 21). Those two bytes are stored, not a replacement character.
      expect(await append(job.id, 0, "aé!")).toBe(4);
      expect(await append(job.id, 4, "€")).toBe(7);
      const log = await store.readLog(job.id, 1, 0, 100);
      expect(log.length).toBe(7);
      expect(log.data).toEqual(Buffer.concat([Buffer.from("ab"), Buffer.from([0xa9]), Buffer.from("!€")]));
      // A range cut inside a character returns exactly those bytes.
      expect((await store.readLog(job.id, 1, 5, 1)).data).toEqual(Buffer.from("€").subarray(1, 2));
    });

    it("cuts an attempt's log at its cap with a marker line, then refuses more with log-full", async () => {
      const job = await insert();
      const cap = 400;
      expect(await append(job.id, 0, "x".repeat(300), cap)).toBe(300);
      expect(await append(job.id, 300, "y".repeat(300), cap)).toBe(cap);
      const log = await store.readLog(job.id, 1, 0, 10_000);
      expect(log.length).toBe(cap);
      expect(log.data.length).toBe(cap);
      expect(log.data.toString()).toMatch(/\[flowy: this attempt's log reached its limit of 400 bytes/);
      // The chunk that was cut, resent, is answered as stored; new bytes are refused.
      expect(await append(job.id, 300, "y".repeat(300), cap)).toBe(cap);
      await expect(append(job.id, cap, "more", cap)).rejects.toMatchObject({
        code: "log-full",
      });
    });

    it("lists jobs newest first with filters and a cursor", async () => {
      const jobs = [];
      for (let i = 0; i < 5; i++)
        jobs.push(await insert({ createdAt: T0 + i, tags: i % 2 ? ["odd"] : [], name: `n${i}` }));
      const ids = jobs.map((j) => j.id).reverse();
      const page1 = await store.listJobs({ limit: 2 });
      expect(page1.map((j) => j.id)).toEqual(ids.slice(0, 2));
      const page2 = await store.listJobs({ limit: 2, after: { key: null, id: page1[1]!.id } });
      expect(page2.map((j) => j.id)).toEqual(ids.slice(2, 4));
      expect((await store.listJobs({ limit: 10, tags: ["odd"] })).map((j) => j.name)).toEqual(["n3", "n1"]);
      expect((await store.listJobs({ limit: 10, nameContains: "N2" })).map((j) => j.name)).toEqual(["n2"]);
      expect(await store.listJobs({ limit: 10, states: ["running"] })).toEqual([]);
      const oldestFirst = await store.listJobs({ limit: 10, order: "asc" });
      expect(oldestFirst.map((j) => j.id)).toEqual([...ids].reverse());
    });

    it("searches by id prefix, all tags, worker, concurrency key, error text and time ranges", async () => {
      const a = await insert({
        createdAt: T0,
        name: "etl-daily",
        tags: ["etl", "gpu"],
        concurrencyKey: "acme",
      });
      const b = await insert({
        createdAt: T0 + 10,
        name: "ETL-hourly",
        tags: ["etl"],
        state: "failed",
        workerId: "w-7",
        startedAt: T0 + 20,
        finishedAt: T0 + 50,
        error: { message: "Exited with 3: disk FULL", exit_code: 3 },
      });
      const c = await insert({
        createdAt: T0 + 20,
        name: "report",
        state: "succeeded",
        startedAt: T0 + 30,
        finishedAt: T0 + 40,
      });
      const names = async (filter: Omit<JobFilter, "limit">) =>
        (await store.listJobs({ limit: 50, ...filter })).map((j) => j.name);
      expect(await names({ idPrefix: b.id.slice(0, 24) })).toContain("ETL-hourly");
      expect(await names({ idPrefix: b.id })).toEqual(["ETL-hourly"]);
      expect(await names({ nameContains: "etl" })).toEqual(["ETL-hourly", "etl-daily"]);
      expect(await names({ tags: ["etl", "gpu"] })).toEqual(["etl-daily"]);
      expect(await names({ workerId: "w-7" })).toEqual(["ETL-hourly"]);
      expect(await names({ concurrencyKey: "acme" })).toEqual(["etl-daily"]);
      expect(await names({ concurrencyKey: "acm" })).toEqual([]);
      expect(await names({ errorContains: "disk full" })).toEqual(["ETL-hourly"]);
      expect(await names({ errorContains: "nothing like it" })).toEqual([]);
      expect(await names({ createdAfter: T0 + 10, createdBefore: T0 + 20 })).toEqual(["ETL-hourly"]);
      expect(await names({ finishedAfter: T0 + 45 })).toEqual(["ETL-hourly"]);
      expect(await names({ finishedBefore: T0 + 45 })).toEqual(["report"]);
      expect(await names({ states: ["failed", "succeeded"], nameContains: "o" })).toEqual([
        "report",
        "ETL-hourly",
      ]);
      expect(a.id < b.id && b.id < c.id).toBe(true);
    });

    it("sorts finished jobs by finish time or duration, paging by cursor without repeats or gaps", async () => {
      const durations = [30, 10, 30, 20, 10, 40];
      for (const [i, took] of durations.entries()) {
        await insert({
          createdAt: T0 + i,
          name: `d${i}`,
          state: "succeeded",
          startedAt: T0 + 100,
          finishedAt: T0 + 100 + took,
        });
      }
      await insert({ createdAt: T0 + 9, name: "still-pending" });
      const pages = async (sort: "finished" | "duration", order: "asc" | "desc") => {
        const seen: string[] = [];
        let after: SearchCursor | undefined;
        for (;;) {
          const page = await store.listJobs({ sort, order, after, limit: 2 });
          seen.push(...page.map((j) => j.name));
          if (page.length < 2) return seen;
          after = cursorAt(page.at(-1)!, sort);
        }
      };
      // Ties (equal durations) go by id, in the same direction.
      expect(await pages("duration", "desc")).toEqual(["d5", "d2", "d0", "d3", "d4", "d1"]);
      expect(await pages("duration", "asc")).toEqual(["d1", "d4", "d3", "d0", "d2", "d5"]);
      expect(await pages("finished", "desc")).toEqual(["d5", "d2", "d0", "d3", "d4", "d1"]);
    });

    it("marks a worker as asked to drain until it registers again", async () => {
      const worker = { id: "w1", hostname: "h", tags: [], capacity: 1, version: null, lastSeenAt: T0 };
      expect((await store.upsertWorker(worker, T0)).drainRequestedAt).toBeNull();
      expect((await store.requestDrain("w1", T0 + 5))?.drainRequestedAt).toBe(T0 + 5);
      expect((await store.getWorker("w1"))?.drainRequestedAt).toBe(T0 + 5);
      expect(await store.requestDrain("nope", T0)).toBeUndefined();
      expect((await store.upsertWorker(worker, T0 + 10)).drainRequestedAt).toBeNull();
    });

    it("registers workers and counts what they run", async () => {
      await store.upsertWorker(
        { id: "w1", hostname: "h", tags: ["a"], capacity: 4, version: "1", lastSeenAt: T0 },
        T0,
      );
      await store.upsertWorker(
        { id: "w1", hostname: "h2", tags: ["a", "b"], capacity: 8, version: "1", lastSeenAt: T0 + 5 },
        T0 + 5,
      );
      await insert();
      await store.claimJobs({ workerId: "w1", tags: [], capacity: 1, now: T0 });
      await store.touchWorkers(["w1"], T0 + 50);
      const workers = await store.listWorkers();
      expect(workers).toHaveLength(1);
      expect(workers[0]).toMatchObject({
        id: "w1",
        hostname: "h2",
        tags: ["a", "b"],
        capacity: 8,
        running: 1,
        registeredAt: T0,
        lastSeenAt: T0 + 50,
      });
      expect(await store.getWorker("w1")).toMatchObject({ id: "w1" });
      expect(await store.getWorker("nope")).toBeUndefined();
    });

    it("counts jobs by state and pending jobs by tags", async () => {
      await insert({ tags: ["a"] });
      await insert({ tags: ["a"] });
      await insert({ state: "scheduled", runAt: T0 + 1e6 });
      const stats = await store.stats();
      expect(stats.states).toMatchObject({ pending: 2, scheduled: 1 });
      expect(stats.queues).toEqual([{ tags: ["a"], pending: 2 }]);
    });

    it("counts terminal transitions per time bucket and state, from the history", async () => {
      const finish = async (state: JobState, at: number) => {
        const job = await insert();
        await store.applyTransitions(
          [
            {
              job: job,
              patch: { state, finishedAt: at },
              history: { event: "test", from: "pending", to: state },
            },
          ],
          at,
        );
      };
      const bucket = 60_000;
      const b0 = Math.ceil(T0 / bucket) * bucket;
      await finish("succeeded", b0 - 1);
      await finish("succeeded", b0);
      await finish("succeeded", b0 + 59_999);
      await finish("failed", b0 + 30_000);
      await finish("succeeded", b0 + 60_000);
      await finish("timed_out", b0 + 125_000);
      await insert({ createdAt: b0 + 1 });
      const counts = await store.countFinished(b0, bucket);
      expect(counts.map((c) => [c.at - b0, c.state, c.count])).toEqual([
        [0, "failed", 1],
        [0, "succeeded", 2],
        [bucket, "succeeded", 1],
        [2 * bucket, "timed_out", 1],
      ]);
      expect(await store.countFinished(b0 + 180_000, bucket)).toEqual([]);
    });

    it("stores API keys by hash, finds them, revokes them and frees the name", async () => {
      const key = {
        name: "ci",
        role: "worker" as const,
        keyHash: "ab".repeat(32),
        prefix: "flowy_ab",
        createdAt: T0,
        lastUsedAt: null,
        revokedAt: null,
      };
      await store.insertApiKey(key);
      expect(await store.findApiKeyByHash(key.keyHash)).toMatchObject({ name: "ci", role: "worker" });
      await store.touchApiKey("ci", T0 + 5);
      expect((await store.listApiKeys())[0]).toMatchObject({ name: "ci", lastUsedAt: T0 + 5 });
      await expect(store.insertApiKey({ ...key, keyHash: "cd".repeat(32) })).rejects.toThrow();
      expect(await store.revokeApiKey("ci", T0 + 6)).toBe(true);
      expect(await store.revokeApiKey("ci", T0 + 7)).toBe(false);
      expect(await store.findApiKeyByHash(key.keyHash)).toBeUndefined();
      expect(await store.listApiKeys()).toEqual([]);
      await store.insertApiKey({ ...key, keyHash: "ef".repeat(32) });
      expect((await store.listApiKeys()).map((k) => k.keyHash)).toEqual(["ef".repeat(32)]);
    });

    it("purges jobs that finished or were deleted before the cutoff, with their history and logs", async () => {
      // Ids minted at T0 itself: the process's monotonic ids carry the latest time seen so far.
      const atT0 = () => ({ id: ulid(T0).toLowerCase() });
      const old = await insert(atT0());
      const live = await insert(atT0());
      const recent = await insert(atT0());
      await append(old.id, 0, "bye");
      await store.applyTransitions(
        [
          {
            job: old,
            patch: { state: "succeeded" },
            history: { event: "complete", from: "running", to: "succeeded" },
          },
        ],
        T0 + 10,
      );
      await store.applyTransitions([{ job: recent, patch: { state: "deleted" }, history: null }], T0 + 1000);
      expect(await store.purgeFinished(T0 + 500, 100)).toBe(1);
      expect(await store.getJob(old.id)).toBeUndefined();
      expect(await store.getHistory(old.id)).toEqual([]);
      expect((await store.readLog(old.id, 1, 0, 100)).length).toBe(0);
      expect((await store.getJob(live.id))?.state).toBe("pending");
      expect((await store.getJob(recent.id))?.state).toBe("deleted");
      expect(await store.purgeFinished(T0 + 2000, 100)).toBe(1);
      expect(await store.purgeFinished(T0 + 2000, 100)).toBe(0);
    });

    describeBundleStoreContract(() => store.bundles);
  });
}
