import { decodeTime, isValid, ulid } from "ulid";
import { describe, expect, it } from "vitest";
import { JOB_ID_PATTERN, jobIdFloor, newJobId } from "../../../shared/ids.ts";

const T = 1_700_000_000_000;

describe("job ids", () => {
  it("are lower-case ULIDs that carry their time", () => {
    const id = newJobId(T + 5_000_000);
    expect(id).toMatch(new RegExp(JOB_ID_PATTERN));
    expect(isValid(id.toUpperCase())).toBe(true);
    expect(decodeTime(id.toUpperCase())).toBe(T + 5_000_000);
  });

  it("sort in the order they were made, within a millisecond and when the clock steps back", () => {
    const at = T + 6_000_000;
    const ids = [
      newJobId(at),
      ...Array.from({ length: 1000 }, () => newJobId(at)),
      newJobId(at - 10_000),
      newJobId(at + 1),
    ];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(decodeTime(ids.at(-2)!.toUpperCase())).toBe(at);
  });

  it("use their random part evenly", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 3200; i++) {
      const digit = newJobId(T + 7_000_000 + i).slice(10, 11);
      counts.set(digit, (counts.get(digit) ?? 0) + 1);
    }
    expect(counts.size).toBe(32);
    for (const n of counts.values()) expect(n).toBeGreaterThan(40);
  });

  it("have a floor at each time that every earlier id is below and every later one above", () => {
    const floor = jobIdFloor(T + 8_000_000);
    expect(ulid(T + 8_000_000 - 1).toLowerCase() < floor).toBe(true);
    expect(ulid(T + 8_000_000).toLowerCase() >= floor).toBe(true);
    expect(decodeTime(floor.toUpperCase())).toBe(T + 8_000_000);
  });
});
