/**
 * The wire protocol of /api/v1/bundles (see protocol.ts for the conventions): what a bundle and
 * its history look like to clients and daemons. The archive itself travels as raw bytes
 * (application/gzip), not JSON.
 */
import { type Static, Type as T } from "@sinclair/typebox";

const Nullable = <S extends ReturnType<typeof T.String>>(schema: S) => T.Union([schema, T.Null()]);
const Strict = { additionalProperties: false } as const;

export const BundleSchema = T.Object({
  name: T.String(),
  version: T.String(),
  sha256: T.String(),
  size: T.Integer(),
  tags: T.Array(T.String()),
  setup: Nullable(T.String()),
  created_at: T.String(),
  uploaded_by: Nullable(T.String()),
  /**
   * In listings: how many unfinished jobs pin this version (`spec.bundle: "name@version"`).
   * Daemons install the latest version of each name and every version a job pins.
   */
  pinned_jobs: T.Optional(T.Integer({ minimum: 0 })),
});
export type Bundle = Static<typeof BundleSchema>;

export const BundleEventSchema = T.Object({
  seq: T.Integer(),
  action: T.Union([T.Literal("upload"), T.Literal("delete")]),
  name: T.String(),
  version: T.String(),
  at: T.String(),
  key_name: Nullable(T.String()),
  address: Nullable(T.String()),
  user_agent: Nullable(T.String()),
});
export type BundleEvent = Static<typeof BundleEventSchema>;

export const BundleListResponse = T.Object({ bundles: T.Array(BundleSchema) });
export const BundleShowResponse = T.Object({
  name: T.String(),
  /** The highest stored version: what a job that names no version runs. */
  latest: T.String(),
  versions: T.Array(BundleSchema),
  /** What each worker last reported of this bundle: a version installed, or an install that failed. */
  workers: T.Optional(
    T.Array(
      T.Object({
        worker_id: T.String(),
        version: T.String(),
        status: T.Union([T.Literal("installed"), T.Literal("failed")]),
        error: Nullable(T.String()),
        at: Nullable(T.String()),
      }),
    ),
  ),
});
export type BundleShow = Static<typeof BundleShowResponse>;
export const BundleHistoryResponse = T.Object({ events: T.Array(BundleEventSchema) });

export const BundleNameParams = T.Object({ name: T.String({ minLength: 1, maxLength: 64 }) }, Strict);
export const BundleVersionParams = T.Object(
  { name: T.String({ minLength: 1, maxLength: 64 }), version: T.String({ minLength: 1, maxLength: 128 }) },
  Strict,
);
export const BundleUploadQuery = T.Object(
  {
    /** Comma-separated; daemons whose tags intersect these install it. */
    tags: T.Optional(T.String({ maxLength: 1024 })),
    /** A shell command run in the unpacked directory before the bundle is used. */
    setup: T.Optional(T.String({ maxLength: 4096 })),
  },
  Strict,
);
export type BundleUploadQueryT = Static<typeof BundleUploadQuery>;
export const BundleHistoryQuery = T.Object(
  {
    limit: T.Optional(T.Integer({ minimum: 1, maximum: 1000, default: 50 })),
    name: T.Optional(T.String({ minLength: 1, maxLength: 64 })),
  },
  Strict,
);

/** What a worker says about one bundle version: installed, or its last install failed (and why). */
export const WorkerBundleStatusSchema = T.Object(
  {
    name: T.String({ minLength: 1, maxLength: 64 }),
    version: T.String({ minLength: 1, maxLength: 128 }),
    status: T.Union([T.Literal("installed"), T.Literal("failed")]),
    error: Nullable(T.String({ maxLength: 8192 })),
    /** When the failure happened (null for an installed version). */
    at: Nullable(T.String({ maxLength: 64 })),
  },
  Strict,
);
export type WorkerBundleStatus = Static<typeof WorkerBundleStatusSchema>;
/** POST /workers/{id}/bundles: everything the worker has and what failed, replacing its last report. */
export const WorkerBundlesBody = T.Object(
  { bundles: T.Array(WorkerBundleStatusSchema, { maxItems: 1000 }) },
  Strict,
);
export type WorkerBundles = Static<typeof WorkerBundlesBody>;
