/**
 * Scenario 6, cancel latency: the real daemon runs a job (`sleep 600`, default 60 s lease, so the
 * next heartbeat is 30 s away); the clock runs from the cancel request to the moment the server
 * says the job is `canceled` — which it does only after the daemon stopped the job's process
 * group and reported it, so this bounds "cancel → process gone" from above. One job at a time.
 */
import { HttpTransport } from "../../../client/transport.ts";
import type { Job, Stats } from "../../../shared/protocol.ts";
import { daemonBuilt, startDaemonProcess } from "../flowy/daemon-process.ts";
import type { ScenarioResult } from "../lib/results.ts";
import { percentile } from "../lib/stats.ts";
import { waitUntil } from "../lib/wait-until.ts";
import { FlowySystem } from "../systems/flowy.ts";
import type { ScenarioContext } from "./context.ts";

const SYSTEM = "flowy (sqlite) + daemon-flowy";
const COLUMNS = ["cancel p50 ms", "cancel p99 ms", "cancel max ms"];

export async function runCancel(ctx: ScenarioContext): Promise<ScenarioResult> {
  const n = ctx.sizes.cancelJobs;
  const title = `6. Cancel latency: ${n} running jobs canceled one at a time (cancel → canceled, process gone)`;
  if (!daemonBuilt())
    return { name: "cancel", title, columns: COLUMNS, rows: [], skipped: "daemon not built" };
  const flowy = new FlowySystem({ db: "sqlite", serverNodeArgs: ctx.serverNodeArgs });
  await flowy.start();
  const daemon = startDaemonProcess(flowy.server.url, 4);
  try {
    const http = new HttpTransport({ baseUrl: flowy.server.api });
    await waitUntil(async () => (await http.json<Stats>("GET", "/stats")).workers.active > 0, 50, 30_000);
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const job = await http.json<Job>("POST", "/jobs", { body: { spec: { command: ["sleep", "600"] } } });
      const state = async () => (await http.json<Job>("GET", `/jobs/${job.id}`)).state;
      await waitUntil(async () => (await state()) === "running", 10, 30_000);
      const t0 = performance.now();
      await http.json("POST", `/jobs/${job.id}/cancel`);
      const doneAt = await waitUntil(async () => (await state()) === "canceled", 5, 60_000);
      samples.push(doneAt - t0);
    }
    ctx.log(`cancel: p99 ${Math.round(percentile(samples, 99))} ms over ${n} jobs`);
    const values = {
      "cancel p50 ms": percentile(samples, 50),
      "cancel p99 ms": percentile(samples, 99),
      "cancel max ms": Math.max(...samples),
    };
    return { name: "cancel", title, columns: COLUMNS, rows: [{ system: SYSTEM, values }] };
  } finally {
    await daemon.stop();
    await flowy.stop();
  }
}
