import { describe, expect, it } from "vitest";
import { backoffProblem, hasAttemptsLeft, retryDelayMs } from "../../../shared/retry-policy.ts";

const backoff = { initial_s: 1, max_s: 60, factor: 2 };

describe("retry policy", () => {
  it("grows exponentially between half and all of the nominal delay", () => {
    expect(retryDelayMs(1, backoff, () => 0)).toBe(500);
    expect(retryDelayMs(1, backoff, () => 1)).toBe(1000);
    expect(retryDelayMs(3, backoff, () => 0)).toBe(2000);
    expect(retryDelayMs(3, backoff, () => 1)).toBe(4000);
  });

  it("is capped at max_s", () => {
    expect(retryDelayMs(30, backoff, () => 1)).toBe(60_000);
    expect(retryDelayMs(30, backoff, () => 0)).toBe(30_000);
  });

  it("stays a finite delay within max_s however many attempts, even from initial_s 0", () => {
    for (const b of [
      { initial_s: 0, max_s: 60, factor: 10 },
      { initial_s: 1, max_s: 60, factor: 10 },
    ]) {
      for (const attempt of [1, 309, 310, 400, 1000]) {
        const delay = retryDelayMs(attempt, b, () => 1);
        expect([b, attempt, Number.isFinite(delay)]).toEqual([b, attempt, true]);
        expect(delay).toBeLessThanOrEqual(60_000);
      }
    }
  });

  it("refuses a backoff whose cap is below its start", () => {
    expect(backoffProblem({ initial_s: 10, max_s: 5, factor: 2 })).toMatch(/max_s/);
    expect(backoffProblem({ initial_s: 0, max_s: 0, factor: 10 })).toBeUndefined();
  });

  it("counts attempts against max_attempts", () => {
    expect(hasAttemptsLeft(1, 3)).toBe(true);
    expect(hasAttemptsLeft(3, 3)).toBe(false);
  });
});
