/**
 * Scenario 7, bulk enqueue: n no-op jobs sent 1,000 per call through each system's bulk API
 * (flowy's POST /jobs/batch, BullMQ's addBulk), one call after another; jobs/s until the last
 * call is acknowledged. Systems without a bulk path measured here are left out.
 */
import type { ScenarioResult, SystemRow } from "../lib/results.ts";
import { perSecond } from "../lib/stats.ts";
import { type ScenarioContext, withSystem } from "./context.ts";

const PER_CALL = 1_000;

export async function runBulk(ctx: ScenarioContext): Promise<ScenarioResult> {
  const n = ctx.sizes.throughputJobs;
  const rows: SystemRow[] = [];
  for (const system of ctx.systems()) {
    if (!system.enqueueBulk) continue;
    try {
      rows.push(
        await withSystem(system, async () => {
          const t0 = performance.now();
          await system.enqueueBulk!(n, PER_CALL);
          const ms = performance.now() - t0;
          ctx.log(`bulk ${system.name}: ${Math.round(perSecond(n, ms))} jobs/s`);
          return {
            system: system.name,
            values: { "jobs/s": perSecond(n, ms), "ms per call": ms / (n / PER_CALL) },
          };
        }),
      );
    } catch (error) {
      rows.push({ system: system.name, values: {}, note: `failed: ${String(error).slice(0, 120)}` });
    }
  }
  return {
    name: "bulk",
    title: `7. Bulk enqueue: ${n.toLocaleString("en-US")} no-op jobs, ${PER_CALL.toLocaleString("en-US")} per call`,
    columns: ["jobs/s", "ms per call"],
    rows,
  };
}
