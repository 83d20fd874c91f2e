/**
 * Scenario 1, throughput: n no-op jobs enqueued, then worked by 4 workers × 8 slots; jobs/s from the
 * first claim to the last acknowledged completion. The enqueue rate is shown beside it.
 */
import type { ScenarioResult, SystemRow } from "../lib/results.ts";
import { readUsage } from "../lib/process-usage.ts";
import { LAYOUT } from "../lib/sizes.ts";
import { perSecond } from "../lib/stats.ts";
import { type ScenarioContext, withSystem } from "./context.ts";

export const THROUGHPUT_COLUMNS = ["jobs/s", "enqueue/s", "drain s", "server CPU µs/job"];

export async function runThroughput(ctx: ScenarioContext): Promise<ScenarioResult> {
  const n = ctx.sizes.throughputJobs;
  const rows: SystemRow[] = [];
  for (const system of ctx.systems()) {
    try {
      rows.push(
        await withSystem(system, async () => {
          const t0 = performance.now();
          await system.enqueue(n);
          const enqueueMs = performance.now() - t0;
          const before = system.serverPid ? readUsage(system.serverPid) : undefined;
          const drainMs = await system.drain(n, LAYOUT);
          const after = system.serverPid ? readUsage(system.serverPid) : undefined;
          ctx.log(`throughput ${system.name}: ${Math.round(perSecond(n, drainMs))} jobs/s`);
          return {
            system: system.name,
            values: {
              "jobs/s": perSecond(n, drainMs),
              "enqueue/s": perSecond(n, enqueueMs),
              "drain s": drainMs / 1000,
              "server CPU µs/job": before && after ? ((after.cpuMs - before.cpuMs) * 1000) / n : null,
            },
          };
        }),
      );
    } catch (error) {
      rows.push({ system: system.name, values: {}, note: `failed: ${String(error).slice(0, 120)}` });
    }
  }
  return {
    name: "throughput",
    title: `1. Throughput: ${n.toLocaleString("en-US")} no-op jobs, ${LAYOUT.workers} workers × ${LAYOUT.perWorker}`,
    columns: THROUGHPUT_COLUMNS,
    rows,
  };
}
