/**
 * Bundles: versioned archives (.tar.gz) of the code jobs run, stored in the job store so every
 * replica serves every bundle. A bundle's bytes are a *blob*: chunks keyed by a blob id, written
 * while the upload streams in; the bundle row that names the blob is written only when the whole
 * archive has arrived, so chunks no bundle names are an unfinished upload and are removed.
 */

export interface BundleRecord {
  name: string;
  /** Semver, strictly greater than every version uploaded before under this name. */
  version: string;
  blobId: string;
  /** Hex sha256 of the archive. */
  sha256: string;
  size: number;
  /** Daemons whose tags intersect these install the bundle; none: every daemon. */
  tags: string[];
  /** A shell command a daemon runs in the unpacked directory before using it. */
  setup: string | null;
  createdAt: number;
  /** The API key that uploaded it (null on a server without keys). */
  uploadedBy: string | null;
}

export type BundleAction = "upload" | "delete";

/** Who did what to a bundle, from where: one per upload and per delete. */
export interface BundleEventInput {
  action: BundleAction;
  name: string;
  version: string;
  at: number;
  keyName: string | null;
  address: string | null;
  userAgent: string | null;
}

export interface BundleEventRecord extends BundleEventInput {
  seq: number;
}

/** One stored piece of a blob: `data` starts at byte `offset` of the archive. */
export interface BundleChunk {
  offset: number;
  data: Uint8Array;
}
