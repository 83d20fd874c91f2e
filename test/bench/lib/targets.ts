/**
 * The issue's targets, each checked against figures of this same run: ratios against the peers
 * measured minutes apart on the same machine, never against numbers from another day.
 */
import type { ScenarioResult, TargetCheck } from "./results.ts";

type Lookup = (scenario: string, system: string, column: string) => number | undefined;

function lookupIn(scenarios: ScenarioResult[]): Lookup {
  return (scenario, system, column) => {
    const row = scenarios
      .find((s) => s.name === scenario && !s.skipped)
      ?.rows.find((r) => r.system === system);
    const value = row?.values[column];
    return value === null || value === undefined || Number.isNaN(value) ? undefined : value;
  };
}

const fmt = (v: number) => (v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(2));

/** A ratio target: flowy's figure over the peer's, at least `min`. */
function ratio(
  get: Lookup,
  scenario: string,
  column: string,
  flowy: string,
  peer: string,
  min: number,
): TargetCheck | undefined {
  const a = get(scenario, flowy, column);
  const b = get(scenario, peer, column);
  if (a === undefined || b === undefined) return undefined;
  return {
    target: `${scenario}: ${flowy} ≥ ${min === 1 ? "" : `${min}× `}${peer} (${column})`,
    measured: `${fmt(a)} vs ${fmt(b)} = ${(a / b).toFixed(2)}×`,
    met: a >= min * b,
  };
}

/** A bound target: the figure at most `max`. */
function atMost(get: Lookup, scenario: string, system: string, column: string, max: number) {
  const v = get(scenario, system, column);
  if (v === undefined) return undefined;
  return { target: `${scenario}: ${system} ${column} ≤ ${max}`, measured: fmt(v), met: v <= max };
}

/** A floor target: the figure at least `min`. */
function atLeast(get: Lookup, scenario: string, system: string, column: string, min: number) {
  const v = get(scenario, system, column);
  if (v === undefined) return undefined;
  return { target: `${scenario}: ${system} ${column} ≥ ${fmt(min)}`, measured: fmt(v), met: v >= min };
}

export function checkTargets(scenarios: ScenarioResult[]): TargetCheck[] {
  const get = lookupIn(scenarios);
  const depth = scenarios.find((s) => s.name === "depth" && !s.skipped);
  const [shallow, deep] = depth?.rows ?? [];
  const checks: Array<TargetCheck | undefined> = [
    ratio(get, "throughput", "jobs/s", "flowy (sqlite)", "BullMQ", 1),
    ratio(get, "throughput", "jobs/s", "flowy (postgres)", "pg-boss", 2),
    ratio(get, "throughput", "jobs/s", "flowy (postgres)", "graphile-worker", 2),
    atMost(get, "latency", "flowy (sqlite)", "claimed p50 ms", 1),
    atMost(get, "latency", "flowy (sqlite)", "claimed p99 ms", 3),
    atMost(get, "latency", "flowy (postgres)", "claimed p50 ms", 2),
    ratio(get, "end-to-end", "jobs/s", "flowy (sqlite) + daemon-flowy", "spawn limit (Node, 8 at once)", 0.8),
    atMost(get, "cancel", "flowy (sqlite) + daemon-flowy", "cancel p99 ms", 1000),
    ratio(get, "bulk", "jobs/s", "flowy (sqlite)", "BullMQ", 1),
    // An operator's search answers while they wait, and a bulk action over a big query finishes
    // in seconds (issue 18's budget), on both stores.
    ...["flowy (sqlite)", "flowy (postgres)"].flatMap((system) => [
      atMost(get, "search", system, "search p99 ms", 250),
      atLeast(get, "search", system, "bulk jobs/s", 2_000),
    ]),
  ];
  if (shallow && deep) {
    checks.push(
      ratio(get, "depth", "claim p99 ms", deep.system, shallow.system, 0) && {
        target: `depth: claim p99 at ${deep.system} ≤ 1.5× at ${shallow.system}`,
        measured: `${fmt(deep.values["claim p99 ms"]!)} vs ${fmt(shallow.values["claim p99 ms"]!)} ms = ${(deep.values["claim p99 ms"]! / shallow.values["claim p99 ms"]!).toFixed(2)}×`,
        met: deep.values["claim p99 ms"]! <= 1.5 * shallow.values["claim p99 ms"]!,
      },
    );
    checks.push(atMost(get, "depth", deep.system, "server RSS MB", 300));
  }
  for (const row of scenarios.find((s) => s.name === "idle" && !s.skipped)?.rows ?? []) {
    checks.push(atMost(get, "idle", row.system, "CPU %", 1));
  }
  return checks.filter((c): c is TargetCheck => c !== undefined);
}
