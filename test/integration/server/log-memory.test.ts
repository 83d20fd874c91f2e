/**
 * A read of a huge stored log costs the server its answer, not the log: the real server process
 * is measured from /proc/PID/status while a 100 MB log is read, whole and followed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteStore } from "../../../server/store/sqlite/sqlite-store.ts";
import { newJob } from "../store-contract.ts";
import { spawnServerProcess } from "../../helpers/server-process.ts";
import { tmpDir } from "../../helpers/tmp.ts";

const MIB = 1_048_576;
const LOG_MIB = 100;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function storeHugeLog(path: string): Promise<string> {
  const store = new SqliteStore({ path });
  const { job } = await store.insertJob(newJob(), { event: "submit", from: null, to: "pending" });
  const chunk = `${"x".repeat(MIB - 1)}\n`;
  const log = { jobId: job.id, attempt: 1, now: 0, maxBytes: 2 ** 40 };
  for (let i = 0; i < LOG_MIB; i++) await store.appendLog({ ...log, offset: i * MIB, data: chunk });
  await store.close();
  return job.id;
}

describe.skipIf(process.platform !== "linux")("log reads and memory", () => {
  it("reads a 1 MiB answer of a 100 MB log without loading the log", { timeout: 120_000 }, async () => {
    const db = join(tmpDir(), "flowy.db");
    const id = await storeHugeLog(db);
    const server = await spawnServerProcess(["--db", db]);
    const pid = server.child.pid!;
    const before = rssMb(pid);
    let peak = before;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${server.api}/jobs/${id}/logs?offset=${i * 7 * MIB}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("flowy-log-length")).toBe(String(LOG_MIB * MIB));
      expect((await res.arrayBuffer()).byteLength).toBe(MIB);
      peak = Math.max(peak, rssMb(pid));
    }
    // A follow of the finished attempt streams its last 16 MiB in bounded reads.
    const from = (LOG_MIB - 16) * MIB;
    const follow = await fetch(`${server.api}/jobs/${id}/logs?follow=1&offset=${from}`);
    let received = 0;
    for await (const piece of follow.body!) {
      received += (piece as Uint8Array).byteLength;
      peak = Math.max(peak, rssMb(pid));
    }
    expect(received).toBe(LOG_MIB * MIB - from);
    // Generous: loading the log once would add well over its 100 MB.
    expect(peak - before).toBeLessThan(80);
  });
});
