/**
 * Scenario 3, end to end: the real daemon (--max-jobs 8) runs n jobs of the command `true`, against
 * the rate at which this machine spawns `true` with concurrency 8 from Node (the physical limit).
 * The daemon starts first and waits; the clock runs from the first submit to the moment the server
 * counts all n succeeded (polled every 20 ms).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpTransport } from "../../../client/transport.ts";
import type { ClaimedJob, Stats } from "../../../shared/protocol.ts";
import { baseEnv, createCommandExecutor } from "../../../daemon/process/command-executor.ts";
import { JobDir } from "../../../daemon/process/job-dir.ts";
import { Launcher } from "../../../daemon/process/launcher.ts";
import { daemonBuilt, startDaemonProcess } from "../flowy/daemon-process.ts";
import type { ScenarioResult } from "../lib/results.ts";
import { forEachLimit, perSecond } from "../lib/stats.ts";
import { waitUntil } from "../lib/wait-until.ts";
import { FlowySystem } from "../systems/flowy.ts";
import type { ScenarioContext } from "./context.ts";

const CONCURRENCY = 8;

function spawnOnce(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: "ignore", env });
    child.once("error", reject);
    child.once("exit", () => resolve());
  });
}

/** Jobs/s of spawning `file args` with CONCURRENCY at once. */
export async function spawnRate(
  n: number,
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const t0 = performance.now();
  await forEachLimit(n, CONCURRENCY, () => spawnOnce(file, args, env));
  return perSecond(n, performance.now() - t0);
}

/**
 * What the daemon's command executor does per job, without the server and the daemon around it:
 * stage a job dir, write its shim, have the launcher start it (a fork of a small shell, which
 * forks and execs `true`), and hear that it ended.
 */
async function launcherRate(n: number): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), "flowy-bench-shim-"));
  const launcher = new Launcher({ env: baseEnv() });
  const executor = createCommandExecutor({ launcher });
  let next = 0;
  try {
    const t0 = performance.now();
    await forEachLimit(n, CONCURRENCY, async () => {
      const id = `job${next++}`;
      const dir = new JobDir(root, id);
      const job = { id, attempt: 1, inputs: {}, spec: { command: ["true"] }, lease_token: "t" };
      await dir.stage(job as ClaimedJob, Date.now());
      await (await executor.start(dir, job as ClaimedJob)).done;
    });
    return perSecond(n, performance.now() - t0);
  } finally {
    launcher.close();
    rmSync(root, { recursive: true, force: true });
  }
}

async function daemonRate(ctx: ScenarioContext, n: number): Promise<number> {
  const flowy = new FlowySystem({ db: "sqlite", serverNodeArgs: ctx.serverNodeArgs });
  await flowy.start();
  const daemon = startDaemonProcess(flowy.server.url, CONCURRENCY);
  try {
    const http = new HttpTransport({ baseUrl: flowy.server.api });
    await waitUntil(async () => (await http.json<Stats>("GET", "/stats")).workers.active > 0, 50, 30_000);
    const t0 = performance.now();
    await flowy.enqueue(n);
    const doneAt = await waitUntil(
      async () => ((await http.json<Stats>("GET", "/stats")).states.succeeded ?? 0) >= n,
      20,
    );
    return perSecond(n, doneAt - t0);
  } finally {
    await daemon.stop();
    await flowy.stop();
  }
}

export async function runEndToEnd(ctx: ScenarioContext): Promise<ScenarioResult> {
  const n = ctx.sizes.endToEndJobs;
  const title = `3. End to end: ${n.toLocaleString("en-US")} jobs of \`true\`, daemon --max-jobs ${CONCURRENCY}`;
  const limit = await spawnRate(n, "true", []);
  const shim = await launcherRate(n);
  const rows = [
    { system: "spawn limit (Node, 8 at once)", values: { "jobs/s": limit, "÷ limit": 1 } },
    { system: "same through the daemon's launcher", values: { "jobs/s": shim, "÷ limit": shim / limit } },
  ];
  if (!daemonBuilt()) {
    return { name: "end-to-end", title, columns: ["jobs/s", "÷ limit"], rows, skipped: "daemon not built" };
  }
  const rate = await daemonRate(ctx, n);
  ctx.log(`end to end: daemon ${Math.round(rate)} jobs/s, spawn limit ${Math.round(limit)}/s`);
  rows.push({ system: "flowy (sqlite) + daemon-flowy", values: { "jobs/s": rate, "÷ limit": rate / limit } });
  return { name: "end-to-end", title, columns: ["jobs/s", "÷ limit"], rows };
}
