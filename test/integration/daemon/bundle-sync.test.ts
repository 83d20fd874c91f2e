/**
 * BundleSync over a real state directory, with the server's side injected (the list, the install,
 * the report): holds keep versions in place, failures are reported and retried after their
 * backoff, and a restarted sync finds what was installed and drops half-made staging directories.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { BundleSync } from "../../../daemon/bundles/bundle-sync.ts";
import type { Bundle, WorkerBundleStatus } from "../../../shared/bundle-protocol.ts";
import { tmpDir } from "../../helpers/tmp.ts";
import { bundle } from "../../helpers/bundles.ts";

function harness(root = tmpDir("flowy-bundles-")) {
  const state = {
    available: [] as Bundle[],
    failing: new Set<string>(),
    now: 0,
    installs: [] as string[],
    lists: 0,
  };
  const reports: WorkerBundleStatus[][] = [];
  const sync = new BundleSync({
    root,
    tags: ["cpu"],
    list: async () => {
      state.lists++;
      return state.available;
    },
    install: async (b) => {
      const key = `${b.name}@${b.version}`;
      state.installs.push(key);
      if (state.failing.has(key)) throw new Error(`setup of ${key} exited with 1`);
      const dir = join(root, b.name, b.version);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "VERSION"), b.version);
      return dir;
    },
    report: async (statuses) => {
      reports.push(statuses);
    },
    logger: pino({ level: "silent" }),
    intervalMs: 10_000,
    now: () => state.now,
  });
  return { root, state, reports, sync };
}

describe("BundleSync", () => {
  it("keeps a held version through newer uploads and removes it once released", async () => {
    const { root, state, sync } = harness();
    state.available = [bundle("etl", "1.0.0", ["cpu"])];
    await sync.sync();
    expect(sync.installed()).toEqual(["etl@1.0.0"]);
    const hold = sync.hold("etl")!;
    expect(hold.dir).toBe(join(root, "etl", "1.0.0"));

    state.available.push(bundle("etl", "2.0.0", ["cpu"]));
    await sync.sync();
    expect(sync.installed()).toEqual(["etl@1.0.0", "etl@2.0.0"]);
    expect(existsSync(join(root, "etl", "1.0.0", "VERSION"))).toBe(true);
    expect(sync.hold("etl")?.dir).toBe(join(root, "etl", "2.0.0"));

    hold.release();
    hold.release(); // twice is once
    await sync.sync();
    expect(sync.installed()).toEqual(["etl@2.0.0"]);
    expect(existsSync(join(root, "etl", "1.0.0"))).toBe(false);
  });

  it("reports a failed install with its error and retries it only after the backoff", async () => {
    const { state, reports, sync } = harness();
    state.available = [bundle("etl", "1.0.0")];
    state.failing.add("etl@1.0.0");
    await sync.sync();
    expect(reports.at(-1)).toEqual([
      {
        name: "etl",
        version: "1.0.0",
        status: "failed",
        error: "setup of etl@1.0.0 exited with 1",
        at: expect.any(String),
      },
    ]);
    await sync.sync(); // within the backoff (at least 1 s): not tried again
    expect(state.installs).toEqual(["etl@1.0.0"]);
    state.failing.clear();
    state.now += 5_000; // past the first backoff (2 s, with jitter at most)
    await sync.sync();
    expect(state.installs).toEqual(["etl@1.0.0", "etl@1.0.0"]);
    expect(reports.at(-1)).toEqual([
      { name: "etl", version: "1.0.0", status: "installed", error: null, at: null },
    ]);
  });

  it("syncs between claims only once the interval has passed", async () => {
    const { state, sync } = harness();
    await sync.syncIfDue();
    await sync.syncIfDue();
    expect(state.lists).toBe(1);
    state.now += 10_000;
    await sync.syncIfDue();
    expect(state.lists).toBe(2);
  });

  it("finds what an earlier run installed and removes half-made staging directories", async () => {
    const root = tmpDir("flowy-bundles-");
    mkdirSync(join(root, "etl", "1.0.0"), { recursive: true });
    mkdirSync(join(root, "etl", ".staging-2.0.0-abc"), { recursive: true });
    mkdirSync(join(root, ".downloads"), { recursive: true });
    const { sync } = harness(root);
    await sync.load();
    expect(sync.installed()).toEqual(["etl@1.0.0"]);
    expect(existsSync(join(root, "etl", ".staging-2.0.0-abc"))).toBe(false);
    // A re-adopted job holds the version it was started from.
    expect(sync.holdDir(join(root, "etl", "1.0.0"))?.dir).toBe(join(root, "etl", "1.0.0"));
    expect(sync.holdDir("/elsewhere/etl/1.0.0")).toBeUndefined();
  });
});
