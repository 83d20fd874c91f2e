import type { ScenarioResult } from "../lib/results.ts";
import type { ScenarioContext } from "./context.ts";

export async function runIdle(_ctx: ScenarioContext): Promise<ScenarioResult> {
  return { name: "idle", title: "idle", columns: [], rows: [], skipped: "not written yet" };
}
