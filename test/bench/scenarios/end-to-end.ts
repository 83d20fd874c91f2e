import type { ScenarioResult } from "../lib/results.ts";
import type { ScenarioContext } from "./context.ts";

export async function runEndToEnd(_ctx: ScenarioContext): Promise<ScenarioResult> {
  return { name: "end-to-end", title: "end-to-end", columns: [], rows: [], skipped: "not written yet" };
}
