/**
 * Bundle storage on SQLite (the BundleStore half of the store): chunks as BLOB rows. Writes go
 * through the store's group commit like every other write (`write` runs a function in it), so a
 * chunk is durable when its promise resolves and commitBundle's statements share one savepoint.
 */
import type { DatabaseSync } from "node:sqlite";
import type {
  BundleChunk,
  BundleEventInput,
  BundleEventRecord,
  BundleRecord,
  BundleStore,
  PinnedBundleVersion,
} from "../bundle-store.ts";
import { rowToBundle, rowToBundleEvent, rowToPin, toBytes } from "../bundle-row.ts";
import { ENDED } from "../state-sql.ts";
import { type Params, Statements } from "./sqlite-connection.ts";

type RunWrite = <T>(run: () => T) => Promise<T>;

export class SqliteBundles implements BundleStore {
  private readonly q: Statements;
  private readonly write: RunWrite;
  private readonly settled: () => Promise<void>;

  constructor(db: DatabaseSync, write: RunWrite, settled: () => Promise<void>) {
    this.q = new Statements(db);
    this.write = write;
    this.settled = settled;
  }

  putBundleChunk(blobId: string, offset: number, data: Uint8Array, now: number): Promise<void> {
    return this.write(() => {
      this.run(
        "INSERT INTO bundle_chunks (blob_id, offset, len, data, at) VALUES (:blob, :offset, :len, :data, :at)",
        { blob: blobId, offset, len: data.byteLength, data, at: now },
      );
    });
  }

  discardBundleBlob(blobId: string): Promise<void> {
    return this.write(() => {
      this.run(
        "DELETE FROM bundle_chunks WHERE blob_id = :blob AND NOT EXISTS (SELECT 1 FROM bundles WHERE blob_id = :blob)",
        { blob: blobId },
      );
    });
  }

  commitBundle(bundle: BundleRecord, latestSeen: string | null, event: BundleEventInput): Promise<boolean> {
    return this.write(() => {
      const stored = this.q.get(
        "SELECT coalesce(sum(len), 0) AS n FROM bundle_chunks WHERE blob_id = :blob",
        {
          blob: bundle.blobId,
        },
      );
      if (Number(stored?.n) !== bundle.size) {
        throw new Error(
          `bundle ${bundle.name}@${bundle.version}: ${stored?.n} of ${bundle.size} bytes stored`,
        );
      }
      const raised = this.q.get(
        `INSERT INTO bundle_names (name, latest_version) VALUES (:name, :version)
         ON CONFLICT (name) DO UPDATE SET latest_version = excluded.latest_version
           WHERE bundle_names.latest_version IS :seen
         RETURNING name`,
        { name: bundle.name, version: bundle.version, seen: latestSeen },
      );
      if (!raised) return false;
      this.run(
        `INSERT INTO bundles (name, version, blob_id, sha256, size, tags, setup, created_at, uploaded_by)
         VALUES (:name, :version, :blob, :sha, :size, :tags, :setup, :at, :by)`,
        {
          name: bundle.name,
          version: bundle.version,
          blob: bundle.blobId,
          sha: bundle.sha256,
          size: bundle.size,
          tags: JSON.stringify(bundle.tags),
          setup: bundle.setup,
          at: bundle.createdAt,
          by: bundle.uploadedBy,
        },
      );
      this.addEvent(event);
      return true;
    });
  }

  deleteBundle(name: string, version: string, event: BundleEventInput): Promise<boolean> {
    return this.write(() => {
      const row = this.q.get(
        "DELETE FROM bundles WHERE name = :name AND version = :version RETURNING blob_id",
        {
          name,
          version,
        },
      );
      if (!row) return false;
      this.run("DELETE FROM bundle_chunks WHERE blob_id = :blob", { blob: String(row.blob_id) });
      this.addEvent(event);
      return true;
    });
  }

  async getBundle(name: string, version: string): Promise<BundleRecord | undefined> {
    await this.settled();
    const row = this.q.get("SELECT * FROM bundles WHERE name = :name AND version = :version", {
      name,
      version,
    });
    return row ? rowToBundle(row) : undefined;
  }

  async listBundles(name?: string): Promise<BundleRecord[]> {
    await this.settled();
    const rows =
      name === undefined
        ? this.q.all("SELECT * FROM bundles ORDER BY name, created_at, version")
        : this.q.all("SELECT * FROM bundles WHERE name = :name ORDER BY created_at, version", { name });
    return rows.map(rowToBundle);
  }

  async pinnedBundleVersions(): Promise<PinnedBundleVersion[]> {
    await this.settled();
    // Walks jobs_bundle_pins (migration 18), which holds only unfinished pinned jobs.
    const rows = this.q.all(
      `SELECT bundle_name, bundle_version, count(*) AS jobs FROM jobs
       WHERE bundle_version IS NOT NULL AND state NOT IN ${ENDED}
       GROUP BY bundle_name, bundle_version ORDER BY bundle_name, bundle_version`,
    );
    return rows.map(rowToPin);
  }

  async latestBundleVersion(name: string): Promise<string | null> {
    await this.settled();
    const row = this.q.get("SELECT latest_version FROM bundle_names WHERE name = :name", { name });
    return row ? String(row.latest_version) : null;
  }

  async readBundleChunk(blobId: string, offset: number): Promise<BundleChunk | undefined> {
    const row = this.q.get(
      `SELECT offset, len, data FROM bundle_chunks WHERE blob_id = :blob AND offset <= :offset
       ORDER BY offset DESC LIMIT 1`,
      { blob: blobId, offset },
    );
    if (!row || Number(row.offset) + Number(row.len) <= offset) return undefined;
    return { offset: Number(row.offset), data: toBytes(row.data) };
  }

  async listBundleEvents(limit: number, name?: string): Promise<BundleEventRecord[]> {
    await this.settled();
    const rows =
      name === undefined
        ? this.q.all("SELECT * FROM bundle_events ORDER BY seq DESC LIMIT :limit", { limit })
        : this.q.all("SELECT * FROM bundle_events WHERE name = :name ORDER BY seq DESC LIMIT :limit", {
            name,
            limit,
          });
    return rows.map(rowToBundleEvent);
  }

  sweepBundleBlobs(before: number): Promise<number> {
    return this.write(() => {
      const result = this.q
        .stmt(
          `DELETE FROM bundle_chunks WHERE at < :before
           AND blob_id NOT IN (SELECT blob_id FROM bundles)`,
        )
        .run({ before });
      return Number(result.changes);
    });
  }

  private run(sql: string, params: Params): void {
    this.q.stmt(sql).run(params);
  }

  private addEvent(event: BundleEventInput): void {
    this.run(
      `INSERT INTO bundle_events (at, action, name, version, key_name, address, user_agent)
       VALUES (:at, :action, :name, :version, :key, :address, :agent)`,
      {
        at: event.at,
        action: event.action,
        name: event.name,
        version: event.version,
        key: event.keyName,
        address: event.address,
        agent: event.userAgent,
      },
    );
  }
}
