/**
 * Slow answers must not stretch a lease: the daemon counts it from when its claim was sent.
 * A real proxy adds 3 s to every answer of the server; once the job runs, the proxy drops what
 * the daemon sends (its heartbeats never arrive). The daemon must stop attempt 1 before the
 * server's lease runs out, so attempt 2, started by another daemon, never overlaps it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startFaultProxy } from "../helpers/fault-proxy.ts";
import { fixture, spawnDaemon, spawnServer, waitFor } from "../helpers/processes.ts";
import { tmpDir } from "../helpers/tmp.ts";

/** The ledger's lines as [event, attempt, ns]. */
function ledgerOf(path: string): Array<[string, number, bigint]> {
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  return text
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [event, attempt, ns] = line.split(" ");
      return [event!, Number(attempt), BigInt(ns!)];
    });
}

describe("a lease under slow answers", () => {
  it("is counted from when the claim was sent, so attempt 2 never overlaps attempt 1", async () => {
    const server = await spawnServer();
    const proxy = await startFaultProxy(server.url);
    proxy.answerDelayMs = 3_000;
    spawnDaemon(proxy.url, ["--worker-id", "slow"]);
    const ledger = join(tmpDir(), "ledger");
    await server.submit({
      spec: { command: fixture("ledger-until-term.sh", ledger, 120) },
      lease_s: 8,
      max_attempts: 2,
      backoff: { initial_s: 0, max_s: 0, factor: 1 },
    });
    const at = (event: string, attempt: number) =>
      ledgerOf(ledger).find(([e, a]) => e === event && a === attempt)?.[2];
    await waitFor("attempt 1 to start", () => at("start", 1), 30_000);
    proxy.blackhole = true;
    spawnDaemon(server.url, ["--worker-id", "direct"]);
    const start2 = await waitFor("attempt 2 to start", () => at("start", 2), 60_000);
    const end1 = await waitFor("attempt 1 to be stopped", () => at("end", 1), 60_000);
    expect(end1 <= start2).toBe(true);
  }, 120_000);
});
