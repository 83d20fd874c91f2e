import type { ScenarioResult, TargetCheck } from "./results.ts";

export function checkTargets(_scenarios: ScenarioResult[]): TargetCheck[] {
  return [];
}
