/**
 * The wire protocol of /api/v1: one TypeBox schema per body. Each schema validates requests on the
 * server (fastify/ajv), types the code on both sides (Static<>), and feeds the OpenAPI document.
 * Field names are snake_case, as on the wire; times are ISO-8601 strings.
 */
import { type Static, type TProperties, type TSchema, Type as T } from "@sinclair/typebox";
import { BundleOnWorkerFields } from "./bundle-protocol.ts";
import { BUNDLE_REF_PATTERN } from "./bundle-ref.ts";
import { RATE_PATTERN } from "./rate.ts";
import { JOB_STATES } from "./states.ts";

const Nullable = <S extends TSchema>(schema: S) => T.Union([schema, T.Null()]);
const Strict = { additionalProperties: false } as const;

export const JobStateSchema = T.Union(JOB_STATES.map((s) => T.Literal(s)));
export const TaskStateName = T.Union(
  ["pending", "running", "succeeded", "failed", "skipped", "canceled"].map((s) => T.Literal(s)),
);

const Id = T.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9_.:-]+$" });
const Tag = T.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_.:/=-]+$" });
const Tags = T.Array(Tag, { maxItems: 32, uniqueItems: true });
/** A concurrency key (`customer-42`), and a pattern of keys (`customer-*`) a limit is declared for. */
const ConcurrencyKey = T.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9_.:/=@-]+$" });
const KeyPattern = T.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9_.:/=@*-]+$" });
const LeaseToken = T.String({ minLength: 1, maxLength: 128 });
const Outputs = T.Record(T.String(), T.Unknown());

export const BackoffSchema = T.Object(
  {
    initial_s: T.Number({ minimum: 0, maximum: 86_400 }),
    max_s: T.Number({ minimum: 0, maximum: 604_800 }),
    factor: T.Number({ minimum: 1, maximum: 10 }),
  },
  Strict,
);

/** Optional per-job limits, applied where the worker's cgroup has the controller. */
export const JobResourcesSchema = T.Object(
  {
    memory_mb: T.Optional(T.Integer({ minimum: 1, description: "memory.max, in MiB" })),
    cpus: T.Optional(T.Number({ exclusiveMinimum: 0, maximum: 1024, description: "CPUs (cpu.max)" })),
    pids: T.Optional(T.Integer({ minimum: 1, description: "at most this many processes (pids.max)" })),
  },
  Strict,
);
export type JobResources = Static<typeof JobResourcesSchema>;

export const JobSpecSchema = T.Object(
  {
    command: T.Optional(T.Array(T.String({ maxLength: 65_536 }), { minItems: 1, maxItems: 4096 })),
    shell: T.Optional(T.String({ minLength: 1, maxLength: 262_144 })),
    workflow: T.Optional(T.Record(T.String(), T.Unknown())),
    flow: T.Optional(T.String({ minLength: 1, maxLength: 128 })),
    env: T.Optional(T.Record(T.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }), T.String())),
    cwd: T.Optional(T.String({ minLength: 1, maxLength: 4096 })),
    resources: T.Optional(JobResourcesSchema),
    bundle: T.Optional(
      T.String({
        pattern: BUNDLE_REF_PATTERN,
        maxLength: 200,
        description:
          'The bundle the job runs from: "etl" (its latest version at claim time) or "etl@1.4.0"; the job runs in its directory ($FLOWY_BUNDLE_DIR).',
      }),
    ),
  },
  { ...Strict, description: "Exactly one of command, shell, workflow." },
);
export type JobSpec = Static<typeof JobSpecSchema>;

export const SubmitJobBody = T.Object(
  {
    name: T.Optional(T.String({ minLength: 1, maxLength: 200 })),
    tags: T.Optional(Tags),
    priority: T.Optional(T.Integer({ minimum: -1000, maximum: 1000 })),
    spec: JobSpecSchema,
    inputs: T.Optional(T.Record(T.String(), T.Unknown())),
    max_attempts: T.Optional(T.Integer({ minimum: 1, maximum: 1000 })),
    backoff: T.Optional(BackoffSchema),
    timeout_s: T.Optional(T.Number({ exclusiveMinimum: 0, maximum: 31_536_000 })),
    lease_s: T.Optional(T.Number({ minimum: 1, maximum: 86_400 })),
    run_at: T.Optional(T.String({ format: "date-time" })),
    parent_id: T.Optional(Id),
    concurrency_key: T.Optional(ConcurrencyKey),
    concurrency_limit: T.Optional(
      T.Integer({
        minimum: 1,
        maximum: 100_000,
        description: "Needs concurrency_key; default: a declared limit, else 1.",
      }),
    ),
    idempotency_key: T.Optional(T.String({ minLength: 1, maxLength: 255 })),
  },
  Strict,
);
export type SubmitJob = Static<typeof SubmitJobBody>;

export const TaskSchema = T.Object({
  name: T.String(),
  state: TaskStateName,
  needs: T.Optional(T.Array(T.String())),
  attempt: T.Optional(T.Integer()),
  started_at: T.Optional(Nullable(T.String())),
  finished_at: T.Optional(Nullable(T.String())),
  exit_code: T.Optional(Nullable(T.Integer())),
  message: T.Optional(Nullable(T.String())),
});
export type Task = Static<typeof TaskSchema>;
const Tasks = T.Array(TaskSchema, { maxItems: 1000 });

export const JobResultSchema = T.Object({
  exit_code: T.Optional(Nullable(T.Integer())),
  outputs: T.Optional(Outputs),
  duration_ms: T.Optional(Nullable(T.Number())),
});
export const JobErrorSchema = T.Object({
  message: T.String(),
  exit_code: T.Optional(Nullable(T.Integer())),
  stderr_tail: T.Optional(Nullable(T.String())),
});

export const HistoryEntrySchema = T.Object({
  at: T.String(),
  from: Nullable(JobStateSchema),
  to: JobStateSchema,
  event: T.String(),
  reason: Nullable(T.String()),
  worker_id: Nullable(T.String()),
  attempt: T.Integer(),
});
export type HistoryEntry = Static<typeof HistoryEntrySchema>;

export const JobSchema = T.Object(
  {
    id: T.String(),
    name: T.String(),
    state: JobStateSchema,
    tags: T.Array(T.String()),
    priority: T.Integer(),
    spec: JobSpecSchema,
    inputs: T.Record(T.String(), T.Unknown()),
    attempt: T.Integer(),
    max_attempts: T.Integer(),
    backoff: BackoffSchema,
    timeout_s: Nullable(T.Number()),
    lease_s: T.Number(),
    run_at: Nullable(T.String()),
    parent_id: Nullable(T.String()),
    concurrency_key: Nullable(T.String()),
    concurrency_limit: Nullable(T.Integer()),
    idempotency_key: Nullable(T.String()),
    worker_id: Nullable(T.String()),
    lease_expires_at: Nullable(T.String()),
    created_at: T.String(),
    updated_at: T.String(),
    started_at: Nullable(T.String()),
    finished_at: Nullable(T.String()),
    result: Nullable(JobResultSchema),
    error: Nullable(JobErrorSchema),
    tasks: Nullable(Tasks),
    version: T.Integer({ description: "Grows on every change; pass it back as ?version= to long-poll." }),
    fence: T.Optional(
      T.Integer({
        description:
          "Grows by one with every lease of the job, cluster-wide; the attempt gets it as $FLOWY_FENCE.",
      }),
    ),
    history: T.Optional(T.Array(HistoryEntrySchema)),
  },
  { title: "Job" },
);
export type Job = Static<typeof JobSchema>;

/**
 * How much of a lease is left, in ms, counted from when the server began on the request (for a
 * long-poll claim: before it waited; otherwise as it answers). A worker counts it from when it
 * *sent* the request, on its monotonic clock: it sent it before the server began on it, so the
 * worker's deadline is never later than the server's, whatever the two wall clocks say and
 * however slow the answer was.
 */
const LeaseMs = T.Integer({
  minimum: 0,
  description:
    "Milliseconds left on the lease, counted from when the server began on the request; count it from when the request was sent.",
});

export const ClaimedJobSchema = T.Intersect([
  JobSchema,
  T.Object({ lease_token: T.String(), lease_ms: T.Optional(LeaseMs) }),
]);
export type ClaimedJob = Static<typeof ClaimedJobSchema>;

/**
 * Sent by a client on a retried request, with its attempt number (2, 3, …): a retried claim may
 * already have leased jobs under its claim_id.
 */
export const ATTEMPT_HEADER = "flowy-attempt";

const ClaimId = T.String({
  minLength: 1,
  maxLength: 64,
  pattern: "^[A-Za-z0-9_-]+$",
  description:
    "The worker's id for this claim: sent again with the flowy-attempt header (its answer was lost), it gets the jobs the first one leased.",
});

const KillGrace = T.Number({
  minimum: 0,
  maximum: 86_400,
  description:
    "The worker's grace between SIGTERM and SIGKILL when it stops a job: the server waits past a job's timeout_s at least this long (plus a margin) before it times the job out itself.",
});

const InstalledBundles = T.Array(T.String({ pattern: BUNDLE_REF_PATTERN, maxLength: 200 }), {
  maxItems: 1000,
  description:
    "The bundles the worker has installed, as name@version: only jobs whose spec.bundle one of them satisfies are leased to it.",
});

export const ClaimBody = T.Object(
  {
    worker_id: Id,
    tags: T.Optional(Tags),
    capacity: T.Integer({ minimum: 1, maximum: 1000 }),
    wait_s: T.Optional(T.Number({ minimum: 0, maximum: 120 })),
    claim_id: T.Optional(ClaimId),
    kill_grace_s: T.Optional(KillGrace),
    bundles: T.Optional(InstalledBundles),
  },
  Strict,
);
export type Claim = Static<typeof ClaimBody>;
export const ClaimResponse = T.Object({ jobs: T.Array(ClaimedJobSchema) });

export const LeaseHolder = { worker_id: Id, lease_token: LeaseToken };

export const HeartbeatBody = T.Object({ ...LeaseHolder, tasks: T.Optional(Tasks) }, Strict);
export type Heartbeat = Static<typeof HeartbeatBody>;
export const HeartbeatResponse = T.Object({
  lease_expires_at: T.String(),
  lease_ms: T.Optional(LeaseMs),
  cancel_requested: T.Boolean(),
});
export type HeartbeatResult = Static<typeof HeartbeatResponse>;

export const CompleteBody = T.Object(
  {
    ...LeaseHolder,
    exit_code: T.Optional(Nullable(T.Integer())),
    outputs: T.Optional(Outputs),
    duration_ms: T.Optional(Nullable(T.Number({ minimum: 0 }))),
    tasks: T.Optional(Tasks),
  },
  Strict,
);
export type Complete = Static<typeof CompleteBody>;

export const FailedBody = T.Object(
  {
    ...LeaseHolder,
    message: T.String({ minLength: 1, maxLength: 65_536 }),
    exit_code: T.Optional(Nullable(T.Integer())),
    stderr_tail: T.Optional(Nullable(T.String({ maxLength: 65_536 }))),
    retryable: T.Optional(T.Boolean()),
    timed_out: T.Optional(T.Boolean({ description: "The worker stopped the job at its timeout_s." })),
    duration_ms: T.Optional(Nullable(T.Number({ minimum: 0 }))),
    tasks: T.Optional(Tasks),
  },
  Strict,
);
export type Failed = Static<typeof FailedBody>;

export const ReportItemSchema = T.Object(
  {
    kind: T.Union([T.Literal("heartbeat"), T.Literal("complete"), T.Literal("failed")]),
    job_id: Id,
    lease_token: LeaseToken,
    tasks: T.Optional(Tasks),
    exit_code: T.Optional(Nullable(T.Integer())),
    outputs: T.Optional(Outputs),
    duration_ms: T.Optional(Nullable(T.Number({ minimum: 0 }))),
    message: T.Optional(T.String({ minLength: 1, maxLength: 65_536 })),
    stderr_tail: T.Optional(Nullable(T.String({ maxLength: 65_536 }))),
    retryable: T.Optional(T.Boolean()),
    timed_out: T.Optional(T.Boolean()),
  },
  Strict,
);
export type ReportItem = Static<typeof ReportItemSchema>;
/** Jobs to lease in the same call as a report, so a busy worker needs no separate claim. */
export const ReportClaimSchema = T.Object(
  {
    capacity: T.Integer({ minimum: 1, maximum: 1000 }),
    tags: T.Optional(Tags),
    claim_id: T.Optional(ClaimId),
    kill_grace_s: T.Optional(KillGrace),
    bundles: T.Optional(InstalledBundles),
  },
  Strict,
);
export const ReportBody = T.Object(
  {
    worker_id: Id,
    items: T.Array(ReportItemSchema, { minItems: 1, maxItems: 1000 }),
    claim: T.Optional(ReportClaimSchema),
  },
  Strict,
);
export type Report = Static<typeof ReportBody>;

const ProblemSchema = T.Object({
  type: T.String(),
  title: T.String(),
  status: T.Integer(),
  detail: T.String(),
  code: T.String(),
  hint: T.Optional(T.String()),
});
/** One item's answer in a call that answers per item: `error` (a problem) where that item failed. */
const ItemResult = <P extends TProperties>(fields: P) =>
  T.Object({ ...fields, error: T.Optional(ProblemSchema) });

export const SubmitBatchBody = T.Object(
  {
    jobs: T.Array(SubmitJobBody, {
      minItems: 1,
      maxItems: 1000,
      description: "Each as POST /jobs takes it; idempotency_key per job (there is no header).",
    }),
  },
  Strict,
);
export type SubmitBatch = Static<typeof SubmitBatchBody>;
export const SubmitBatchResultSchema = ItemResult({
  /** The job stored, or the one already stored under its idempotency key (created: false). */
  job: T.Optional(JobSchema),
  created: T.Optional(T.Boolean()),
});
export type SubmitBatchResult = Static<typeof SubmitBatchResultSchema>;
export const SubmitBatchResponse = T.Object({
  /** One per job asked for, in the same order. */
  results: T.Array(SubmitBatchResultSchema),
});

export const ReportResultSchema = ItemResult({
  job_id: T.String(),
  ok: T.Boolean(),
  state: T.Optional(JobStateSchema),
  lease_expires_at: T.Optional(T.String()),
  lease_ms: T.Optional(LeaseMs),
  cancel_requested: T.Optional(T.Boolean()),
});
export type ReportResult = Static<typeof ReportResultSchema>;
export const ReportResponse = T.Object({
  results: T.Array(ReportResultSchema),
  /** Present when the report asked to claim: the jobs leased, possibly none (it does not wait). */
  jobs: T.Optional(T.Array(ClaimedJobSchema)),
});

export const LogAppendBody = T.Object(
  {
    ...LeaseHolder,
    offset: T.Integer({ minimum: 0 }),
    data: T.String({ maxLength: 1_048_576 }),
  },
  Strict,
);
export type LogAppend = Static<typeof LogAppendBody>;
export const LogAppendResponse = T.Object({ length: T.Integer() });

export const LogQuery = T.Object(
  {
    attempt: T.Optional(T.Integer({ minimum: 1 })),
    offset: T.Optional(T.Integer({ minimum: 0 })),
    follow: T.Optional(T.Union([T.Literal("1"), T.Literal("0"), T.Literal("true"), T.Literal("false")])),
  },
  Strict,
);

export const RegisterWorkerBody = T.Object(
  {
    worker_id: T.Optional(Id),
    hostname: T.Optional(T.String({ maxLength: 255 })),
    tags: T.Optional(Tags),
    capacity: T.Integer({ minimum: 1, maximum: 1000 }),
    version: T.Optional(T.String({ maxLength: 64 })),
  },
  Strict,
);
export type RegisterWorker = Static<typeof RegisterWorkerBody>;

export const WorkerIdParams = T.Object({ id: Id });
export const ControlBody = T.Object(
  {
    wait_s: T.Optional(T.Number({ minimum: 0, maximum: 120 })),
    known_cancel: T.Optional(
      T.Array(Id, { maxItems: 10_000, description: "Cancels the worker already acted on." }),
    ),
    known_drain: T.Optional(T.Boolean({ description: "The worker already knows it is draining." })),
  },
  Strict,
);
export const ControlResponse = T.Object({
  cancel: T.Array(T.String(), {
    description: "Jobs the worker holds that are being canceled: stop them now.",
  }),
  drain: T.Boolean({ description: "Stop claiming, finish the running jobs, exit." }),
});
export type ControlAnswer = Static<typeof ControlResponse>;

export const WorkerSchema = T.Object({
  id: T.String(),
  hostname: T.String(),
  tags: T.Array(T.String()),
  capacity: T.Integer(),
  running: T.Integer(),
  version: Nullable(T.String()),
  registered_at: T.String(),
  last_seen_at: T.String(),
  status: T.Union([T.Literal("active"), T.Literal("lost")]),
  draining: T.Optional(
    T.Boolean({ description: "An operator asked it to drain (flowy-client workers drain)." }),
  ),
  bundles: T.Optional(
    T.Array(T.Object({ name: T.String(), ...BundleOnWorkerFields }), {
      description: "What the worker last reported of its bundles: installed versions and failed installs.",
    }),
  ),
});
export type Worker = Static<typeof WorkerSchema>;
export const WorkersResponse = T.Object({ workers: T.Array(WorkerSchema) });

const TimeBound = (description: string) => T.Optional(T.String({ format: "date-time", description }));
export const ListJobsQuery = T.Object(
  {
    state: T.Optional(T.String({ description: "One state or a comma-separated list." })),
    tag: T.Optional(
      T.String({
        maxLength: 2000,
        pattern: "^[A-Za-z0-9_.:/=-]+(,[A-Za-z0-9_.:/=-]+)*$",
        description: "A tag, or comma-separated tags: jobs carrying all of them.",
      }),
    ),
    id: T.Optional(
      T.String({ maxLength: 26, pattern: "^[0-9a-z]+$", description: "A prefix of the job's id." }),
    ),
    name: T.Optional(T.String({ maxLength: 200, description: "A part of the name (case-insensitive)." })),
    worker_id: T.Optional(Id),
    concurrency_key: T.Optional(
      T.String({ minLength: 1, maxLength: 200, description: "Jobs of this concurrency key." }),
    ),
    schedule: T.Optional(
      T.String({
        minLength: 1,
        maxLength: 200,
        description: "Jobs this schedule enqueued (of the runs it keeps: the newest 100).",
      }),
    ),
    error: T.Optional(
      T.String({ minLength: 1, maxLength: 200, description: "A part of the error text (case-insensitive)." }),
    ),
    created_after: TimeBound("Created at or after this time."),
    created_before: TimeBound("Created before this time."),
    finished_after: TimeBound("Finished at or after this time."),
    finished_before: TimeBound("Finished before this time."),
    sort: T.Optional(
      T.Union([T.Literal("created"), T.Literal("finished"), T.Literal("duration")], {
        description: "created (default), finished or duration; the last two list finished jobs only.",
      }),
    ),
    order: T.Optional(
      T.Union([T.Literal("desc"), T.Literal("asc")], { description: "desc (default) or asc." }),
    ),
    limit: T.Optional(T.Integer({ minimum: 1, maximum: 500 })),
    cursor: T.Optional(T.String({ maxLength: 200, description: "next_cursor of the previous page." })),
  },
  Strict,
);
export type ListJobs = Static<typeof ListJobsQuery>;

/** What a bulk action looks at: the search's filters (no page or sort), or a selection of ids. */
export const BulkFilterSchema = T.Composite(
  [
    T.Omit(ListJobsQuery, ["cursor", "limit", "sort", "order"]),
    T.Object({
      ids: T.Optional(
        T.Array(Id, { minItems: 1, maxItems: 1000, uniqueItems: true, description: "A selection." }),
      ),
    }),
  ],
  Strict,
);
export type BulkFilter = Static<typeof BulkFilterSchema>;
export const BulkActionRequest = T.Object(
  {
    action: T.Union([T.Literal("cancel"), T.Literal("requeue"), T.Literal("delete")]),
    filter: BulkFilterSchema,
    dry_run: T.Optional(T.Boolean({ description: "Only count what it would look at." })),
  },
  Strict,
);
export type BulkAction = Static<typeof BulkActionRequest>;
export const BulkProgressSchema = T.Object({
  id: Nullable(T.String({ description: "null for a dry run." })),
  action: T.String(),
  state: T.Union([T.Literal("counted"), T.Literal("running"), T.Literal("finished"), T.Literal("failed")]),
  matched: T.Integer(),
  done: T.Integer(),
  changed: T.Integer(),
  unchanged: T.Integer(),
  refused: T.Integer(),
  errors: T.Array(T.Object({ job_id: T.String(), message: T.String() })),
  started_at: Nullable(T.String()),
  finished_at: Nullable(T.String()),
});
export type BulkProgressWire = Static<typeof BulkProgressSchema>;
export const BulkIdParams = T.Object({ id: T.String({ format: "uuid" }) }, Strict);
export const ListJobsResponse = T.Object({ jobs: T.Array(JobSchema), next_cursor: Nullable(T.String()) });

export const GetJobQuery = T.Object(
  {
    wait_s: T.Optional(T.Number({ minimum: 0, maximum: 60 })),
    version: T.Optional(T.Integer({ minimum: 0 })),
  },
  Strict,
);

export const RunningQuery = T.Object({ worker_id: Id }, Strict);

const Concurrency = T.Integer({
  minimum: 1,
  maximum: 100_000,
  description: "Jobs of a matching key running at once.",
});
const RateText = T.String({
  pattern: RATE_PATTERN,
  description: "Starts of a matching key per window: N/s, N/min or N/h (any window of that length).",
  examples: ["100/min"],
});

/** A limit as declared: a concurrency, a rate, or both (at least one). */
export const SetLimitBody = T.Object(
  { key: KeyPattern, concurrency: T.Optional(Concurrency), rate: T.Optional(RateText) },
  Strict,
);
export type SetLimit = Static<typeof SetLimitBody>;
export const LimitSchema = T.Object({
  key: T.String(),
  concurrency: Nullable(T.Integer({ description: "null: no cap on jobs running at once." })),
  rate: Nullable(T.String({ description: "null: no rate." })),
  window_starts: T.Optional(
    T.Integer({ description: "With a rate: the most starts one matching key has in its current window." }),
  ),
  window_key: T.Optional(Nullable(T.String({ description: "The key with those starts." }))),
});
export type Limit = Static<typeof LimitSchema>;
export const LimitsResponse = T.Object({ limits: T.Array(LimitSchema) });
export const LimitParams = T.Object({ key: KeyPattern }, Strict);

export const ConcurrencyKeySchema = T.Object(
  {
    key: T.String(),
    limit: Nullable(
      T.Integer({
        description: "Jobs of this key that may run at once; null: no cap (a pattern with only a rate).",
      }),
    ),
    limit_from: T.Union([T.Literal("job"), T.Literal("declared"), T.Literal("default")], {
      description:
        "Where the limit comes from: the jobs' own concurrency_limit, a declared pattern, or the default.",
    }),
    pattern: Nullable(T.String({ description: "The declared pattern the limit comes from." })),
    in_use: T.Integer({ description: "Jobs of this key running (or cancelling) now." }),
    waiting: T.Integer({ description: "Pending jobs of this key." }),
  },
  { title: "ConcurrencyKey" },
);
export type ConcurrencyKey = Static<typeof ConcurrencyKeySchema>;
export const ConcurrencyKeysResponse = T.Object({ keys: T.Array(ConcurrencyKeySchema) });

export const ExplainSchema = T.Object({
  job_id: T.String(),
  state: JobStateSchema,
  reason: T.Union(
    [
      "running",
      "finished",
      "awaiting_parent",
      "scheduled",
      "paused",
      "no_worker",
      "no_bundle",
      "concurrency_limit",
      "rate_limited",
      "in_line",
    ].map((r) => T.Literal(r)),
  ),
  message: T.String({ description: "One sentence naming what is in the way." }),
  details: T.Record(T.String(), T.Unknown()),
});
export type Explain = Static<typeof ExplainSchema>;

export const PauseTagBody = T.Object({ tag: Tag }, Strict);
export const TagParams = T.Object({ tag: Tag }, Strict);
export const PausedTagSchema = T.Object({ tag: T.String(), paused_at: T.String() });
export type PausedTag = Static<typeof PausedTagSchema>;
export const PausedTagsResponse = T.Object({ paused_tags: T.Array(PausedTagSchema) });

export const StatsSchema = T.Object({
  states: T.Record(T.String(), T.Integer()),
  queues: T.Array(T.Object({ tags: T.Array(T.String()), pending: T.Integer() })),
  workers: T.Object({ active: T.Integer(), lost: T.Integer() }),
  paused_tags: T.Array(PausedTagSchema, { description: "Tags whose jobs are not being claimed." }),
});
export type Stats = Static<typeof StatsSchema>;

export const JobIdParams = T.Object({ id: Id }, Strict);

export const ThroughputQuery = T.Object(
  { minutes: T.Optional(T.Integer({ minimum: 1, maximum: 1440, default: 60 })) },
  Strict,
);
const FinishedCounts = {
  succeeded: T.Integer(),
  failed: T.Integer(),
  timed_out: T.Integer(),
  canceled: T.Integer(),
};
export const ThroughputSchema = T.Object({
  bucket_s: T.Integer(),
  buckets: T.Array(T.Object({ at: T.String(), ...FinishedCounts }), {
    description: "Oldest first; a bucket's `at` is its start.",
  }),
});
export type Throughput = Static<typeof ThroughputSchema>;

/** A schedule's job: everything a submit takes, except what only one job can have. */
export const JobTemplateSchema = T.Omit(SubmitJobBody, ["run_at", "parent_id", "idempotency_key"], {
  ...Strict,
  title: "JobTemplate",
});
export type JobTemplateBody = Static<typeof JobTemplateSchema>;
export const OVERLAP_POLICIES = ["skip", "allow", "cancel-previous"] as const;
export const CATCH_UP_POLICIES = ["none", "one", "all"] as const;
const OverlapSchema = T.Union(
  OVERLAP_POLICIES.map((p) => T.Literal(p)),
  {
    description:
      "When the previous job of the schedule has not finished at a tick: skip the tick, allow a second job, or cancel-previous (cancel it, then enqueue).",
  },
);
const CatchUpSchema = T.Union(
  CATCH_UP_POLICIES.map((p) => T.Literal(p)),
  {
    description:
      "Ticks missed while the server was down (over a minute late): none run, one (the latest), or all (the latest catch_up_max).",
  },
);

export const CreateScheduleBody = T.Object(
  {
    name: Id,
    cron: T.String({
      minLength: 1,
      maxLength: 256,
      description: 'Five fields ("0 3 * * *"), or six with seconds first ("*/10 * * * * *"); croner syntax.',
    }),
    tz: T.Optional(T.String({ minLength: 1, maxLength: 64, description: "IANA time zone; default UTC." })),
    overlap: T.Optional(OverlapSchema),
    catch_up: T.Optional(CatchUpSchema),
    catch_up_max: T.Optional(
      T.Integer({ minimum: 1, maximum: 1000, description: "With catch_up all; default 10." }),
    ),
    paused: T.Optional(T.Boolean()),
    job: JobTemplateSchema,
  },
  Strict,
);
export type CreateSchedule = Static<typeof CreateScheduleBody>;

export const ScheduleTickSchema = T.Object({
  tick_at: T.String(),
  job_id: Nullable(T.String()),
  manual: T.Boolean({ description: "A trigger, not a cron tick." }),
  note: Nullable(T.String({ description: "Why the tick enqueued no job, or what else it did." })),
});
export const ScheduleSchema = T.Object(
  {
    name: T.String(),
    cron: T.String(),
    tz: T.String(),
    overlap: OverlapSchema,
    catch_up: CatchUpSchema,
    catch_up_max: T.Integer(),
    paused: T.Boolean(),
    job: JobTemplateSchema,
    last_tick_at: Nullable(T.String()),
    next_tick_at: Nullable(T.String({ description: "Null while paused." })),
    last_job_id: Nullable(T.String()),
    created_at: T.String(),
    updated_at: T.String(),
    next_runs: T.Optional(T.Array(T.String(), { description: "The next few ticks (show only)." })),
    recent: T.Optional(
      T.Array(ScheduleTickSchema, { description: "Recent ticks, newest first (show only)." }),
    ),
    last_job_state: T.Optional(Nullable(JobStateSchema)),
  },
  { title: "Schedule" },
);
export type Schedule = Static<typeof ScheduleSchema>;
export const SchedulesResponse = T.Object({ schedules: T.Array(ScheduleSchema) });
export const ScheduleNameParams = T.Object({ name: Id }, Strict);
