import { describe, expect, it } from "vitest";
import { freedKey, limitFor, patternMatches } from "../../../server/model/concurrency.ts";

describe("concurrency key rules", () => {
  it("matches * as any characters and everything else as itself", () => {
    expect(patternMatches("customer-*", "customer-42")).toBe(true);
    expect(patternMatches("customer-*", "customer-")).toBe(true);
    expect(patternMatches("customer-*", "vip-customer-1")).toBe(false);
    expect(patternMatches("a.b", "axb")).toBe(false);
    expect(patternMatches("x_y", "xzy")).toBe(false);
    expect(patternMatches("*-eu", "shop-eu")).toBe(true);
  });

  it("takes the job's own limit, else the exact key, else the longest pattern, else 1", () => {
    const declared = [
      { pattern: "customer-*", concurrency: 2, rate: null },
      { pattern: "customer-4*", concurrency: 3, rate: null },
      { pattern: "customer-42", concurrency: 1, rate: null },
    ];
    const job = (key: string, own: number | null = null) => ({ concurrencyKey: key, concurrencyLimit: own });
    expect(limitFor(job("customer-42", 7), declared)).toEqual({ limit: 7, from: "job" });
    expect(limitFor(job("customer-42"), declared).limit).toBe(1);
    expect(limitFor(job("customer-43"), declared)).toEqual({
      limit: 3,
      from: "declared",
      pattern: "customer-4*",
    });
    expect(limitFor(job("customer-7"), declared).limit).toBe(2);
    expect(limitFor(job("other"), declared)).toEqual({ limit: 1, from: "default" });
  });

  it("frees a slot only when a keyed job leaves the leased states", () => {
    const move = (
      state: "running" | "cancelling" | "pending",
      to: "succeeded" | "cancelling" | "running" | undefined,
      key: string | null = "k",
    ) => freedKey({ job: { state, concurrencyKey: key }, patch: to === undefined ? {} : { state: to } });
    expect(move("running", "succeeded")).toBe("k");
    expect(move("cancelling", "succeeded")).toBe("k");
    expect(move("running", "cancelling")).toBeNull();
    expect(move("running", undefined)).toBeNull();
    expect(move("pending", "running")).toBeNull();
    expect(move("running", "succeeded", null)).toBeNull();
  });
});
