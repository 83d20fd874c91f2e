/** The batching reporter: items that arrive together share one call; each gets its own answer. */
import { describe, expect, it } from "vitest";
import { Reporter } from "../../../../daemon/leases/reporter.ts";
import type { ReportItem } from "../../../../shared/protocol.ts";

const item = (id: string): ReportItem => ({ kind: "complete", job_id: id, lease_token: "t" });

describe("Reporter", () => {
  it("sends items that arrive within the linger time in one call, answering each", async () => {
    const calls: string[][] = [];
    const reporter = new Reporter({
      lingerMs: 5,
      send: async (items) => {
        calls.push(items.map((i) => i.job_id));
        return items.map((i) => ({ job_id: i.job_id, ok: i.job_id !== "b" }));
      },
    });
    const answers = await Promise.all(["a", "b", "c"].map((id) => reporter.send(item(id))));
    expect(calls).toEqual([["a", "b", "c"]]);
    expect(answers.map((a) => a.ok)).toEqual([true, false, true]);
  });

  it("gathers what arrives while a call is in flight into the next call", async () => {
    const calls: string[][] = [];
    let release: () => void = () => {};
    const reporter = new Reporter({
      lingerMs: 0,
      concurrency: 1,
      send: async (items) => {
        calls.push(items.map((i) => i.job_id));
        if (calls.length === 1) await new Promise<void>((r) => (release = r));
        return items.map((i) => ({ job_id: i.job_id, ok: true }));
      },
    });
    const first = reporter.send(item("a"));
    await new Promise((r) => setTimeout(r, 10));
    const later = ["b", "c", "d"].map((id) => reporter.send(item(id)));
    release();
    await Promise.all([first, ...later]);
    expect(calls).toEqual([["a"], ["b", "c", "d"]]);
    expect(reporter.stats).toEqual({ calls: 2, items: 4 });
  });

  it("rejects every item of a call that failed, for the callers to retry", async () => {
    const reporter = new Reporter({
      send: async () => {
        throw new Error("unreachable");
      },
    });
    const results = await Promise.allSettled([reporter.send(item("a")), reporter.send(item("b"))]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });

  it("splits a burst into batches of at most maxBatch", async () => {
    const sizes: number[] = [];
    const reporter = new Reporter({
      maxBatch: 2,
      send: async (items) => {
        sizes.push(items.length);
        return items.map((i) => ({ job_id: i.job_id, ok: true }));
      },
    });
    await Promise.all(["a", "b", "c", "d", "e"].map((id) => reporter.send(item(id))));
    expect(Math.max(...sizes)).toBe(2);
    expect(sizes.reduce((a, b) => a + b)).toBe(5);
  });
});
