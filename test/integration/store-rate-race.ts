/**
 * A property of the claim with rate limits: however claims race — 8 claimers at once, on one
 * store or on several replicas of one database, the clock moving by less than a window between
 * rounds — no key ever starts more jobs in any window than its rate allows, and every job is
 * started in the end. Jobs of one run carry a tag and keys of their own, so runs on one store do
 * not see each other's jobs.
 */
import fc from "fast-check";
import { expect } from "vitest";
import type { JobRecord, NewJob, Store } from "../../server/store/store.ts";
import { eachTaggedRun, finishAll } from "./store-concurrency-race.ts";

const T0 = 1_700_000_000_000;
const WINDOW_MS = 1_000;

interface Plan {
  jobs: number[];
  rates: number[];
  capacities: number[];
  steps: number[];
}

const plan = fc.record({
  jobs: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 24 }),
  rates: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 3 }),
  capacities: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 8, maxLength: 8 }),
  steps: fc.array(fc.integer({ min: 50, max: 700 }), { minLength: 1, maxLength: 8 }),
});

/** The most starts any window of WINDOW_MS holds (starts at t count in windows (t - W, t]). */
export function mostStartsInAWindow(starts: number[]): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1]! - sorted[i]! < WINDOW_MS) j++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

export async function checkRateRaces(
  stores: Store[],
  insert: (store: Store, job: Partial<NewJob>) => Promise<JobRecord>,
  runs = 10,
): Promise<void> {
  await eachTaggedRun(plan, runs, "rate", async (p: Plan, tag) => {
    const key = (i: number) => `${tag}-k${i}`;
    for (const [i, rate] of p.rates.entries()) {
      await stores[0]!.setLimit({
        pattern: key(i),
        concurrency: null,
        rate: { limit: rate, windowMs: WINDOW_MS },
      });
    }
    for (const [i, k] of p.jobs.entries()) {
      await insert(stores[i % stores.length]!, { tags: [tag], concurrencyKey: key(k), createdAt: T0 + i });
    }
    const startsOf = new Map<string, number[]>();
    let now = T0;
    let started = 0;
    for (let round = 0; started < p.jobs.length; round++) {
      if (round > 400) throw new Error(`jobs never started: ${p.jobs.length - started}`);
      const claims = await Promise.all(
        p.capacities.map((capacity, c) =>
          stores[c % stores.length]!.claimJobs({ workerId: `w${c}`, tags: [tag], capacity, now }),
        ),
      );
      const jobs = claims.flat();
      for (const job of jobs) {
        startsOf.set(job.concurrencyKey!, [...(startsOf.get(job.concurrencyKey!) ?? []), job.startedAt!]);
      }
      for (const [i, rate] of p.rates.entries()) {
        expect(
          mostStartsInAWindow(startsOf.get(key(i)) ?? []),
          `starts of ${key(i)} in one window`,
        ).toBeLessThanOrEqual(rate);
      }
      // Finished at once: only the rate holds jobs back (the keys cap no concurrency).
      await finishAll(stores, jobs, now);
      started += jobs.length;
      now += p.steps[round % p.steps.length]!;
    }
  });
}
