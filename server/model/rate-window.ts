/**
 * Rate limits per concurrency key, as both stores apply them: a sliding log of start times per
 * key. A claim of a key's job may start it only while fewer than the rate's limit of the key's
 * logged starts lie in the last window (t > now - window); each start is logged by the claim that
 * makes it, and the log is pruned of starts that left the window as it is written. Exact: no
 * window of that length ever holds more starts than the limit. The rate of a key is the one of the
 * declared limit that governs it (concurrency.ts: the exact key, then the longest glob); none, no
 * rate. This module holds the rules in TS, for explain, listings and the claim waiters' wake-up.
 */
import type { Rate } from "../../shared/rate.ts";
import { declaredFor } from "./concurrency.ts";
import type { ConcurrencyLimitRecord } from "./records.ts";

/** The rate of a key, and the pattern declaring it; undefined when no governing limit has one. */
export function rateFor(
  key: string,
  declared: ConcurrencyLimitRecord[],
): { rate: Rate; pattern: string } | undefined {
  const best = declaredFor(key, declared);
  return best?.rate ? { rate: best.rate, pattern: best.pattern } : undefined;
}

/** The logged starts still inside the window that ends at `now`, oldest first. */
export function startsInWindow(starts: readonly number[], rate: Rate, now: number): number[] {
  return starts.filter((t) => t > now - rate.windowMs).sort((a, b) => a - b);
}

/**
 * When the key may start a job again: null when it may now; else the time the oldest start that
 * keeps the window full leaves it.
 */
export function nextStartAt(starts: readonly number[], rate: Rate, now: number): number | null {
  const inWindow = startsInWindow(starts, rate, now);
  if (inWindow.length < rate.limit) return null;
  return inWindow[inWindow.length - rate.limit]! + rate.windowMs;
}
