import type { ScenarioResult } from "../lib/results.ts";
import type { ScenarioContext } from "./context.ts";

export async function runDepth(_ctx: ScenarioContext): Promise<ScenarioResult> {
  return { name: "depth", title: "depth", columns: [], rows: [], skipped: "not written yet" };
}
