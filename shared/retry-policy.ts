/**
 * The retry policy, in one place: how long a failed attempt waits before the next one.
 * Exponential growth from `initial_s` by `factor`, capped at `max_s`, with "equal jitter"
 * (half fixed, half random) so retries of many jobs that failed together spread out but never
 * come back sooner than half the nominal delay.
 */

export interface Backoff {
  initial_s: number;
  max_s: number;
  factor: number;
}

export const DEFAULT_BACKOFF: Backoff = { initial_s: 1, max_s: 300, factor: 2 };
export const DEFAULT_MAX_ATTEMPTS = 3;

/** Delay in ms before the attempt that follows attempt number `attempt` (1-based). */
export function retryDelayMs(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  // factor ** exponent overflows to Infinity after a few hundred attempts; 0 × Infinity is NaN,
  // and a NaN run_at would leave the job scheduled forever. Growth past max_s is just max_s.
  const grown = backoff.initial_s === 0 ? 0 : backoff.initial_s * backoff.factor ** exponent;
  const capped = Math.min(backoff.max_s, Number.isFinite(grown) ? grown : backoff.max_s);
  const nominal = Math.max(0, capped) * 1000;
  return Math.round(nominal / 2 + (random() * nominal) / 2);
}

/** Why a backoff cannot be used, or undefined when it can (the schema bounds each field alone). */
export function backoffProblem(backoff: Backoff): string | undefined {
  if (backoff.max_s < backoff.initial_s)
    return `backoff.max_s (${backoff.max_s}) is less than backoff.initial_s (${backoff.initial_s})`;
  return undefined;
}

export function hasAttemptsLeft(attempt: number, maxAttempts: number): boolean {
  return attempt < maxAttempts;
}
