/**
 * Bundle storage on PostgreSQL (the BundleStore half of the store): chunks as bytea rows, so every
 * replica serves every bundle. Each chunk is its own statement; commitBundle is one transaction.
 */
import type {
  BundleChunk,
  BundleEventInput,
  BundleEventRecord,
  BundleRecord,
} from "../../model/bundle-records.ts";
import type { BundleStore, PinnedBundleVersion } from "../bundle-store.ts";
import { rowToBundle, rowToBundleEvent, rowToPin, toBytes } from "../bundle-row.ts";
import * as q from "./bundle-statements.ts";
import type { PgExecutor, Tx } from "./pg-executor.ts";

export class PgBundles implements BundleStore {
  private readonly db: PgExecutor;

  constructor(db: PgExecutor) {
    this.db = db;
  }

  async putBundleChunk(blobId: string, offset: number, data: Uint8Array, now: number): Promise<void> {
    await this.db.write(q.PUT_CHUNK, [blobId, offset, data.byteLength, Buffer.from(data), now]);
  }

  async discardBundleBlob(blobId: string): Promise<void> {
    await this.db.write(q.DISCARD_BLOB, [blobId]);
  }

  commitBundle(bundle: BundleRecord, latestSeen: string | null, event: BundleEventInput): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const [stored] = await tx.query(q.BLOB_SIZE, [bundle.blobId]);
      if (Number(stored?.n) !== bundle.size) {
        throw new Error(
          `bundle ${bundle.name}@${bundle.version}: ${stored?.n} of ${bundle.size} bytes stored`,
        );
      }
      const raised = await tx.query(q.RAISE_LATEST, [bundle.name, bundle.version, latestSeen]);
      if (raised.length === 0) return false;
      await tx.query(q.INSERT_BUNDLE, [
        bundle.name,
        bundle.version,
        bundle.blobId,
        bundle.sha256,
        bundle.size,
        JSON.stringify(bundle.tags),
        bundle.setup,
        bundle.createdAt,
        bundle.uploadedBy,
      ]);
      await addEvent(tx, event);
      return true;
    });
  }

  deleteBundle(name: string, version: string, event: BundleEventInput): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query(q.DELETE_BUNDLE, [name, version]);
      if (!row) return false;
      await tx.query(q.DELETE_BLOB, [row.blob_id]);
      await addEvent(tx, event);
      return true;
    });
  }

  async getBundle(name: string, version: string): Promise<BundleRecord | undefined> {
    const [row] = await this.db.read(q.GET_BUNDLE, [name, version]);
    return row ? rowToBundle(row) : undefined;
  }

  async listBundles(name?: string): Promise<BundleRecord[]> {
    return (await this.db.readAllOrOf(q.LIST_BUNDLES, q.LIST_BUNDLES_OF, name)).map(rowToBundle);
  }

  async pinnedBundleVersions(): Promise<PinnedBundleVersion[]> {
    return (await this.db.read(q.PINNED_VERSIONS)).map(rowToPin);
  }

  async latestBundleVersion(name: string): Promise<string | null> {
    const [row] = await this.db.read(q.LATEST_VERSION, [name]);
    return row ? String(row.latest_version) : null;
  }

  async readBundleChunk(blobId: string, offset: number): Promise<BundleChunk | undefined> {
    const [row] = await this.db.read(q.READ_CHUNK, [blobId, offset]);
    if (!row || Number(row.byte_offset) + Number(row.len) <= offset) return undefined;
    return { offset: Number(row.byte_offset), data: toBytes(row.data) };
  }

  async listBundleEvents(limit: number, name?: string): Promise<BundleEventRecord[]> {
    const rows =
      name === undefined
        ? await this.db.read(q.LIST_EVENTS, [limit])
        : await this.db.read(q.LIST_EVENTS_OF, [limit, name]);
    return rows.map(rowToBundleEvent);
  }

  async sweepBundleBlobs(before: number): Promise<number> {
    return (await this.db.write(q.SWEEP_BLOBS, [before])).length;
  }
}

async function addEvent(tx: Tx, event: BundleEventInput): Promise<void> {
  await tx.query(q.INSERT_EVENT, [
    event.at,
    event.action,
    event.name,
    event.version,
    event.keyName,
    event.address,
    event.userAgent,
  ]);
}
