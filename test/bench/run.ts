/**
 * `npm run bench [-- --quick] [--json FILE] [--only throughput,latency,...] [--systems flowy,bullmq,...]
 * [--cpu-prof DIR]`: runs the scenarios of issue 9 for flowy and its peers in one run on this machine,
 * prints one table per scenario plus the target checks, and writes the same as JSON.
 */
import { mkdirSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { checkTargets } from "./lib/targets.ts";
import {
  type BenchReport,
  describeMachine,
  renderMachine,
  renderScenario,
  renderTargets,
  round,
  type ScenarioResult,
  writeJson,
} from "./lib/results.ts";
import { FULL, QUICK } from "./lib/sizes.ts";
import { postgresAvailable } from "./lib/postgres.ts";
import { redisAvailable } from "./lib/redis.ts";
import type { ScenarioContext } from "./scenarios/context.ts";
import { runBulk } from "./scenarios/bulk.ts";
import { runCancel } from "./scenarios/cancel.ts";
import { runDepth } from "./scenarios/depth.ts";
import { runEndToEnd } from "./scenarios/end-to-end.ts";
import { runIdle } from "./scenarios/idle.ts";
import { runLatency } from "./scenarios/latency.ts";
import { runSearch } from "./scenarios/search.ts";
import { runThroughput } from "./scenarios/throughput.ts";
import { makeSystems, SYSTEM_NAMES } from "./systems/registry.ts";

const SCENARIOS: Record<string, (ctx: ScenarioContext) => Promise<ScenarioResult>> = {
  throughput: runThroughput,
  latency: runLatency,
  "end-to-end": runEndToEnd,
  depth: runDepth,
  idle: runIdle,
  cancel: runCancel,
  bulk: runBulk,
  search: runSearch,
};

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "string" },
    only: { type: "string" },
    systems: { type: "string" },
    "cpu-prof": { type: "string" },
  },
});

const list = (value: string | undefined, all: string[]) =>
  value ? value.split(",").map((s) => s.trim()) : all;
const scenarioNames = list(values.only, Object.keys(SCENARIOS));
const systemNames = list(values.systems, SYSTEM_NAMES);
for (const name of scenarioNames) if (!SCENARIOS[name]) throw new Error(`no scenario ${name}`);
for (const name of systemNames) if (!SYSTEM_NAMES.includes(name)) throw new Error(`no system ${name}`);

const profileDir = values["cpu-prof"] ? resolve(values["cpu-prof"]) : undefined;
if (profileDir) mkdirSync(profileDir, { recursive: true });
const postgres = await postgresAvailable();
const redis = await redisAvailable();
const ctx: ScenarioContext = {
  sizes: values.quick ? QUICK : FULL,
  systems: () => makeSystems(systemNames, { postgres, redis, serverNodeArgs: serverNodeArgs() }),
  serverNodeArgs: serverNodeArgs(),
  postgres,
  log: (line) => process.stderr.write(`  ${line}\n`),
};

function serverNodeArgs(): string[] {
  return profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : [];
}

const report: BenchReport = {
  mode: values.quick ? "quick" : "full",
  machine: describeMachine(),
  scenarios: [],
  targets: [],
};
const missing = [
  ...(postgres ? [] : ["PostgreSQL (flowy on PostgreSQL, pg-boss, graphile-worker)"]),
  ...(redis ? [] : ["Redis (BullMQ)"]),
];
process.stdout.write(`flowy bench (${report.mode})\n${renderMachine(report.machine)}\n`);
if (missing.length) process.stdout.write(`not reachable, left out: ${missing.join("; ")}\n`);
process.stdout.write("\n");
for (const name of scenarioNames) {
  const result = await SCENARIOS[name]!(ctx);
  report.scenarios.push(result);
  process.stdout.write(`${renderScenario(result)}\n\n`);
}
report.machine.loadAvgEnd = loadavg().map((l) => round(l, 2));
report.targets = checkTargets(report.scenarios);
process.stdout.write(`${renderTargets(report.targets)}\n\n${renderMachine(report.machine)}\n`);
if (values.json) writeJson(values.json, report);

// Targets missed are reported, not failed: the figures are noisy on a shared machine and a bench is
// never a timed test. A scenario in which flowy itself broke does fail the run. Exit explicitly:
// peer client libraries keep sockets and timers open after they are closed.
const flowyBroke = report.scenarios.some((s) =>
  s.rows.some((r) => r.system.startsWith("flowy") && r.note?.startsWith("failed")),
);
process.exit(flowyBroke ? 1 : 0);
