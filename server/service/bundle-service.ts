/**
 * Bundles: uploads streamed into the store chunk by chunk (never the whole archive in memory),
 * hashed on the way, committed in one transaction under the strict-bump guard, and undone when
 * anything fails before that (a dropped connection, the size limit, a lost race); downloads read
 * back chunk by chunk from any offset (for resumed downloads). Knows nothing of HTTP.
 */
import { createHash, randomBytes } from "node:crypto";
import { bundleKey } from "../../shared/bundle-ref.ts";
import { FlowyError } from "../../shared/errors.ts";
import type { BundleAction, BundleEventRecord, BundleRecord } from "../model/bundle-records.ts";
import type { WorkerBundleRecord } from "../model/records.ts";
import type { Store } from "../store/store.ts";
import {
  checkBundleName,
  checkBundleTags,
  checkBundleVersion,
  checkStrictBump,
  highestVersion,
} from "./bundle-rules.ts";
import type { Clock } from "./clock.ts";

export const DEFAULT_BUNDLE_MAX_BYTES = 256 * 1024 * 1024;
/** Bytes per stored chunk: large enough that a 256 MiB archive is a few hundred rows. */
export const BUNDLE_CHUNK_BYTES = 1024 * 1024;
/** Chunks of an upload a crash cut short are removed this long after they were written. */
const ABANDONED_AFTER_MS = 24 * 60 * 60 * 1000;

/** Who is asking, for the history. */
export interface BundleCaller {
  keyName: string | null;
  address: string | null;
  userAgent: string | null;
}

export interface BundleUpload {
  name: string;
  version: string;
  tags: string[];
  setup: string | null;
  /** The archive's bytes as they arrive. */
  body: AsyncIterable<Uint8Array>;
  /** The size the caller announced (Content-Length), checked before anything is read. */
  declaredSize: number | null;
  caller: BundleCaller;
}

export interface BundleDownload {
  bundle: BundleRecord;
  /** First and last byte sent (inclusive). */
  start: number;
  end: number;
  bytes: AsyncIterable<Uint8Array>;
}

export class BundleService {
  private readonly store: Store;
  private readonly clock: Clock;
  readonly maxBytes: number;

  constructor(store: Store, clock: Clock, maxBytes = DEFAULT_BUNDLE_MAX_BYTES) {
    this.store = store;
    this.clock = clock;
    this.maxBytes = maxBytes;
  }

  async upload(upload: BundleUpload): Promise<BundleRecord> {
    const { name, version } = upload;
    checkBundleName(name);
    checkBundleVersion(version);
    checkBundleTags(upload.tags);
    if (upload.declaredSize !== null && upload.declaredSize > this.maxBytes) throw this.tooLarge(name);
    const latest = await this.store.bundles.latestBundleVersion(name);
    checkStrictBump(name, version, latest);
    const blobId = randomBytes(16).toString("hex");
    try {
      const { sha256, size } = await this.storeBlob(name, blobId, upload.body);
      const now = this.clock();
      const bundle: BundleRecord = {
        name,
        version,
        blobId,
        sha256,
        size,
        tags: upload.tags,
        setup: upload.setup,
        createdAt: now,
        uploadedBy: upload.caller.keyName,
      };
      const event = this.event("upload", name, version, upload.caller);
      if (!(await this.store.bundles.commitBundle(bundle, latest, event))) {
        // Another upload of this name committed while this one streamed.
        checkStrictBump(name, version, await this.store.bundles.latestBundleVersion(name));
        throw new FlowyError("version-conflict", `${name} changed during the upload`, "Upload again.");
      }
      return bundle;
    } catch (error) {
      // Should this fail too, the sweep removes the chunks later.
      await this.store.bundles.discardBundleBlob(blobId).catch(() => undefined);
      throw error;
    }
  }

  /** Every stored bundle, by name then upload order, with the unfinished jobs that pin it. */
  async list(): Promise<Array<BundleRecord & { pinnedJobs: number }>> {
    const [bundles, pins] = await Promise.all([
      this.store.bundles.listBundles(),
      this.store.bundles.pinnedBundleVersions(),
    ]);
    const pinned = new Map(pins.map((pin) => [bundleKey(pin.name, pin.version), pin.jobs]));
    return bundles.map((b) => ({ ...b, pinnedJobs: pinned.get(bundleKey(b.name, b.version)) ?? 0 }));
  }

  /** The stored versions of one name, oldest first; not-found when there are none. */
  async versions(name: string): Promise<BundleRecord[]> {
    const versions = await this.store.bundles.listBundles(name);
    if (versions.length === 0) throw notFound(name);
    return versions;
  }

  /** The bundle a job asks for: `name` (its highest stored version) or `name@version`. */
  async resolve(name: string, version?: string): Promise<BundleRecord> {
    if (version !== undefined) {
      const bundle = await this.store.bundles.getBundle(name, version);
      if (!bundle) throw notFound(`${name}@${version}`);
      return bundle;
    }
    const versions = await this.versions(name);
    const highest = highestVersion(versions.map((b) => b.version));
    return versions.find((b) => b.version === highest) as BundleRecord;
  }

  /** What each worker last reported of the name's versions, by worker then version. */
  async onWorkers(name: string): Promise<Array<WorkerBundleRecord & { workerId: string }>> {
    const workers = await this.store.listWorkers();
    return workers
      .flatMap((w) => w.bundles.filter((b) => b.name === name).map((b) => ({ ...b, workerId: w.id })))
      .sort((a, b) =>
        a.workerId === b.workerId ? (a.version < b.version ? -1 : 1) : a.workerId < b.workerId ? -1 : 1,
      );
  }

  /** Replaces what the worker reported of its bundles (shown in `bundle show` and on /workers). */
  async reportWorkerBundles(workerId: string, statuses: WorkerBundleRecord[]): Promise<void> {
    if (!(await this.store.setWorkerBundles(workerId, statuses, this.clock()))) {
      throw new FlowyError(
        "not-found",
        `No worker ${workerId}`,
        "Register the worker (POST /workers/register) before it reports its bundles.",
      );
    }
  }

  history(limit: number, name?: string): Promise<BundleEventRecord[]> {
    return this.store.bundles.listBundleEvents(limit, name);
  }

  async delete(name: string, version: string, caller: BundleCaller): Promise<void> {
    const event = this.event("delete", name, version, caller);
    if (!(await this.store.bundles.deleteBundle(name, version, event))) throw notFound(`${name}@${version}`);
  }

  /** The bytes `start`…`end` (inclusive; default: all) of a stored version. */
  async download(
    name: string,
    version: string,
    range?: { start: number; end?: number },
  ): Promise<BundleDownload> {
    const bundle = await this.resolve(name, version);
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? bundle.size - 1, bundle.size - 1);
    if (start > end) {
      throw new FlowyError(
        "range-not-satisfiable",
        `Bytes ${start}- are past the end of ${name}@${version} (${bundle.size} bytes)`,
        "Download from an offset below the archive's size, or from the start.",
        { size: bundle.size },
      );
    }
    return { bundle, start, end, bytes: this.readBlob(bundle, start, end) };
  }

  /** Removes chunks that uploads a crash cut short left behind; returns how many. */
  sweepAbandoned(): Promise<number> {
    return this.store.bundles.sweepBundleBlobs(this.clock() - ABANDONED_AFTER_MS);
  }

  private async *readBlob(bundle: BundleRecord, start: number, end: number): AsyncGenerator<Uint8Array> {
    let offset = start;
    while (offset <= end) {
      const chunk = await this.store.bundles.readBundleChunk(bundle.blobId, offset);
      // Deleted while it was being sent: end the download short rather than send other bytes.
      if (!chunk) throw new Error(`${bundle.name}@${bundle.version} was deleted during the download`);
      yield chunk.data.subarray(offset - chunk.offset, end + 1 - chunk.offset);
      offset = chunk.offset + chunk.data.byteLength;
    }
  }

  /** Writes the body as fixed-size chunks, hashing and counting it, refusing it past the limit. */
  private async storeBlob(
    name: string,
    blobId: string,
    body: AsyncIterable<Uint8Array>,
  ): Promise<{ sha256: string; size: number }> {
    const hash = createHash("sha256");
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let offset = 0;
    const flush = async (all: boolean) => {
      let buffer = Buffer.concat(pending);
      if (offset === 0 && buffer.byteLength >= 2 && !isGzip(buffer)) throw notGzip(name);
      while (buffer.byteLength >= BUNDLE_CHUNK_BYTES || (all && buffer.byteLength > 0)) {
        const piece = buffer.subarray(0, BUNDLE_CHUNK_BYTES);
        await this.store.bundles.putBundleChunk(blobId, offset, piece, this.clock());
        offset += piece.byteLength;
        buffer = buffer.subarray(piece.byteLength);
      }
      pending = [buffer];
      pendingBytes = buffer.byteLength;
    };
    for await (const piece of body) {
      if (offset + pendingBytes + piece.byteLength > this.maxBytes) throw this.tooLarge(name);
      hash.update(piece);
      pending.push(Buffer.from(piece));
      pendingBytes += piece.byteLength;
      if (pendingBytes >= BUNDLE_CHUNK_BYTES) await flush(false);
    }
    if (offset + pendingBytes < 2) throw notGzip(name);
    await flush(true);
    return { sha256: hash.digest("hex"), size: offset };
  }

  private tooLarge(name: string): FlowyError {
    return new FlowyError(
      "payload-too-large",
      `Bundle ${name} is larger than this server's limit of ${this.maxBytes} bytes`,
      "Make the archive smaller (leave out what setup can fetch), or start the server with a larger --bundle-max-mb.",
      { max_bytes: this.maxBytes },
    );
  }

  private event(action: BundleAction, name: string, version: string, caller: BundleCaller) {
    return { action, name, version, at: this.clock(), ...caller };
  }
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function notGzip(name: string): FlowyError {
  return new FlowyError(
    "invalid-request",
    `The archive uploaded for ${name} is not gzip-compressed`,
    "Upload a .tar.gz (flowy-client bundle upload packs a directory for you).",
  );
}

function notFound(what: string): FlowyError {
  return new FlowyError(
    "not-found",
    `Bundle ${what} does not exist`,
    "List bundles with: flowy-client bundle list",
  );
}
