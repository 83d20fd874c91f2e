/**
 * The part of the Store contract about what holds claims back: paused tags and concurrency keys.
 * Called from describeStoreContract, so it runs against every store.
 */
import { expect, it } from "vitest";
import type { JobRecord, NewJob, Store } from "../../server/store/store.ts";
import { checkClaimRaces } from "./store-concurrency-race.ts";

const T0 = 1_700_000_000_000;

export interface LimitsContext {
  store: () => Store;
  insert: (overrides?: Partial<NewJob>) => Promise<JobRecord>;
}

export function describeLimitsContract({ store, insert }: LimitsContext): void {
  it("passes over jobs carrying a paused tag until it is resumed, leaving running ones be", async () => {
    const s = store();
    const early = await insert({ tags: ["gpu"], createdAt: T0 });
    const worker = { workerId: "w", tags: ["gpu", "linux"], capacity: 1 };
    expect((await s.claimJobs({ ...worker, now: T0 + 1 })).map((j) => j.id)).toEqual([early.id]);
    const gpu = await insert({ tags: ["gpu", "linux"], priority: 9, createdAt: T0 + 2 });
    const linux = await insert({ tags: ["linux"], createdAt: T0 + 3 });
    const plain = await insert({ tags: [], createdAt: T0 + 4 });

    expect(await s.pauseTag("gpu", T0 + 5)).toEqual({ tag: "gpu", pausedAt: T0 + 5 });
    expect(await s.pauseTag("gpu", T0 + 6)).toEqual({ tag: "gpu", pausedAt: T0 + 5 });
    const claimed = await s.claimJobs({ ...worker, capacity: 10, now: T0 + 7 });
    expect(claimed.map((j) => j.id)).toEqual([linux.id, plain.id]);
    expect((await s.getJob(gpu.id))?.state).toBe("pending");
    // A job already running is not touched by the pause.
    const held = (await s.getJob(early.id))!;
    expect(
      await s.renewLease({
        id: early.id,
        leaseToken: held.leaseToken!,
        now: T0 + 8,
        tasks: null,
        workerId: held.workerId!,
      }),
    ).toBeDefined();
    expect(await s.listPausedTags()).toEqual([{ tag: "gpu", pausedAt: T0 + 5 }]);

    expect(await s.resumeTag("gpu")).toBe(true);
    expect(await s.resumeTag("gpu")).toBe(false);
    expect(await s.listPausedTags()).toEqual([]);
    expect((await s.claimJobs({ ...worker, now: T0 + 9 })).map((j) => j.id)).toEqual([gpu.id]);
  });

  it("pauses several tags at once, each holding back its own jobs", async () => {
    const s = store();
    const a = await insert({ tags: ["a"], createdAt: T0 });
    const b = await insert({ tags: ["b"], createdAt: T0 + 1 });
    const ab = await insert({ tags: ["a", "b"], createdAt: T0 + 2 });
    await s.pauseTag("b", T0);
    await s.pauseTag("a", T0);
    expect((await s.listPausedTags()).map((p) => p.tag)).toEqual(["a", "b"]);
    const worker = { workerId: "w", tags: ["a", "b"], capacity: 10 };
    expect(await s.claimJobs({ ...worker, now: T0 + 3 })).toEqual([]);
    await s.resumeTag("a");
    expect((await s.claimJobs({ ...worker, now: T0 + 4 })).map((j) => j.id)).toEqual([a.id]);
    await s.resumeTag("b");
    expect((await s.claimJobs({ ...worker, now: T0 + 5 })).map((j) => j.id)).toEqual([b.id, ab.id]);
  });

  const finish = (job: JobRecord, now: number) =>
    store().applyTransitions(
      [
        {
          job,
          patch: { state: "succeeded" },
          history: { event: "complete", from: job.state, to: "succeeded" },
        },
      ],
      now,
    );

  it("never claims more jobs of a key than its limit, in one batch or across claims", async () => {
    const s = store();
    for (let i = 0; i < 5; i++) await insert({ concurrencyKey: "a", concurrencyLimit: 2, createdAt: T0 + i });
    for (let i = 0; i < 3; i++) await insert({ concurrencyKey: "b", createdAt: T0 + 10 + i });
    const plain = await insert({ createdAt: T0 + 20 });
    const worker = { workerId: "w", tags: [], capacity: 10 };
    const first = await s.claimJobs({ ...worker, now: T0 + 30 });
    expect(first.map((j) => j.concurrencyKey)).toEqual(["a", "a", "b", null]);
    expect(first.at(-1)?.id).toBe(plain.id);
    expect(await s.claimJobs({ ...worker, now: T0 + 31 })).toEqual([]);
    // A finished job gives its slot back; a job moving between leased states does not.
    const cancelling = (
      await s.applyTransitions([{ job: first[0]!, patch: { state: "cancelling" }, history: null }], T0 + 32)
    )[0]!;
    expect(await s.claimJobs({ ...worker, now: T0 + 33 })).toEqual([]);
    await finish(cancelling, T0 + 34);
    await finish(first[2]!, T0 + 34);
    expect((await s.claimJobs({ ...worker, now: T0 + 35 })).map((j) => j.concurrencyKey)).toEqual(["a", "b"]);
  });

  it("gives a key the limit declared for the most specific pattern matching it", async () => {
    const s = store();
    expect(await s.setLimit({ pattern: "customer-*", concurrency: 2, rate: null })).toEqual({
      pattern: "customer-*",
      concurrency: 2,
      rate: null,
    });
    await s.setLimit({ pattern: "customer-4*", concurrency: 3, rate: null });
    await s.setLimit({ pattern: "customer-42", concurrency: 1, rate: null });
    await s.setLimit({ pattern: "customer-42", concurrency: 1, rate: null });
    expect((await s.listLimits()).map((l) => l.pattern)).toEqual([
      "customer-*",
      "customer-4*",
      "customer-42",
    ]);
    // "_" is a plain character in a pattern, not a one-character wildcard.
    await s.setLimit({ pattern: "x_y", concurrency: 5, rate: null });
    for (const key of ["customer-42", "customer-43", "customer-7", "xzy"]) {
      for (let i = 0; i < 4; i++) await insert({ concurrencyKey: key });
    }
    const claimed = await s.claimJobs({ workerId: "w", tags: [], capacity: 100, now: T0 });
    const count = (key: string) => claimed.filter((j) => j.concurrencyKey === key).length;
    expect([count("customer-42"), count("customer-43"), count("customer-7"), count("xzy")]).toEqual([
      1, 3, 2, 1,
    ]);
    expect(await s.deleteLimit("customer-4*")).toBe(true);
    expect(await s.deleteLimit("customer-4*")).toBe(false);
    expect((await s.listLimits()).map((l) => l.pattern)).toEqual(["customer-*", "customer-42", "x_y"]);
  });

  it("hands out other keys' jobs while a key at its limit heads the queue", async () => {
    const s = store();
    for (let i = 0; i < 30; i++) await insert({ concurrencyKey: "busy", priority: 9, createdAt: T0 + i });
    const other = await insert({ concurrencyKey: "other", createdAt: T0 + 100 });
    const worker = { workerId: "w", tags: [], capacity: 1 };
    expect((await s.claimJobs({ ...worker, now: T0 + 200 }))[0]?.concurrencyKey).toBe("busy");
    expect((await s.claimJobs({ ...worker, now: T0 + 201 })).map((j) => j.id)).toEqual([other.id]);
  });

  it("lists a key's leased jobs and counts the pending jobs ahead of one in claim order", async () => {
    const s = store();
    const a = await insert({ concurrencyKey: "k", concurrencyLimit: 5, createdAt: T0 });
    const b = await insert({ concurrencyKey: "k", concurrencyLimit: 5, createdAt: T0 + 1 });
    const high = await insert({ priority: 3, createdAt: T0 + 2 });
    const last = await insert({ createdAt: T0 + 3 });
    expect(await s.countPendingAhead(last.priority, last.id)).toBe(3);
    expect(await s.countPendingAhead(high.priority, high.id)).toBe(0);
    await s.claimJobs({ workerId: "w", tags: [], capacity: 2, now: T0 + 4 });
    expect((await s.leasedWithKey("k")).map((j) => j.id)).toEqual([a.id]);
    expect(await s.countPendingAhead(last.priority, last.id)).toBe(1);
    expect((await s.getJob(b.id))?.state).toBe("pending");
    expect(await s.leasedWithKey("other")).toEqual([]);
  });

  it("counts each concurrency key's leased and pending jobs, busiest first, for the Limits page", async () => {
    const s = store();
    for (let i = 0; i < 3; i++) await insert({ concurrencyKey: "big", createdAt: T0 + i });
    await insert({ concurrencyKey: "own", concurrencyLimit: 4, createdAt: T0 + 10 });
    await insert({ concurrencyKey: "own", concurrencyLimit: 2, createdAt: T0 + 11 });
    await insert({ createdAt: T0 + 12 });
    const done = await insert({ concurrencyKey: "gone", state: "succeeded", createdAt: T0 + 13 });
    expect(done.state).toBe("succeeded");
    // One of "big" and both of "own" (its own limit is 2 and 4) get leased.
    await s.claimJobs({ workerId: "w", tags: [], capacity: 10, now: T0 + 20 });
    expect(await s.concurrencyKeyUsage(10)).toEqual([
      { key: "big", leased: 1, pending: 2, jobLimit: null },
      { key: "own", leased: 2, pending: 0, jobLimit: 4 },
    ]);
    expect((await s.concurrencyKeyUsage(1)).map((u) => u.key)).toEqual(["big"]);
  });

  it("groups pending jobs by tag set, largest first, folding the sets past the top into one", async () => {
    const s = store();
    expect(await s.backlogByTags(2)).toEqual([]);
    for (let i = 0; i < 3; i++) await insert({ tags: ["gpu"], createdAt: T0 + 100 + i });
    // A retry waits from its run_at, not from its first submit.
    await insert({ tags: ["gpu"], createdAt: T0, runAt: T0 + 50 });
    await insert({ tags: [], createdAt: T0 + 5 });
    await insert({ tags: [], createdAt: T0 + 6 });
    await insert({ tags: ["arm"], createdAt: T0 + 1 });
    await insert({ tags: ["x86"], createdAt: T0 + 7 });
    await insert({ tags: ["gpu"], state: "running", createdAt: T0 - 1000 });
    expect(await s.backlogByTags(2)).toEqual([
      { tags: ["gpu"], jobs: 4, oldestAt: T0 + 50 },
      { tags: [], jobs: 2, oldestAt: T0 + 5 },
      { tags: null, jobs: 2, oldestAt: T0 + 1 },
    ]);
    expect(await s.backlogByTags(10)).toHaveLength(4);
  });

  it("keeps every key within its limit however 8 claimers race (property)", async () => {
    await checkClaimRaces([store()], async (_s, job) => insert(job));
  }, 120_000);
}
