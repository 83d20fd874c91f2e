/**
 * The bundle half of the Store contract (server/store/bundle-store.ts), run inside
 * describeStoreContract against every store.
 */
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { BundleEventInput, BundleRecord, BundleStore } from "../../server/store/bundle-store.ts";

const T0 = 1_700_000_000_000;

export function bundleRecord(overrides: Partial<BundleRecord> & { data: Uint8Array }): BundleRecord {
  const { data, ...rest } = overrides;
  return {
    name: "etl",
    version: "1.0.0",
    blobId: randomBytes(8).toString("hex"),
    sha256: createHash("sha256").update(data).digest("hex"),
    size: data.byteLength,
    tags: [],
    setup: null,
    createdAt: T0,
    uploadedBy: "ci",
    ...rest,
  };
}

function event(bundle: BundleRecord, action: "upload" | "delete" = "upload"): BundleEventInput {
  return {
    action,
    name: bundle.name,
    version: bundle.version,
    at: T0,
    keyName: "ci",
    address: "10.0.0.1",
    userAgent: "flowy-client/0.1.0",
  };
}

/** Stores `data` in chunks of `chunk` bytes under the bundle's blob. */
async function putBlob(
  bundles: BundleStore,
  bundle: BundleRecord,
  data: Uint8Array,
  chunk = 7,
): Promise<void> {
  for (let offset = 0; offset < data.byteLength; offset += chunk) {
    await bundles.putBundleChunk(bundle.blobId, offset, data.subarray(offset, offset + chunk), T0);
  }
}

async function readBlob(bundles: BundleStore, blobId: string, from = 0): Promise<Buffer> {
  const parts: Buffer[] = [];
  let offset = from;
  for (;;) {
    const chunk = await bundles.readBundleChunk(blobId, offset);
    if (!chunk) return Buffer.concat(parts);
    parts.push(Buffer.from(chunk.data.subarray(offset - chunk.offset)));
    offset = chunk.offset + chunk.data.byteLength;
  }
}

export function describeBundleStoreContract(bundlesOf: () => BundleStore): void {
  describe("bundles", () => {
    it("stores a bundle's bytes in chunks and reads them back from any offset", async () => {
      const bundles = bundlesOf();
      const data = randomBytes(100);
      const bundle = bundleRecord({ data, tags: ["cpu"], setup: "make" });
      await putBlob(bundles, bundle, data);
      expect(await bundles.commitBundle(bundle, null, event(bundle))).toBe(true);
      expect(await bundles.getBundle("etl", "1.0.0")).toEqual(bundle);
      expect(await readBlob(bundles, bundle.blobId)).toEqual(data);
      expect(await readBlob(bundles, bundle.blobId, 50)).toEqual(data.subarray(50));
      expect(await bundles.readBundleChunk(bundle.blobId, 100)).toBeUndefined();
      expect(await bundles.latestBundleVersion("etl")).toBe("1.0.0");
    });

    it("commits a version only over the highest one the caller saw", async () => {
      const bundles = bundlesOf();
      const data = randomBytes(10);
      const v1 = bundleRecord({ data });
      await putBlob(bundles, v1, data);
      expect(await bundles.commitBundle(v1, null, event(v1))).toBe(true);
      const v2 = bundleRecord({ data, version: "2.0.0" });
      await putBlob(bundles, v2, data);
      // Another upload moved the name on since this one looked: nothing is written.
      expect(await bundles.commitBundle(v2, null, event(v2))).toBe(false);
      expect(await bundles.commitBundle(v2, "0.9.0", event(v2))).toBe(false);
      expect(await bundles.getBundle("etl", "2.0.0")).toBeUndefined();
      expect(await bundles.commitBundle(v2, "1.0.0", event(v2))).toBe(true);
      expect((await bundles.listBundles("etl")).map((b) => b.version)).toEqual(["1.0.0", "2.0.0"]);
      expect(await bundles.listBundleEvents(10)).toHaveLength(2);
    });

    it("refuses to commit a blob that does not hold the whole archive", async () => {
      const bundles = bundlesOf();
      const data = randomBytes(20);
      const bundle = bundleRecord({ data });
      await bundles.putBundleChunk(bundle.blobId, 0, data.subarray(0, 10), T0);
      await expect(bundles.commitBundle(bundle, null, event(bundle))).rejects.toThrow(/10 of 20 bytes/);
      expect(await bundles.latestBundleVersion("etl")).toBeNull();
      expect(await bundles.listBundleEvents(10)).toEqual([]);
    });

    it("discards an unfinished blob and sweeps old ones no bundle names, never a stored bundle's", async () => {
      const bundles = bundlesOf();
      const data = randomBytes(30);
      const kept = bundleRecord({ data });
      await putBlob(bundles, kept, data);
      await bundles.commitBundle(kept, null, event(kept));
      const dropped = bundleRecord({ data, version: "2.0.0" });
      await putBlob(bundles, dropped, data);
      await bundles.discardBundleBlob(dropped.blobId);
      expect(await bundles.readBundleChunk(dropped.blobId, 0)).toBeUndefined();
      await bundles.discardBundleBlob(kept.blobId);
      expect(await readBlob(bundles, kept.blobId)).toEqual(data);

      const abandoned = bundleRecord({ data, version: "3.0.0" });
      await putBlob(bundles, abandoned, data);
      expect(await bundles.sweepBundleBlobs(T0)).toBe(0);
      expect(await bundles.sweepBundleBlobs(T0 + 1)).toBeGreaterThan(0);
      expect(await bundles.readBundleChunk(abandoned.blobId, 0)).toBeUndefined();
      expect(await readBlob(bundles, kept.blobId)).toEqual(data);
    });

    it("deletes a version with its bytes, records who did, and keeps the name's highest version", async () => {
      const bundles = bundlesOf();
      const data = randomBytes(10);
      const bundle = bundleRecord({ data });
      await putBlob(bundles, bundle, data);
      await bundles.commitBundle(bundle, null, event(bundle));
      expect(await bundles.deleteBundle("etl", "1.0.0", event(bundle, "delete"))).toBe(true);
      expect(await bundles.deleteBundle("etl", "1.0.0", event(bundle, "delete"))).toBe(false);
      expect(await bundles.getBundle("etl", "1.0.0")).toBeUndefined();
      expect(await bundles.readBundleChunk(bundle.blobId, 0)).toBeUndefined();
      expect(await bundles.latestBundleVersion("etl")).toBe("1.0.0");
      const history = await bundles.listBundleEvents(10);
      expect(history.map((e) => e.action)).toEqual(["delete", "upload"]);
      expect(history[0]).toMatchObject({
        name: "etl",
        version: "1.0.0",
        keyName: "ci",
        address: "10.0.0.1",
        userAgent: "flowy-client/0.1.0",
      });
      expect(await bundles.listBundleEvents(1)).toHaveLength(1);
      expect(await bundles.listBundleEvents(10, "other")).toEqual([]);
    });
  });
}
