/**
 * The part of the Store contract about jobs that name a bundle: a claim leases one only to a
 * worker that lists the version it needs (pinned, or else the name's latest stored version at
 * claim time) as installed. Called from describeStoreContract, so it runs against every store.
 */
import { expect, it } from "vitest";
import type { JobRecord, NewJob, Store } from "../../server/store/store.ts";
import { bundleRecord } from "./bundle-store-contract.ts";

const T0 = 1_700_000_000_000;

export interface BundleClaimsContext {
  store: () => Store;
  insert: (overrides?: Partial<NewJob>) => Promise<JobRecord>;
}

async function upload(store: Store, name: string, version: string, at: number): Promise<void> {
  const data = new TextEncoder().encode(`${name}@${version}`);
  const bundle = bundleRecord({ data, name, version, createdAt: at });
  await store.bundles.putBundleChunk(bundle.blobId, 0, data, at);
  const latest = await store.bundles.latestBundleVersion(name);
  const event = {
    action: "upload",
    name,
    version,
    at,
    keyName: null,
    address: null,
    userAgent: null,
  } as const;
  expect(await store.bundles.commitBundle(bundle, latest, event)).toBe(true);
}

export function describeBundleClaimsContract({ store, insert }: BundleClaimsContext): void {
  it("leases a job naming a bundle only to a worker with its latest stored version", async () => {
    const s = store();
    const job = await insert({ bundleName: "etl", createdAt: T0 });
    const worker = { workerId: "w", tags: [], capacity: 5 };
    // Nothing of the name is stored yet: no list satisfies it.
    expect(await s.claimJobs({ ...worker, bundles: ["etl@1.0.0"], now: T0 + 1 })).toEqual([]);
    await upload(s, "etl", "1.0.0", T0 + 2);
    await upload(s, "etl", "1.10.0", T0 + 3);
    expect(await s.claimJobs({ ...worker, now: T0 + 4 })).toEqual([]);
    expect(await s.claimJobs({ ...worker, bundles: ["etl@1.0.0", "other@1.10.0"], now: T0 + 5 })).toEqual([]);
    const claimed = await s.claimJobs({ ...worker, bundles: ["etl@1.10.0"], now: T0 + 6 });
    expect(claimed.map((j) => j.id)).toEqual([job.id]);
    expect(claimed[0]).toMatchObject({ bundleName: "etl", bundleVersion: null });
  });

  it("leases a pinned job only to a worker with that version, and plain jobs to anyone", async () => {
    const s = store();
    await upload(s, "etl", "1.0.0", T0);
    await upload(s, "etl", "2.0.0", T0 + 1);
    const pinned = await insert({ bundleName: "etl", bundleVersion: "1.0.0", createdAt: T0 + 2 });
    const plain = await insert({ createdAt: T0 + 3 });
    const worker = { workerId: "w", tags: [], capacity: 5 };
    const first = await s.claimJobs({ ...worker, bundles: ["etl@2.0.0"], now: T0 + 4 });
    expect(first.map((j) => j.id)).toEqual([plain.id]);
    const second = await s.claimJobs({ ...worker, bundles: ["etl@1.0.0"], now: T0 + 5 });
    expect(second.map((j) => j.id)).toEqual([pinned.id]);
  });

  it("follows the latest version back when the newest one is deleted", async () => {
    const s = store();
    await upload(s, "etl", "1.0.0", T0);
    await upload(s, "etl", "2.0.0", T0 + 1);
    const job = await insert({ bundleName: "etl", createdAt: T0 + 2 });
    const worker = { workerId: "w", tags: [], capacity: 5, bundles: ["etl@1.0.0"] };
    expect(await s.claimJobs({ ...worker, now: T0 + 3 })).toEqual([]);
    const event = { action: "delete", name: "etl", version: "2.0.0", at: T0 + 4 } as const;
    await s.bundles.deleteBundle("etl", "2.0.0", { ...event, keyName: null, address: null, userAgent: null });
    expect((await s.claimJobs({ ...worker, now: T0 + 5 })).map((j) => j.id)).toEqual([job.id]);
  });

  it("counts the unfinished jobs that pin each version, and only those", async () => {
    const s = store();
    await insert({ bundleName: "etl", bundleVersion: "1.0.0", createdAt: T0 });
    await insert({ bundleName: "etl", bundleVersion: "1.0.0", createdAt: T0 + 1 });
    await insert({
      bundleName: "etl",
      bundleVersion: "1.2.0",
      state: "scheduled",
      runAt: T0 + 9,
      createdAt: T0 + 2,
    });
    await insert({ bundleName: "etl", createdAt: T0 + 3 });
    const done = await insert({ bundleName: "cuda", bundleVersion: "0.1.0", createdAt: T0 + 4 });
    const [running] = await s.claimJobs({
      workerId: "w",
      tags: [],
      capacity: 1,
      bundles: ["cuda@0.1.0"],
      now: T0 + 5,
    });
    expect(running?.id).toBe(done.id);
    expect(await s.bundles.pinnedBundleVersions()).toEqual([
      { name: "cuda", version: "0.1.0", jobs: 1 },
      { name: "etl", version: "1.0.0", jobs: 2 },
      { name: "etl", version: "1.2.0", jobs: 1 },
    ]);
    const finished = { state: "succeeded", finishedAt: T0 + 6, leaseToken: null } as const;
    await s.applyTransitions([{ job: running!, patch: finished, history: null }], T0 + 6);
    expect((await s.bundles.pinnedBundleVersions()).map((p) => p.name)).toEqual(["etl", "etl"]);
  });
}
