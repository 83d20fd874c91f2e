/**
 * Concurrency keys, as both stores apply them: a job with a key runs only while fewer than its
 * limit of the key's jobs are leased. The limit is the job's own (`concurrency_limit`), else the
 * declared limit of the most specific pattern matching the key (an exact key, then the longest
 * glob), else 1. The SQL of each store follows these rules; this module holds the pieces in TS.
 */
import { isLeased, type JobState } from "../../shared/states.ts";
import type { JobRecord } from "./records.ts";

/** A transition as far as slots go: the job as read, and the state the patch moves it to. */
interface Move {
  job: Pick<JobRecord, "state" | "concurrencyKey">;
  patch: { state?: JobState };
}

/** The limit a job gets when neither it nor a declared pattern names one. */
export const DEFAULT_CONCURRENCY = 1;

/** The key whose slot a transition frees: a keyed job leaving the leased states. */
export function freedKey(t: Move): string | null {
  const to = t.patch.state;
  if (t.job.concurrencyKey === null || to === undefined) return null;
  return isLeased(t.job.state) && !isLeased(to) ? t.job.concurrencyKey : null;
}
