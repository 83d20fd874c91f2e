/**
 * What a submit stores: defaults filled in, the spec checked, the first state chosen
 * (pending, scheduled when run_at is in the future, awaiting when it has a parent).
 */
import { createHash } from "node:crypto";
import { type BundleRef, parseBundleRef } from "../../shared/bundle-ref.ts";
import { FlowyError } from "../../shared/errors.ts";
import { newJobId } from "../../shared/ids.ts";
import type { JobSpec, SubmitJob } from "../../shared/protocol.ts";
import { type Backoff, backoffProblem } from "../../shared/retry-policy.ts";
import type { JobState } from "../../shared/states.ts";
import { checkWorkflow } from "../../shared/workflow/plan.ts";
import type { NewJob } from "../store/store.ts";
import { checkBundleName, checkBundleVersion } from "./bundle-rules.ts";
import { NOT_YET_RUN } from "./job-transitions.ts";

export interface JobDefaults {
  maxAttempts: number;
  backoff: Backoff;
  leaseS: number;
  timeoutS: number | null;
}

export function checkSpec(spec: JobSpec, inputs: Record<string, unknown> = {}): void {
  const kinds = (["command", "shell", "workflow"] as const).filter((k) => spec[k] !== undefined);
  if (kinds.length !== 1) {
    throw new FlowyError(
      "invalid-request",
      kinds.length === 0
        ? "spec names nothing to run"
        : `spec names more than one thing to run (${kinds.join(", ")})`,
      'Give exactly one of spec.command (an argv array), spec.shell (a string) or spec.workflow, e.g. {"spec": {"command": ["echo", "hi"]}}',
    );
  }
  if (spec.flow !== undefined && spec.workflow === undefined) {
    throw new FlowyError(
      "invalid-request",
      "spec.flow is set but spec.workflow is not",
      "spec.flow picks a flow of spec.workflow; drop it or add the workflow.",
    );
  }
  // Throws a WorkflowError (a 400) naming the line when the file's text was sent ({source}).
  if (spec.workflow !== undefined) checkWorkflow(spec.workflow, { flow: spec.flow, inputs });
}

/** spec.bundle as stored on the job (name, pinned version); null names for a job without one. */
export function planBundle(spec: JobSpec): BundleRef | { name: null; version: null } {
  if (spec.bundle === undefined) return { name: null, version: null };
  const ref = parseBundleRef(spec.bundle);
  checkBundleName(ref.name);
  if (ref.version !== null) checkBundleVersion(ref.version);
  return ref;
}

function checkBackoff(backoff: Backoff | undefined): void {
  const problem = backoff && backoffProblem(backoff);
  if (problem) {
    throw new FlowyError(
      "invalid-request",
      problem,
      'Give max_s at least initial_s, e.g. {"initial_s": 1, "max_s": 300, "factor": 2}.',
    );
  }
}

export function defaultName(spec: JobSpec): string {
  if (spec.command) return spec.command.join(" ").slice(0, 200);
  if (spec.shell) return spec.shell.split("\n")[0]!.slice(0, 200);
  return spec.flow ?? "workflow";
}

export function parseRunAt(runAt: string | undefined): number | null {
  if (runAt === undefined) return null;
  const ms = Date.parse(runAt);
  if (Number.isNaN(ms)) {
    throw new FlowyError(
      "invalid-request",
      `run_at is not a time: ${runAt}`,
      "Use ISO-8601, e.g. 2030-01-01T12:00:00Z.",
    );
  }
  return ms;
}

/** Hash of what was asked for, so a reused Idempotency-Key with a different body is caught. */
export function requestHash(body: SubmitJob): string {
  const { idempotency_key: _key, ...rest } = body;
  return createHash("sha256").update(canonicalJson(rest)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function initialState(runAt: number | null, hasParent: boolean, now: number): JobState {
  if (hasParent) return "awaiting";
  return runAt !== null && runAt > now ? "scheduled" : "pending";
}

export function planSubmit(body: SubmitJob, key: string | null, defaults: JobDefaults, now: number): NewJob {
  checkSpec(body.spec, body.inputs ?? {});
  checkBackoff(body.backoff);
  if (body.concurrency_limit !== undefined && body.concurrency_key === undefined) {
    throw new FlowyError(
      "invalid-request",
      "concurrency_limit is set but concurrency_key is not",
      'A limit counts the running jobs of one key: add one, e.g. "concurrency_key": "customer-42".',
    );
  }
  const runAt = parseRunAt(body.run_at);
  const bundle = planBundle(body.spec);
  return {
    id: newJobId(now),
    name: body.name ?? defaultName(body.spec),
    state: initialState(runAt, body.parent_id !== undefined, now),
    tags: [...(body.tags ?? [])].sort(),
    priority: body.priority ?? 0,
    spec: body.spec,
    inputs: body.inputs ?? {},
    attempt: 0,
    maxAttempts: body.max_attempts ?? defaults.maxAttempts,
    backoff: body.backoff ?? defaults.backoff,
    timeoutS: body.timeout_s ?? defaults.timeoutS,
    leaseS: body.lease_s ?? defaults.leaseS,
    runAt,
    parentId: body.parent_id ?? null,
    concurrencyKey: body.concurrency_key ?? null,
    concurrencyLimit: body.concurrency_limit ?? null,
    bundleName: bundle.name,
    bundleVersion: bundle.version,
    idempotencyKey: key,
    requestHash: key === null ? null : requestHash(body),
    createdAt: now,
    ...NOT_YET_RUN,
  };
}
