/**
 * End to end against the spawn limit (issue 9, scenario 3; issue 3's "≥ 80% of the raw spawn rate").
 *
 *   raw:    this Node process spawns `true` `jobs` times, `maxJobs` at once (the physical limit);
 *   daemon: the real flowy-server (SQLite) and the real daemon-flowy (`--max-jobs maxJobs`) run
 *           `jobs` jobs of `{"command": ["true"]}`, all submitted before the daemon starts; the
 *           rate is taken from the server's own job data: first started_at (claim) to last
 *           finished_at (completion accepted).
 *
 * Self-contained (node built-ins and fetch only) so the bench runner can call `measureEndToEnd`.
 *
 *   node test/bench/e2e-spawn.ts [--jobs 2000] [--max-jobs 8] [--rounds 3] [--cpu-prof DIR]
 *
 * With --cpu-prof the daemon runs under `node --cpu-prof` and writes its profile into DIR when it
 * exits (it is stopped with SIGTERM, which drains and exits cleanly).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const ROOT = join(import.meta.dirname, "..", "..");
const LOCAL_NODE = join(ROOT, "node_modules", ".bin", "node");

export interface EndToEndOptions {
  jobs: number;
  maxJobs: number;
  /** Directory for the daemon's CPU profile (node --cpu-prof); none when undefined. */
  cpuProfDir?: string;
}

export interface EndToEndResult {
  rawSpawnPerS: number;
  daemonJobsPerS: number;
  ratio: number;
}

export async function measureEndToEnd(options: EndToEndOptions): Promise<EndToEndResult> {
  const rawSpawnPerS = await rawSpawnRate(options.jobs, options.maxJobs);
  const daemonJobsPerS = await daemonRate(options);
  return { rawSpawnPerS, daemonJobsPerS, ratio: daemonJobsPerS / rawSpawnPerS };
}

/** Spawns of `true` per second from this Node process, `concurrency` at once. */
export async function rawSpawnRate(n: number, concurrency: number): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await new Promise<void>((resolve, reject) => {
        const child = spawn("true", [], { stdio: "ignore" });
        child.once("error", reject);
        child.once("exit", () => resolve());
      });
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (n * 1000) / (performance.now() - t0);
}

async function daemonRate(options: EndToEndOptions): Promise<number> {
  const tmp = mkdtempSync(join(tmpdir(), "flowy-e2e-spawn-"));
  const env = benchEnv(tmp);
  const children: ChildProcess[] = [];
  try {
    const server = startNode(
      [join(ROOT, "server", "cli.ts"), "start", "--port", "0", "--log-level", "warn"],
      [...["--db", join(tmp, "flowy.db")]],
      env,
      join(tmp, "server.log"),
    );
    children.push(server);
    const url = await listeningUrl(server);
    const api = `${url}/api/v1`;
    await submitAll(api, options.jobs);
    const nodeArgs = options.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", options.cpuProfDir] : [];
    const daemon = startNode(
      [...nodeArgs, join(ROOT, "daemon", "cli.ts")],
      ["--server", url, "--max-jobs", String(options.maxJobs), "--state-dir", join(tmp, "state")],
      env,
      join(tmp, "daemon.log"),
    );
    children.push(daemon);
    await untilSucceeded(api, options.jobs, daemon);
    const { first, last } = await claimToCompletion(api);
    await stop(daemon);
    return (options.jobs * 1000) / (last - first);
  } finally {
    for (const child of children.reverse()) await stop(child);
    rmSync(tmp, { recursive: true, force: true });
  }
}

function benchEnv(tmp: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("FLOWY_")) env[key] = value;
  return { ...env, HOME: tmp };
}

function startNode(script: string[], args: string[], env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const node = existsSync(LOCAL_NODE) ? LOCAL_NODE : process.execPath;
  const log = openSync(logFile, "a");
  return spawn(node, [...script, ...args], { env, stdio: ["ignore", "pipe", log] });
}

function listeningUrl(server: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    server.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    server.once("exit", (code) => reject(new Error(`flowy-server exited with ${code}: ${out}`)));
  });
}

async function submitAll(api: string, n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const res = await fetch(`${api}/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ spec: { command: ["true"] } }),
      });
      if (res.status !== 201) throw new Error(`submit: ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

async function untilSucceeded(api: string, n: number, daemon: ChildProcess): Promise<void> {
  for (;;) {
    if (daemon.exitCode !== null) throw new Error(`daemon-flowy exited with ${daemon.exitCode}`);
    const stats = (await (await fetch(`${api}/stats`)).json()) as { states: Record<string, number> };
    const succeeded = stats.states.succeeded ?? 0;
    const failed = (stats.states.failed ?? 0) + (stats.states.timed_out ?? 0);
    if (failed > 0) throw new Error(`${failed} jobs did not succeed`);
    if (succeeded >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Earliest started_at and latest finished_at over every job, in ms. */
async function claimToCompletion(api: string): Promise<{ first: number; last: number }> {
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const page = (await (await fetch(`${api}/jobs?limit=500${query}`)).json()) as {
      jobs: Array<{ started_at: string | null; finished_at: string | null }>;
      next_cursor: string | null;
    };
    for (const job of page.jobs) {
      first = Math.min(first, Date.parse(job.started_at!));
      last = Math.max(last, Date.parse(job.finished_at!));
    }
    cursor = page.next_cursor;
  } while (cursor);
  return { first, last };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      jobs: { type: "string", default: "2000" },
      "max-jobs": { type: "string", default: "8" },
      rounds: { type: "string", default: "1" },
      "cpu-prof": { type: "string" },
    },
  });
  const options = {
    jobs: Number(values.jobs),
    maxJobs: Number(values["max-jobs"]),
    cpuProfDir: values["cpu-prof"],
  };
  const ratios: number[] = [];
  for (let round = 1; round <= Number(values.rounds); round++) {
    const r = await measureEndToEnd(options);
    ratios.push(r.ratio);
    console.log(
      `round ${round}: raw ${r.rawSpawnPerS.toFixed(0)}/s  daemon ${r.daemonJobsPerS.toFixed(0)} jobs/s  ` +
        `ratio ${r.ratio.toFixed(3)}`,
    );
  }
  if (ratios.length > 1) {
    console.log(`ratio min ${Math.min(...ratios).toFixed(3)} max ${Math.max(...ratios).toFixed(3)}`);
  }
}

if (import.meta.main) await main();
