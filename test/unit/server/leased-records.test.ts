import { describe, expect, it } from "vitest";
import { LeasedRecords } from "../../../server/service/leased-records.ts";
import type { JobRecord } from "../../../server/store/store.ts";

const job = (id: string, version = 1) => ({ id, version }) as JobRecord;

describe("LeasedRecords", () => {
  it("keeps the latest record of each job and forgets on request", () => {
    const records = new LeasedRecords();
    records.remember([job("a"), job("b")]);
    records.remember([job("a", 2)]);
    expect(records.get("a")?.version).toBe(2);
    records.forget("a");
    expect(records.get("a")).toBeUndefined();
    expect(records.size).toBe(1);
  });

  it("drops the least recently written records beyond its limit", () => {
    const records = new LeasedRecords(3);
    records.remember([job("a"), job("b"), job("c")]);
    records.remember([job("a", 2)]);
    records.remember([job("d")]);
    expect(records.size).toBe(3);
    expect(records.get("b")).toBeUndefined();
    expect(records.get("a")?.version).toBe(2);
    expect(records.get("d")).toBeDefined();
  });
});
