/**
 * The server's records of schedules: a cron expression in a time zone and the job it enqueues at
 * each tick. camelCase, times as epoch ms, like records.ts.
 *
 * Glossary: a *tick* is one time the cron expression names; it is *due* once the clock passes it,
 * *on time* while it is less than ON_TIME_MS old (schedule-plan.ts), *missed* after that. A
 * *manual* tick is a `trigger`: it runs now and moves no cron tick.
 */
import type { SubmitJob } from "../../shared/protocol.ts";

/** What happens at a tick when the schedule's previous job has not finished. */
export type OverlapPolicy = "skip" | "allow" | "cancel-previous";
/** What happens to ticks missed while the server was down: none run, the latest, or several. */
export type CatchUpPolicy = "none" | "one" | "all";

/** Everything a submit takes, except what only one job can have (when it runs, its parent, its key). */
export type JobTemplate = Omit<SubmitJob, "run_at" | "parent_id" | "idempotency_key">;

export interface ScheduleRecord {
  name: string;
  cron: string;
  /** IANA time zone the cron expression is read in (e.g. Europe/Berlin). */
  tz: string;
  overlap: OverlapPolicy;
  catchUp: CatchUpPolicy;
  /** With catch-up `all`: at most this many missed ticks run. */
  catchUpMax: number;
  job: JobTemplate;
  paused: boolean;
  /** The newest tick that was fired (enqueued or skipped); null before the first. */
  lastTickAt: number | null;
  /** The next tick to fire; null while paused. */
  nextTickAt: number | null;
  /** The job the newest enqueued tick made: what overlap looks at. */
  lastJobId: string | null;
  createdAt: number;
  updatedAt: number;
  /** Grows on every write: the guard of a tick, so two tickers never fire one schedule twice. */
  version: number;
}

/** One fired tick: the job it enqueued, or why it enqueued none. */
export interface ScheduleTickRecord {
  scheduleName: string;
  tickAt: number;
  jobId: string | null;
  manual: boolean;
  /** Why no job was enqueued (overlap skip), or what else happened (previous job canceled). */
  note: string | null;
}
