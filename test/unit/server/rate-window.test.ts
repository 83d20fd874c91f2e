import { describe, expect, it } from "vitest";
import { formatRate, parseRate } from "../../../shared/rate.ts";
import { nextStartAt, rateFor, startsInWindow } from "../../../server/model/rate-window.ts";

const perSecond2 = { limit: 2, windowMs: 1_000 };

describe("rate limits: the sliding log's rules", () => {
  it("reads and writes rates as people do", () => {
    expect(parseRate("100/min")).toEqual({ limit: 100, windowMs: 60_000 });
    expect(parseRate("5/s")).toEqual({ limit: 5, windowMs: 1_000 });
    expect(parseRate("3/h")).toEqual({ limit: 3, windowMs: 3_600_000 });
    for (const bad of ["0/s", "5/day", "5", "/min", "1.5/s", "-1/s"]) expect(parseRate(bad)).toBeUndefined();
    expect(formatRate({ limit: 100, windowMs: 60_000 })).toBe("100/min");
  });

  it("counts the starts in the window ending now, a start leaving it a window after it", () => {
    expect(startsInWindow([1_000, 400, 1_500], perSecond2, 2_000)).toEqual([1_500]);
    expect(startsInWindow([1_000, 1_500], perSecond2, 1_999)).toEqual([1_000, 1_500]);
  });

  it("names when a full window frees a start: when the start that keeps it full leaves", () => {
    expect(nextStartAt([1_000], perSecond2, 1_100)).toBeNull();
    expect(nextStartAt([1_500, 1_000], perSecond2, 1_600)).toBe(2_000);
    // Three starts in the window (the rate was lowered): two must leave before one may start.
    expect(nextStartAt([1_000, 1_200, 1_500], perSecond2, 1_600)).toBe(2_200);
  });

  it("takes the rate of the limit that governs the key, none when that one names no rate", () => {
    const declared = [
      { pattern: "api-*", concurrency: null, rate: perSecond2 },
      { pattern: "api-9", concurrency: 4, rate: null },
    ];
    expect(rateFor("api-1", declared)).toEqual({ rate: perSecond2, pattern: "api-*" });
    expect(rateFor("api-9", declared)).toBeUndefined();
    expect(rateFor("other", declared)).toBeUndefined();
  });
});
