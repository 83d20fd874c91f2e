import { describe, expect, it } from "vitest";
import { formatDuration, parseAt, parseDuration } from "../../../client/cli/duration.ts";

describe("durations and times", () => {
  it.each([
    ["90", 90_000],
    ["1.5", 1500],
    ["90s", 90_000],
    ["1m30s", 90_000],
    ["1h 30m", 5_400_000],
    ["500ms", 500],
    ["2d", 172_800_000],
  ])("parses %s", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "soon", "5 minutes", "m5", "-5s"])("rejects %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it("reads --at as a delay from now or an ISO-8601 time", () => {
    const now = Date.parse("2030-01-01T00:00:00Z");
    expect(parseAt("+10m", now)).toBe("2030-01-01T00:10:00.000Z");
    expect(parseAt("in 2h", now)).toBe("2030-01-01T02:00:00.000Z");
    expect(parseAt("2030-02-03T04:05:06+01:00", now)).toBe("2030-02-03T03:05:06.000Z");
    expect(() => parseAt("12345", now)).toThrow(/is not a time/);
  });

  it.each([
    [0, "0.0s"],
    [1234, "1.2s"],
    [42_000, "42s"],
    [65_000, "1m 05s"],
    [3_723_000, "1h 02m"],
    [90_000_000, "1d 01h"],
  ])("formats %d ms as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
