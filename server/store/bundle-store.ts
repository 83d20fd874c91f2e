/**
 * The part of the Store contract that keeps bundles (see model/bundle-records.ts). An upload writes
 * its chunks one by one (each its own durable write, so no archive is ever held in memory), then
 * `commitBundle` names them in one transaction; until then they belong to no bundle, and a
 * failed or abandoned upload is undone with `discardBundleBlob` (or, after a crash, the sweep).
 */
import type {
  BundleChunk,
  BundleEventInput,
  BundleEventRecord,
  BundleRecord,
} from "../model/bundle-records.ts";

export type {
  BundleChunk,
  BundleEventInput,
  BundleEventRecord,
  BundleRecord,
} from "../model/bundle-records.ts";

export interface PinnedBundleVersion {
  name: string;
  version: string;
  jobs: number;
}

export interface BundleStore {
  /** Stores one chunk of an upload's blob at a byte offset. */
  putBundleChunk(blobId: string, offset: number, data: Uint8Array, now: number): Promise<void>;
  /** Removes the chunks of a blob that no bundle names (an upload that did not finish). */
  discardBundleBlob(blobId: string): Promise<void>;
  /**
   * In one transaction: checks the blob holds `bundle.size` bytes, raises the name's highest
   * version from `latestSeen` (the guard: null for a name never uploaded) to `bundle.version`,
   * stores the bundle and records the event. False, with nothing written, when the guard no
   * longer holds (another upload of the name got in first).
   */
  commitBundle(bundle: BundleRecord, latestSeen: string | null, event: BundleEventInput): Promise<boolean>;
  /** Removes the bundle and its blob and records the event; false when there is no such bundle. */
  deleteBundle(name: string, version: string, event: BundleEventInput): Promise<boolean>;
  getBundle(name: string, version: string): Promise<BundleRecord | undefined>;
  /** Stored bundles (of one name, or all), by name then upload order. */
  listBundles(name?: string): Promise<BundleRecord[]>;
  /**
   * The versions unfinished jobs pin (`spec.bundle: "name@version"`), with how many such jobs:
   * what daemons install besides each name's latest, so a pinned job finds a worker.
   */
  pinnedBundleVersions(): Promise<PinnedBundleVersion[]>;
  /** The highest version ever uploaded under the name (deleted or not); null when none was. */
  latestBundleVersion(name: string): Promise<string | null>;
  /** The chunk of the blob that holds byte `offset`; undefined past its end. */
  readBundleChunk(blobId: string, offset: number): Promise<BundleChunk | undefined>;
  /** Uploads and deletes, newest first. */
  listBundleEvents(limit: number, name?: string): Promise<BundleEventRecord[]>;
  /** Removes chunks written before `before` that no bundle names (uploads a crash cut short). */
  sweepBundleBlobs(before: number): Promise<number>;
}
