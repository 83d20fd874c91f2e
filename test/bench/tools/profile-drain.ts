/**
 * `node test/bench/tools/profile-drain.ts [N] [DIR] [sqlite|postgres]`: the flowy server while it
 * is drained by the throughput scenario's workers, without the enqueue in it: jobs are submitted
 * to one server, which is stopped; a second server on the same database (with --cpu-prof writing
 * into DIR, when DIR is given and not "-") is drained by 4 × 8 workers. Prints jobs/s and the CPU
 * per job of the server and of the workers.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HttpTransport } from "../../../client/transport.ts";
import { startBenchWorker } from "../flowy/bench-worker.ts";
import { startServerProcess } from "../flowy/server-process.ts";
import { createScratchDatabase } from "../lib/postgres.ts";
import { readUsage } from "../lib/process-usage.ts";
import { LAYOUT } from "../lib/sizes.ts";
import { forEachLimit, perSecond } from "../lib/stats.ts";
import { DrainClock } from "../systems/queue-system.ts";

const n = Number(process.argv[2] ?? 20_000);
const profileDir = process.argv[3] && process.argv[3] !== "-" ? resolve(process.argv[3]) : undefined;
const dir = mkdtempSync(join(tmpdir(), "flowy-profile-"));
const scratch = process.argv[4] === "postgres" ? await createScratchDatabase("profile") : undefined;
const db = scratch?.url ?? join(dir, "flowy.db");

const filler = await startServerProcess({ db });
const http = new HttpTransport({ baseUrl: filler.api });
await forEachLimit(n, 32, () => http.json("POST", "/jobs", { body: { spec: { command: ["true"] } } }));
await filler.stop();

const server = await startServerProcess({
  db,
  nodeArgs: profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : [],
});
const before = readUsage(server.pid);
const clientBefore = process.cpuUsage();
const clock = new DrainClock(n);
const workers = Array.from({ length: LAYOUT.workers }, (_, i) =>
  startBenchWorker(server.url, `profile-${i}`, LAYOUT.perWorker, {
    onClaimed: (_job, at) => clock.claimed(at),
    onCompleted: (_job, at) => clock.completedOne(at),
    onError: (error) => clock.fail(error),
  }),
);
const ms = await clock.done;
const cpuUs = ((readUsage(server.pid).cpuMs - before.cpuMs) * 1000) / n;
const clientUsage = process.cpuUsage(clientBefore);
const clientUs = (clientUsage.user + clientUsage.system) / n;
const requests = await requestsPerRoute(server.url);
for (const worker of workers) worker.stop();
await Promise.all(workers.map((w) => w.done));
await server.stop();
rmSync(dir, { recursive: true, force: true });
await scratch?.drop();
process.stdout.write(
  `${Math.round(perSecond(n, ms))} jobs/s, server CPU ${Math.round(cpuUs)} µs/job, ` +
    `workers' CPU ${Math.round(clientUs)} µs/job` +
    `${profileDir ? `; profile in ${profileDir}` : ""}\n` +
    `jobs per request: ${Object.entries(requests)
      .map(([route, count]) => `${route} ${(n / count).toFixed(1)}`)
      .join(", ")}\n`,
);

/** Requests served per worker route, from the server's Prometheus metrics. */
async function requestsPerRoute(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^flowy_http_request_duration_seconds_count\{([^}]*)\} (\d+)/gm)) {
    const route = /route="([^"]*)"/.exec(match[1]!)?.[1] ?? "?";
    if (route.includes("claim") || route.includes("report"))
      counts[route] = (counts[route] ?? 0) + Number(match[2]);
  }
  return counts;
}
