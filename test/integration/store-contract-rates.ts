/**
 * The part of the Store contract about rate limits per key (rate-window.ts): starts per window,
 * the window reopening, other keys going ahead meanwhile, the start logs the service reads.
 * Called from describeStoreContract, so it runs against every store.
 */
import { expect, it } from "vitest";
import type { JobRecord, NewJob, Store } from "../../server/store/store.ts";
import { checkRateRaces } from "./store-rate-race.ts";

const T0 = 1_700_000_000_000;

export interface RatesContext {
  store: () => Store;
  insert: (overrides?: Partial<NewJob>) => Promise<JobRecord>;
}

export function describeRatesContract({ store, insert }: RatesContext): void {
  const finish = (jobs: JobRecord[], now: number) =>
    store().applyTransitions(
      jobs.map((job) => ({
        job,
        patch: { state: "succeeded" as const },
        history: { event: "complete", from: job.state, to: "succeeded" as const },
      })),
      now,
    );
  const worker = { workerId: "w", tags: [], capacity: 10 };
  const keys = (jobs: JobRecord[]) => jobs.map((j) => j.concurrencyKey);

  it("starts at most a key's rate per window, the window reopening as its starts leave it", async () => {
    const s = store();
    const rate = { limit: 2, windowMs: 1_000 };
    expect(await s.setLimit({ pattern: "api-*", concurrency: null, rate })).toEqual({
      pattern: "api-*",
      concurrency: null,
      rate,
    });
    for (let i = 0; i < 5; i++) await insert({ concurrencyKey: "api-1", createdAt: T0 + i });
    await insert({ concurrencyKey: "other", createdAt: T0 + 10 });
    await insert({ createdAt: T0 + 11 });
    const first = await s.claimJobs({ ...worker, now: T0 + 100 });
    // Other keys and unkeyed jobs are claimed beside the limited key.
    expect(keys(first)).toEqual(["api-1", "api-1", "other", null]);
    await finish(first, T0 + 101);
    const laterKey = await insert({ concurrencyKey: "other", createdAt: T0 + 12 });
    // Finished jobs give back no starts: the window still holds two; other keys still go ahead.
    expect((await s.claimJobs({ ...worker, now: T0 + 600 })).map((j) => j.id)).toEqual([laterKey.id]);
    expect(await s.claimJobs({ ...worker, now: T0 + 1_099 })).toEqual([]);
    expect((await s.pendingRateStarts()).map((l) => l.key)).toEqual(["api-1"]);
    const reopened = await s.claimJobs({ ...worker, now: T0 + 1_100 });
    expect(keys(reopened)).toEqual(["api-1", "api-1"]);
    // The log holds the window's starts only: the first two were pruned as these were appended.
    expect(await s.rateStarts("api-1")).toEqual([{ key: "api-1", starts: [T0 + 1_100, T0 + 1_100] }]);
    expect((await s.rateStarts()).map((l) => l.key)).toEqual(["api-1"]);
    expect(await s.claimJobs({ ...worker, now: T0 + 2_099 })).toEqual([]);
    expect(keys(await s.claimJobs({ ...worker, now: T0 + 2_100 }))).toEqual(["api-1"]);
    expect(await s.pendingRateStarts()).toEqual([]);
  });

  it("holds a key to its concurrency and its rate at once, and to neither once deleted", async () => {
    const s = store();
    await s.setLimit({ pattern: "both", concurrency: 1, rate: { limit: 2, windowMs: 60_000 } });
    for (let i = 0; i < 4; i++) await insert({ concurrencyKey: "both", createdAt: T0 + i });
    const one = await s.claimJobs({ ...worker, now: T0 + 10 });
    expect(one).toHaveLength(1);
    expect(await s.claimJobs({ ...worker, now: T0 + 11 })).toEqual([]); // concurrency 1
    await finish(one, T0 + 12);
    const two = await s.claimJobs({ ...worker, now: T0 + 13 });
    expect(two).toHaveLength(1);
    await finish(two, T0 + 14);
    expect(await s.claimJobs({ ...worker, now: T0 + 15 })).toEqual([]); // 2 starts per minute
    // A more specific pattern naming only a concurrency governs the key: no rate any more.
    await s.setLimit({ pattern: "both", concurrency: 5, rate: null });
    expect(await s.claimJobs({ ...worker, now: T0 + 16 })).toHaveLength(2);
  });

  it("keeps every key within its rate however 8 claimers race (property)", async () => {
    await checkRateRaces([store()], async (_s, job) => insert(job));
  }, 120_000);
}
