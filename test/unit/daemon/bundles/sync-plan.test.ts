import { describe, expect, it } from "vitest";
import type { Bundle } from "../../../../shared/bundle-protocol.ts";
import { pickInstalled, planSync } from "../../../../daemon/bundles/sync-plan.ts";

function bundle(name: string, version: string, tags: string[] = []): Bundle {
  return {
    name,
    version,
    tags,
    sha256: "0".repeat(64),
    size: 1,
    setup: null,
    created_at: "",
    uploaded_by: null,
  };
}

const base = {
  tags: ["cpu"],
  installed: new Set<string>(),
  inUse: new Set<string>(),
  retryAt: new Map(),
  now: 1000,
};

describe("planSync", () => {
  it("wants the highest version of each name meant for the daemon's tags (semver, not text order)", () => {
    const plan = planSync({
      ...base,
      available: [
        bundle("etl", "1.9.0", ["cpu"]),
        bundle("etl", "1.10.0", ["cpu"]),
        bundle("cuda", "1.0.0", ["gpu"]),
        bundle("common", "2.0.0"),
      ],
    });
    expect([...plan.wanted].sort()).toEqual(["common@2.0.0", "etl@1.10.0"]);
    expect(plan.install.map((b) => `${b.name}@${b.version}`).sort()).toEqual(["common@2.0.0", "etl@1.10.0"]);
  });

  it("removes what is no longer wanted, but never a version a running job uses", () => {
    const plan = planSync({
      ...base,
      available: [bundle("etl", "2.0.0")],
      installed: new Set(["etl@1.0.0", "etl@2.0.0", "gone@1.0.0", "old@3.0.0"]),
      inUse: new Set(["etl@1.0.0"]),
    });
    expect(plan.install).toEqual([]);
    expect(plan.remove.sort()).toEqual(["gone@1.0.0", "old@3.0.0"]);
  });

  it("also wants every older version that unfinished jobs pin, for its tags, and lets it go after", () => {
    const pinned = (b: Bundle, jobs: number): Bundle => ({ ...b, pinned_jobs: jobs });
    const available = [
      pinned(bundle("etl", "1.0.0", ["cpu"]), 2),
      pinned(bundle("etl", "1.5.0", ["cpu"]), 0),
      bundle("etl", "2.0.0", ["cpu"]),
      pinned(bundle("cuda", "0.9.0", ["gpu"]), 5),
      bundle("cuda", "1.0.0", ["gpu"]),
    ];
    const plan = planSync({ ...base, available, installed: new Set(["etl@2.0.0"]) });
    expect([...plan.wanted].sort()).toEqual(["etl@1.0.0", "etl@2.0.0"]);
    expect(plan.install.map((b) => b.version)).toEqual(["1.0.0"]);
    // Once no job pins it (and none runs on it), the next sync removes it.
    const after = available.map((b) => ({ ...b, pinned_jobs: 0 }));
    const later = planSync({ ...base, available: after, installed: new Set(["etl@1.0.0", "etl@2.0.0"]) });
    expect(later.remove).toEqual(["etl@1.0.0"]);
  });

  it("waits out a failed install's backoff before trying again", () => {
    const inputs = { ...base, available: [bundle("etl", "1.0.0")], retryAt: new Map([["etl@1.0.0", 2000]]) };
    expect(planSync(inputs).install).toEqual([]);
    expect(planSync({ ...inputs, now: 2000 }).install).toHaveLength(1);
  });
});

describe("pickInstalled", () => {
  it("takes the pinned version, or the highest installed for a job naming only the bundle", () => {
    const installed = ["etl@1.9.0", "etl@1.10.0", "etl-tools@9.0.0"];
    expect(pickInstalled("etl", null, installed)).toBe("1.10.0");
    expect(pickInstalled("etl", "1.9.0", installed)).toBe("1.9.0");
    expect(pickInstalled("etl", "1.0.0", installed)).toBeUndefined();
    expect(pickInstalled("other", null, installed)).toBeUndefined();
  });
});
