/**
 * A property of the claim with concurrency keys: however claims race — 8 claimers at once, on one
 * store or on several replicas of one database — no key ever has more leased jobs than its limit,
 * and every job is claimed in the end (no key starves the others). Jobs of one run carry a tag of
 * their own, so runs on one store do not see each other's jobs.
 */
import fc from "fast-check";
import { expect } from "vitest";
import type { JobRecord, NewJob, Store } from "../../server/store/store.ts";

const T0 = 1_700_000_000_000;
const KEYS = ["k0", "k1", "k2"];

interface Plan {
  jobs: Array<{ key: number | null; priority: number }>;
  limits: number[];
  capacities: number[];
}

const plan = fc.record({
  jobs: fc.array(
    fc.record({ key: fc.option(fc.integer({ min: 0, max: 2 })), priority: fc.integer({ min: 0, max: 2 }) }),
    {
      minLength: 1,
      maxLength: 30,
    },
  ),
  limits: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 3 }),
  capacities: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 8, maxLength: 8 }),
});

/** Completes each job, spreading the writes over the stores (replicas) as the claims were. */
export async function finishAll(stores: Store[], jobs: JobRecord[], now: number): Promise<void> {
  await Promise.all(
    jobs.map((job, i) =>
      stores[i % stores.length]!.applyTransitions(
        [
          {
            job,
            patch: { state: "succeeded" },
            history: { event: "complete", from: "running", to: "succeeded" },
          },
        ],
        now,
      ),
    ),
  );
}

/** Checks `property` on `runs` plans, each run with a tag of its own (`prefix-N-random`). */
export async function eachTaggedRun<P>(
  plans: fc.Arbitrary<P>,
  runs: number,
  prefix: string,
  property: (p: P, tag: string) => Promise<void>,
): Promise<void> {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(plans, (p) =>
      property(p, `${prefix}-${++run}-${Math.random().toString(36).slice(2, 8)}`),
    ),
    { numRuns: runs },
  );
}

export async function checkClaimRaces(
  stores: Store[],
  insert: (store: Store, job: Partial<NewJob>) => Promise<JobRecord>,
  runs = 12,
): Promise<void> {
  await eachTaggedRun(plan, runs, "race", async (p: Plan, tag) => {
    const key = (i: number) => `${tag}-${KEYS[i]}`;
    for (const [i, job] of p.jobs.entries()) {
      await insert(stores[i % stores.length]!, {
        tags: [tag],
        priority: job.priority,
        concurrencyKey: job.key === null ? null : key(job.key),
        concurrencyLimit: job.key === null ? null : p.limits[job.key]!,
        createdAt: T0 + i,
      });
    }
    const leased = new Map<string, JobRecord>();
    let done = 0;
    for (let round = 0; done < p.jobs.length; round++) {
      if (round > 200) throw new Error(`jobs left unclaimed: ${p.jobs.length - done}`);
      const claims = await Promise.all(
        p.capacities.map((capacity, c) =>
          stores[c % stores.length]!.claimJobs({
            workerId: `w${c}`,
            tags: [tag],
            capacity,
            now: T0 + round,
          }),
        ),
      );
      for (const job of claims.flat()) {
        expect(leased.has(job.id)).toBe(false);
        leased.set(job.id, job);
      }
      for (const [i, limit] of p.limits.entries()) {
        const running = [...leased.values()].filter((j) => j.concurrencyKey === key(i)).length;
        expect(running, `leased jobs of ${key(i)}`).toBeLessThanOrEqual(limit);
      }
      // Finish about half of what is leased, so slots free up while claims keep racing.
      const finishing = [...leased.values()].filter(
        (_, i) => (i + round) % 2 === 0 || claims.flat().length === 0,
      );
      await finishAll(stores, finishing, T0 + round);
      for (const job of finishing) leased.delete(job.id);
      done += finishing.length;
    }
  });
}
