/**
 * The part of the Store contract about what holds claims back: paused tags. Called from
 * describeStoreContract, so it runs against every store.
 */
import { expect, it } from "vitest";
import type { JobRecord, NewJob, Store } from "../../server/store/store.ts";

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
    expect(await s.renewLease(early.id, (await s.getJob(early.id))!.leaseToken!, T0 + 8, null)).toBeDefined();
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
}
