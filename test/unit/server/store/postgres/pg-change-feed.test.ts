import { describe, expect, it } from "vitest";
import type { JobChange } from "../../../../../server/model/change-feed.ts";
import { channelFor, toPayloads } from "../../../../../server/store/postgres/pg-change-feed.ts";

const change = (i: number, tags: string[] = ["linux"]): JobChange => ({
  jobId: `01job${String(i).padStart(21, "0")}`,
  state: "pending",
  version: i,
  tags,
});

describe("PostgreSQL change feed payloads", () => {
  it("packs many changes into as few notifications as fit under the 8000-byte limit", () => {
    const changes = Array.from({ length: 500 }, (_, i) => change(i));
    const payloads = toPayloads(changes);
    expect(payloads.length).toBeGreaterThan(1);
    expect(payloads.length).toBeLessThan(10);
    for (const payload of payloads) expect(Buffer.byteLength(payload)).toBeLessThan(8000);
    const decoded = payloads.flatMap((p) => JSON.parse(p) as unknown[]);
    expect(decoded).toHaveLength(500);
    expect(decoded[7]).toEqual([changes[7]!.jobId, "pending", 7, ["linux"]]);
  });

  it("sends a change too big for one notification without its tags, so it wakes every waiter", () => {
    const huge = change(1, ["é".repeat(5000)]);
    const [payload] = toPayloads([huge, { ...change(2), kind: "log" }]);
    expect(JSON.parse(payload!)).toEqual([
      [huge.jobId, "pending", 1, []],
      [change(2).jobId, "pending", 2, ["linux"], "log"],
    ]);
  });

  it("keeps channel names within PostgreSQL's 63-byte identifiers", () => {
    expect(channelFor("public")).toBe("flowy_changes.public");
    expect(channelFor("s".repeat(63)).length).toBeLessThanOrEqual(63);
    expect(channelFor("s".repeat(63))).not.toBe(channelFor(`${"s".repeat(62)}t`));
  });
});
