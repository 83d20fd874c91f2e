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
 *   node test/bench/e2e-spawn.ts [--jobs 2000] [--max-jobs 8] [--rounds 3] [--cpu-prof DIR] [--keep]
 *
 * With --cpu-prof the daemon runs under `node --cpu-prof` and writes its profile into DIR when it
 * exits (it is stopped with SIGTERM, which drains and exits cleanly).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const ROOT = join(import.meta.dirname, "..", "..");
const LOCAL_NODE = join(ROOT, "node_modules", ".bin", "node");
/** USER_HZ: /proc reports CPU time in these; 100 on every Linux build that matters. */
const CLOCK_TICKS = 100;

export interface EndToEndOptions {
  jobs: number;
  maxJobs: number;
  /** Directory for the daemon's CPU profile (node --cpu-prof); none when undefined. */
  cpuProfDir?: string;
  /** Keep the server's database and both logs (the path is printed) instead of removing them. */
  keep?: boolean;
}

export interface EndToEndResult {
  rawSpawnPerS: number;
  daemonJobsPerS: number;
  ratio: number;
  /** CPU milliseconds per job (user + system, Linux /proc; children included once reaped). */
  cpuMsPerJob: { raw: number; server: number; daemon: number; launcher: number };
}

/**
 * The raw rate is taken right before and right after the daemon's run and averaged: the machine
 * is shared, and its load drifts within a run.
 */
export async function measureEndToEnd(options: EndToEndOptions): Promise<EndToEndResult> {
  const cpu0 = cpuMs("self");
  const before = await rawSpawnRate(options.jobs, options.maxJobs);
  const raw = (cpuMs("self") - cpu0) / options.jobs;
  const daemon = await daemonRate(options);
  const after = await rawSpawnRate(options.jobs, options.maxJobs);
  const rawSpawnPerS = (before + after) / 2;
  return {
    rawSpawnPerS,
    daemonJobsPerS: daemon.jobsPerS,
    ratio: daemon.jobsPerS / rawSpawnPerS,
    cpuMsPerJob: { raw, ...daemon.cpuMsPerJob },
  };
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

interface DaemonRun {
  jobsPerS: number;
  cpuMsPerJob: { server: number; daemon: number; launcher: number };
}

async function daemonRate(options: EndToEndOptions): Promise<DaemonRun> {
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
    const serverCpu0 = cpuMs(server.pid!);
    const nodeArgs = options.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", options.cpuProfDir] : [];
    const daemon = startNode(
      [...nodeArgs, join(ROOT, "daemon", "cli.ts")],
      ["--server", url, "--max-jobs", String(options.maxJobs), "--state-dir", join(tmp, "state")],
      env,
      join(tmp, "daemon.log"),
    );
    children.push(daemon);
    await untilSucceeded(api, options.jobs, daemon);
    const perJob = (ms: number) => ms / options.jobs;
    const cpuMsPerJob = {
      server: perJob(cpuMs(server.pid!) - serverCpu0),
      daemon: perJob(cpuMs(daemon.pid!)),
      launcher: perJob(launcherPids(daemon.pid!).reduce((sum, pid) => sum + cpuMs(pid), 0)),
    };
    const { first, last } = await claimToCompletion(api);
    await stop(daemon);
    return { jobsPerS: (options.jobs * 1000) / (last - first), cpuMsPerJob };
  } finally {
    for (const child of children.reverse()) await stop(child);
    if (options.keep) console.log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
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

/** utime + stime + cutime + cstime of a process, in ms (0 where /proc cannot tell). */
function cpuMs(pid: number | "self"): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** The daemon's children that are its job launcher (a `sh -c` read loop). */
function launcherPids(daemonPid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === daemonPid && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("read -r")) {
        pids.push(Number(entry));
      }
    } catch {
      // gone meanwhile
    }
  }
  return pids;
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
      keep: { type: "boolean", default: false },
    },
  });
  const options = {
    jobs: Number(values.jobs),
    maxJobs: Number(values["max-jobs"]),
    cpuProfDir: values["cpu-prof"],
    keep: values.keep,
  };
  const ratios: number[] = [];
  for (let round = 1; round <= Number(values.rounds); round++) {
    const r = await measureEndToEnd(options);
    ratios.push(r.ratio);
    const cpu = Object.entries(r.cpuMsPerJob).map(([k, v]) => `${k} ${v.toFixed(2)}`);
    console.log(
      `round ${round}: raw ${r.rawSpawnPerS.toFixed(0)}/s  daemon ${r.daemonJobsPerS.toFixed(0)} jobs/s  ` +
        `ratio ${r.ratio.toFixed(3)}  (CPU ms/job: ${cpu.join(", ")})`,
    );
  }
  if (ratios.length > 1) {
    console.log(`ratio min ${Math.min(...ratios).toFixed(3)} max ${Math.max(...ratios).toFixed(3)}`);
  }
}

if (import.meta.main) await main();
