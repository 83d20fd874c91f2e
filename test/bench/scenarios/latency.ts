/**
 * Scenario 2, latency: one idle worker waits; jobs are submitted one at a time, each after the
 * previous completed. Per job: submit acknowledged → handed to the runner, and → completion
 * acknowledged by the system.
 */
import type { ScenarioResult, SystemRow } from "../lib/results.ts";
import { percentile } from "../lib/stats.ts";
import { type ScenarioContext, withSystem } from "./context.ts";

/** Jobs run first and left out of the figures: connections, statement caches and JITs warm up. */
const WARMUP = 20;

export async function runLatency(ctx: ScenarioContext): Promise<ScenarioResult> {
  const n = ctx.sizes.latencyJobs;
  const rows: SystemRow[] = [];
  for (const system of ctx.systems()) {
    try {
      rows.push(
        await withSystem(system, async () => {
          await system.latency(WARMUP);
          const { claimed, completed } = await system.latency(n);
          ctx.log(`latency ${system.name}: claimed p50 ${percentile(claimed, 50).toFixed(2)} ms`);
          return {
            system: system.name,
            values: {
              "claimed p50 ms": percentile(claimed, 50),
              "claimed p99 ms": percentile(claimed, 99),
              "completed p50 ms": percentile(completed, 50),
              "completed p99 ms": percentile(completed, 99),
            },
          };
        }),
      );
    } catch (error) {
      rows.push({ system: system.name, values: {}, note: `failed: ${String(error).slice(0, 120)}` });
    }
  }
  return {
    name: "latency",
    title: `2. Latency: ${n} jobs one at a time to an idle worker (after ${WARMUP} warm-up jobs)`,
    columns: ["claimed p50 ms", "claimed p99 ms", "completed p50 ms", "completed p99 ms"],
    rows,
    notes: [
      "completed = the system acknowledged the completion: flowy's report answer, BullMQ's 'completed' event, " +
        "and for pg-boss and graphile-worker the job's row seen completed/deleted by a 1 ms poll",
    ],
  };
}
