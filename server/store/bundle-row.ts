/** The one place bundle rows (snake_case; tags as JSON text or jsonb; int8 as strings) map to records. */
import type { BundleAction, BundleEventRecord, BundleRecord } from "../model/bundle-records.ts";
import type { PinnedBundleVersion } from "./bundle-store.ts";

type Row = Record<string, unknown>;

const strOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

export function rowToBundle(row: Row): BundleRecord {
  return {
    name: String(row.name),
    version: String(row.version),
    blobId: String(row.blob_id),
    sha256: String(row.sha256),
    size: Number(row.size),
    tags: (typeof row.tags === "string" ? JSON.parse(row.tags) : row.tags) as string[],
    setup: strOrNull(row.setup),
    createdAt: Number(row.created_at),
    uploadedBy: strOrNull(row.uploaded_by),
  };
}

export function rowToPin(row: Row): PinnedBundleVersion {
  return { name: String(row.bundle_name), version: String(row.bundle_version), jobs: Number(row.jobs) };
}

export function rowToBundleEvent(row: Row): BundleEventRecord {
  return {
    seq: Number(row.seq),
    action: row.action as BundleAction,
    name: String(row.name),
    version: String(row.version),
    at: Number(row.at),
    keyName: strOrNull(row.key_name),
    address: strOrNull(row.address),
    userAgent: strOrNull(row.user_agent),
  };
}

/** Bytes as the drivers hand them back (node:sqlite: Uint8Array; pg: Buffer), as one Buffer view. */
export function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new Error(`a bundle chunk came back as ${typeof value}, not bytes`);
}
