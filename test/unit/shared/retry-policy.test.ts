import { describe, expect, it } from "vitest";
import { hasAttemptsLeft, retryDelayMs } from "../../../shared/retry-policy.ts";

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

  it("counts attempts against max_attempts", () => {
    expect(hasAttemptsLeft(1, 3)).toBe(true);
    expect(hasAttemptsLeft(3, 3)).toBe(false);
  });
});
