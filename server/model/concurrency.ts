/**
 * Concurrency keys, as both stores apply them: a job with a key runs only while fewer than its
 * limit of the key's jobs are leased. The limit is the job's own (`concurrency_limit`), else the
 * declared limit of the most specific pattern matching the key (an exact key, then the longest
 * glob), else 1 (a declared limit that names only a rate leaves the key uncapped: UNCAPPED in SQL).
 * The SQL of each store follows these rules; this module holds the pieces in TS.
 */
import { isLeased, type JobState } from "../../shared/states.ts";
import type { ConcurrencyLimitRecord, JobRecord } from "./records.ts";

/** A transition as far as slots go: the job as read, and the state the patch moves it to. */
interface Move {
  job: Pick<JobRecord, "state" | "concurrencyKey">;
  patch: { state?: JobState };
}

/** The limit a job gets when neither it nor a declared pattern names one. */
export const DEFAULT_CONCURRENCY = 1;
/** The concurrency the claim statements give a key whose declared limit names none (int4's max). */
export const UNCAPPED = 2_147_483_647;

/** The key whose slot a transition frees: a keyed job leaving the leased states. */
export function freedKey(t: Move): string | null {
  const to = t.patch.state;
  if (t.job.concurrencyKey === null || to === undefined) return null;
  return isLeased(t.job.state) && !isLeased(to) ? t.job.concurrencyKey : null;
}

/** Whether a declared pattern (`*` any characters, everything else itself) matches a key. */
export function patternMatches(pattern: string, key: string): boolean {
  const escaped = pattern.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
  return new RegExp(`^${escaped.join(".*")}$`).test(key);
}

/** The declared limit that governs a key: the exact key, else the longest matching glob. */
export function declaredFor(
  key: string,
  declared: ConcurrencyLimitRecord[],
): ConcurrencyLimitRecord | undefined {
  return declared
    .filter((l) => patternMatches(l.pattern, key))
    .sort(
      (a, b) => Number(b.pattern === key) - Number(a.pattern === key) || b.pattern.length - a.pattern.length,
    )[0];
}

/**
 * The limit of a job's key, by the rules above (what the claim statements compute in SQL). A
 * declared limit with only a rate caps no concurrency: Infinity.
 */
export function limitFor(
  job: Pick<JobRecord, "concurrencyKey" | "concurrencyLimit">,
  declared: ConcurrencyLimitRecord[],
): { limit: number; from: "job" | "declared" | "default"; pattern?: string } {
  if (job.concurrencyLimit !== null) return { limit: job.concurrencyLimit, from: "job" };
  const best = declaredFor(job.concurrencyKey ?? "", declared);
  return best
    ? { limit: best.concurrency ?? Number.POSITIVE_INFINITY, from: "declared", pattern: best.pattern }
    : { limit: DEFAULT_CONCURRENCY, from: "default" };
}
