/**
 * Slow answers must not stretch a lease: the daemon counts it from when its claim was sent.
 * A real proxy adds 6 s to every answer of the server; once the job runs, the proxy drops what
 * the daemon sends (its heartbeats never arrive). The daemon must stop attempt 1 before the
 * server's lease runs out, so attempt 2, started by another daemon, never overlaps it.
 *
 * The check is against the lease's own end as the server holds it (`lease_expires_at`, read
 * while attempt 1 runs), not against how fast the reaper and the second daemon start attempt 2,
 * so the margins do not depend on the machine's speed: counted from the send, attempt 1 ends
 * the kill margin (5 s of a 20 s lease) before the lease does; counted from the answer's
 * arrival, it would end at least 6 - 5 = 1 s after it. The claim's answer arrives 6 s into the
 * lease, 9 s before the kill point, so even a loaded machine starts attempt 1; and 6 s stays
 * well inside the daemon's 10 s request timeout.
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
    proxy.answerDelayMs = 6_000;
    spawnDaemon(proxy.url, ["--worker-id", "slow"]);
    const ledger = join(tmpDir(), "ledger");
    const id = await server.submit({
      // bash, not sh: the fixture stamps times with bash's own clock (no fork in its trap).
      spec: { command: ["bash", ...fixture("ledger-until-term.sh", ledger, 120).slice(1)] },
      lease_s: 20,
      max_attempts: 2,
      backoff: { initial_s: 0, max_s: 0, factor: 1 },
    });
    const at = (event: string, attempt: number) =>
      ledgerOf(ledger).find(([e, a]) => e === event && a === attempt)?.[2];
    await waitFor("attempt 1 to start", () => at("start", 1), 60_000);
    proxy.blackhole = true;
    spawnDaemon(server.url, ["--worker-id", "direct"]);
    let leaseEnd1 = 0;
    const end1 = await waitFor(
      "attempt 1 to be stopped",
      async () => {
        const job = await server.getJob(id);
        if (job.attempt === 1 && job.state === "running" && job.lease_expires_at)
          leaseEnd1 = Math.max(leaseEnd1, Date.parse(job.lease_expires_at));
        return at("end", 1);
      },
      60_000,
    );
    expect(leaseEnd1).toBeGreaterThan(0);
    expect(Number(end1 / 1_000_000n)).toBeLessThan(leaseEnd1);
    const start2 = await waitFor("attempt 2 to start", () => at("start", 2), 60_000);
    expect(end1 <= start2).toBe(true);
  }, 180_000);
});
