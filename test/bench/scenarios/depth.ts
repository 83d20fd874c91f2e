/**
 * Scenario 4, depth: one worker claims batches of 8 (no wait) again and again, with a shallow and
 * then a deep queue of pending jobs: claim round-trip p50/p99 over HTTP, and the server's RSS
 * with the deep queue. The claim walks a partial index in order and stops after `capacity` rows,
 * so it should not care how deep the queue is — also with pauses and limits in use: the queue has
 * paused-tag and keyed jobs spread through it (fill-queue.ts), which the claim passes over.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ServerClient } from "../../../daemon/leases/server-client.ts";
import { CLAIMABLE_SHARE, fillPending, PAUSED_TAG } from "../flowy/fill-queue.ts";
import { settleDisk } from "../lib/settle.ts";
import { startServerProcess } from "../flowy/server-process.ts";
import { readUsage } from "../lib/process-usage.ts";
import type { ScenarioResult, SystemRow } from "../lib/results.ts";
import { percentile } from "../lib/stats.ts";
import type { ScenarioContext } from "./context.ts";

const CAPACITY = 8;
const WARMUP_CLAIMS = 20;

async function measureClaims(
  ctx: ScenarioContext,
  dbPath: string,
  claims: number,
): Promise<SystemRow["values"]> {
  const server = await startServerProcess({ db: dbPath, nodeArgs: ctx.serverNodeArgs });
  try {
    const client = new ServerClient({ server: server.url, workerId: "bench-depth" });
    const samples: number[] = [];
    for (let i = 0; i < WARMUP_CLAIMS + claims; i++) {
      const t0 = performance.now();
      const jobs = await client.claim([PAUSED_TAG], CAPACITY, 0);
      if (jobs.length !== CAPACITY) throw new Error(`claim returned ${jobs.length} jobs, not ${CAPACITY}`);
      if (i >= WARMUP_CLAIMS) samples.push(performance.now() - t0);
    }
    return {
      "claim p50 ms": percentile(samples, 50),
      "claim p99 ms": percentile(samples, 99),
      "server RSS MB": readUsage(server.pid).rssMb,
    };
  } finally {
    await server.stop();
  }
}

export async function runDepth(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { depthShallow, depthDeep, depthClaims } = ctx.sizes;
  const dir = mkdtempSync(join(tmpdir(), "flowy-bench-depth-"));
  // Each measurement takes this many claimable jobs out of the queue.
  const used = Math.ceil(((WARMUP_CLAIMS + depthClaims) * CAPACITY) / CLAIMABLE_SHARE);
  try {
    // A database each: the jobs a claim passes over (paused, or keyed at their limit) pile up at
    // the head of the queue as the claims go on, and the deep queue must not start with the
    // shallow one's pile.
    const shallowDb = join(dir, "shallow.db");
    await fillPending(shallowDb, depthShallow + used, true);
    // The fill leaves up to a gigabyte of dirty pages; written back during the claims, they
    // would be measured as the claims' fsyncs. A server at this depth has no such backlog.
    await settleDisk();
    const shallow = await measureClaims(ctx, shallowDb, depthClaims);
    rmSync(shallowDb, { force: true });
    const deepDb = join(dir, "deep.db");
    const t0 = performance.now();
    await fillPending(deepDb, depthDeep + used, true);
    ctx.log(`depth: filled to ${depthDeep} pending in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    await settleDisk();
    const deep = await measureClaims(ctx, deepDb, depthClaims);
    return {
      name: "depth",
      title: `4. Depth: ${depthClaims} claims of ${CAPACITY} over HTTP, flowy on SQLite, a paused tag and per-key limits in use`,
      columns: ["claim p50 ms", "claim p99 ms", "server RSS MB"],
      rows: [
        { system: `${depthShallow.toLocaleString("en-US")} pending`, values: shallow },
        { system: `${depthDeep.toLocaleString("en-US")} pending`, values: deep },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
