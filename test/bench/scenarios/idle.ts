/**
 * Scenario 5, idle cost: a server and a daemon connected to it, with nothing to do, for the idle
 * window: CPU as a percentage of one core (from /proc utime+stime) and RSS at the end.
 */
import { daemonBuilt, startDaemonProcess } from "../flowy/daemon-process.ts";
import { cpuPercent, readUsage } from "../lib/process-usage.ts";
import type { ScenarioResult, SystemRow } from "../lib/results.ts";
import { sleep } from "../lib/stats.ts";
import { FlowySystem } from "../systems/flowy.ts";
import type { ScenarioContext } from "./context.ts";

/** Start-up work (module loading, migrations, registration) settles before the window opens. */
const SETTLE_MS = 2_000;

export async function runIdle(ctx: ScenarioContext): Promise<ScenarioResult> {
  const seconds = ctx.sizes.idleSeconds;
  const flowy = new FlowySystem({ db: "sqlite", serverNodeArgs: ctx.serverNodeArgs });
  await flowy.start();
  const daemon = daemonBuilt() ? startDaemonProcess(flowy.server.url, 8) : undefined;
  try {
    await sleep(SETTLE_MS);
    const pids: Array<[string, number]> = [["flowy-server (sqlite)", flowy.server.pid]];
    if (daemon) pids.push(["daemon-flowy", daemon.pid]);
    const before = pids.map(([, pid]) => readUsage(pid));
    await sleep(seconds * 1000);
    const rows: SystemRow[] = pids.map(([system, pid], i) => {
      const after = readUsage(pid);
      return {
        system,
        values: { "CPU %": cpuPercent(before[i]!, after, seconds * 1000), "RSS MB": after.rssMb },
      };
    });
    return {
      name: "idle",
      title: `5. Idle: ${seconds} s with nothing to do`,
      columns: ["CPU %", "RSS MB"],
      rows,
      ...(daemon ? {} : { notes: ["daemon not built: server only"] }),
    };
  } finally {
    await daemon?.stop();
    await flowy.stop();
  }
}
