/**
 * Turns a decision ("this job failed") into a guarded Transition, asking the state machine in
 * shared/ whether it is legal. The patches here say what each move clears or sets; the retry
 * policy says when a retried job runs again.
 */
import { FlowyError } from "../../shared/errors.ts";
import { hasAttemptsLeft, retryDelayMs } from "../../shared/retry-policy.ts";
import {
  allowedEvents,
  isLeased,
  isTerminal,
  type JobEvent,
  nextState,
  USER_EVENTS,
  userActions,
} from "../../shared/states.ts";
import type { JobPatch, JobRecord, Transition } from "../store/store.ts";

export interface TransitionContext {
  now: number;
  reason?: string | null;
  workerId?: string | null;
}

export function planTransition(
  job: JobRecord,
  event: JobEvent,
  patch: JobPatch,
  ctx: TransitionContext,
): Transition {
  const to = nextState(job.state, event);
  if (to === undefined) throw illegalTransition(job, event);
  const finished = isTerminal(to) && !isTerminal(job.state);
  return {
    job,
    patch: { ...patch, state: to, ...(finished ? { finishedAt: ctx.now } : {}) },
    history: { event, from: job.state, to, reason: ctx.reason ?? null, workerId: ctx.workerId ?? null },
  };
}

export function illegalTransition(job: JobRecord, event: JobEvent): FlowyError {
  return new FlowyError(
    "illegal-transition",
    `Job ${job.id} is ${job.state}; it cannot ${event.replaceAll("_", " ")}`,
    USER_EVENTS.includes(event) ? userHint(job, event) : systemHint(job),
    { state: job.state, job_id: job.id },
  );
}

/** For a person: what they can do instead, as commands. */
function userHint(job: JobRecord, event: JobEvent): string {
  if (job.state === "running")
    return `It is running: cancel it first (flowy-client cancel ${job.id}), then ${event} it once it has stopped.`;
  if (isLeased(job.state))
    return `Its worker is stopping it: wait for that (flowy-client wait ${job.id}), then ${event} it.`;
  const actions = userActions(job.state).filter((action) => action !== event);
  return actions.length
    ? `A ${job.state} job can be: ${actions.map((a) => `flowy-client ${a} ${job.id}`).join(", ")}.`
    : `A ${job.state} job cannot be changed.`;
}

/** For a worker's report: the moves the state machine allows. */
function systemHint(job: JobRecord): string {
  const allowed = allowedEvents(job.state);
  return allowed.length
    ? `A ${job.state} job allows: ${allowed.join(", ")}.`
    : `A ${job.state} job cannot be changed.`;
}

const LEASE_CLEARED: JobPatch = { leaseExpiresAt: null, deadlineAt: null };

/** A failure (reported, lease expired): retry after backoff while attempts remain. */
export function planFailure(
  job: JobRecord,
  kind: "fail" | "lease_expired",
  patch: JobPatch,
  ctx: TransitionContext & { retryable: boolean; random?: () => number },
): Transition {
  const retry = ctx.retryable && hasAttemptsLeft(job.attempt, job.maxAttempts);
  const event: JobEvent = `${kind}_${retry ? "retry" : "final"}`;
  const runAt = retry ? ctx.now + retryDelayMs(job.attempt, job.backoff, ctx.random) : null;
  const planned = planTransition(job, event, { ...LEASE_CLEARED, ...patch }, ctx);
  // A cancelling job goes to canceled, not back to the queue: runAt only matters when it is retried.
  if (planned.patch.state === "scheduled") planned.patch.runAt = runAt;
  return planned;
}

export function planCompletion(job: JobRecord, patch: JobPatch, ctx: TransitionContext): Transition {
  return planTransition(job, "complete", { ...LEASE_CLEARED, ...patch }, ctx);
}

export function planTimeout(job: JobRecord, patch: JobPatch, ctx: TransitionContext): Transition {
  return planTransition(job, "execution_timeout", { ...LEASE_CLEARED, ...patch }, ctx);
}

/** The columns of a job that has not run yet: set at submit, restored by requeue. */
export const NOT_YET_RUN = {
  workerId: null,
  leaseToken: null,
  leaseExpiresAt: null,
  deadlineAt: null,
  startedAt: null,
  finishedAt: null,
  result: null,
  error: null,
  tasks: null,
  reported: null,
} as const satisfies JobPatch;

/**
 * A lease its worker never learned of (it hung up before the claim's answer was written): back
 * to the queue at once with the attempt given back, instead of held until the lease expires and
 * counted as a run that never happened.
 */
export function planRelease(job: JobRecord, ctx: TransitionContext): Transition {
  return planTransition(
    job,
    "release",
    { ...LEASE_CLEARED, workerId: null, leaseToken: null, startedAt: null, attempt: job.attempt - 1 },
    ctx,
  );
}

/** Back to pending with a fresh attempt count, as if newly submitted. */
export function planRequeue(job: JobRecord, ctx: TransitionContext): Transition {
  return planTransition(job, "requeue", { ...NOT_YET_RUN, attempt: 0, runAt: null }, ctx);
}
