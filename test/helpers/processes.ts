/**
 * End-to-end helpers: the real `flowy-server` and `daemon-flowy` binaries in child processes,
 * and polling with a deadline (never a fixed sleep). Everything started here is killed when the
 * test finishes, including job process groups a killed daemon left behind.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { get, post } from "./http.ts";
import { exited, NODE, type ServerProcess, spawnServerProcess } from "./server-process.ts";
import { tmpDir } from "./tmp.ts";

const ROOT = join(import.meta.dirname, "..", "..");
export const FIXTURES = join(ROOT, "test", "fixtures");
export { exited, NODE };

/** A fixture script as a job's argv. */
export function fixture(name: string, ...args: Array<string | number>): string[] {
  return ["sh", join(FIXTURES, name), ...args.map(String)];
}

/** A flowy-server child with the job calls every daemon test makes, bound to its API. */
export interface TestServer extends ServerProcess {
  db: string;
  /** Submits a job; returns its id. */
  submit(body: Record<string, unknown>): Promise<string>;
  getJob(id: string): Promise<any>;
  /** Waits until the job is in one of `states`; returns it. */
  waitForState(id: string, states: string[], timeoutMs?: number): Promise<any>;
}

/** A real flowy-server on a free port; `db` reuses a database file (restart after a crash). */
export async function spawnServer(db = join(tmpDir(), "flowy.db")): Promise<TestServer> {
  const server = await spawnServerProcess(["--db", db, "--reaper-interval-ms", "100"]);
  const { api } = server;
  return {
    ...server,
    db,
    submit: (body) => submit(api, body),
    getJob: (id) => getJob(api, id),
    waitForState: (id, states, timeoutMs) => waitForState(api, id, states, timeoutMs),
  };
}

export interface DaemonProcess {
  child: ChildProcess;
  stateDir: string;
  /** Everything it logged so far (pino JSON lines on stderr). */
  output(): string;
  /** Parsed log lines. */
  events(): Array<Record<string, unknown>>;
  exited(): Promise<number | null>;
}

export interface SpawnDaemonOptions {
  stateDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** Environment without the developer's FLOWY_* settings or ~/.flowy. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { HOME: tmpDir("flowy-home-") };
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("FLOWY_") && key !== "HOME") env[key] = value;
  }
  return { ...env, ...extra };
}

export function spawnDaemon(
  server: string,
  args: string[] = [],
  options: SpawnDaemonOptions = {},
): DaemonProcess {
  const stateDir = options.stateDir ?? tmpDir("flowy-daemon-");
  const child = spawn(
    NODE,
    [
      join(ROOT, "daemon", "cli.ts"),
      "--server",
      server,
      "--state-dir",
      stateDir,
      "--log-level",
      "debug",
      "--kill-grace",
      "0.5",
      "--claim-wait",
      "2",
      ...args,
    ],
    { env: cleanEnv(options.env), stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  onTestFinished(() => killDaemon(child, stateDir));
  return {
    child,
    stateDir,
    output: () => output,
    events: () => parseLines(output),
    exited: () => exited(child),
  };
}

/** A fresh server and one daemon working for it: how most end-to-end tests begin. */
export async function spawnServerAndDaemon(
  daemonArgs: string[] = [],
  options: SpawnDaemonOptions = {},
): Promise<{ server: TestServer; daemon: DaemonProcess }> {
  const server = await spawnServer();
  return { server, daemon: spawnDaemon(server.url, daemonArgs, options) };
}

/**
 * trap-term.sh in a fresh directory: it writes its pid to `pidFile`, and the time it got SIGTERM
 * (ms) to `termedFile`, then exits 143.
 */
export function trapTermJob(): { command: string[]; pidFile: string; termedFile: string } {
  const dir = tmpDir();
  const pidFile = join(dir, "pid");
  const termedFile = join(dir, "termed");
  return { command: fixture("trap-term.sh", pidFile, termedFile), pidFile, termedFile };
}

function parseLines(text: string): Array<Record<string, unknown>> {
  return text
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
}

/** SIGKILLs the daemon (resuming it first if stopped) and every job group it left behind. */
function killDaemon(child: ChildProcess, stateDir: string): void {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill("SIGCONT");
    child.kill("SIGKILL");
  }
  const jobs = join(stateDir, "jobs");
  let ids: string[] = [];
  try {
    ids = readdirSync(jobs);
  } catch {
    return;
  }
  for (const id of ids) {
    try {
      const pid = Number(readFileSync(join(jobs, id, "pid"), "utf8").trim());
      if (pid > 1) process.kill(-pid, "SIGKILL");
    } catch {
      // no pid file, or the group is gone already
    }
  }
}

/** Polls `check` until it returns something truthy, or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

async function submit(api: string, body: Record<string, unknown>): Promise<string> {
  const res = await post(`${api}/jobs`, body);
  if (res.status !== 201) throw new Error(`submit failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

async function getJob(api: string, id: string): Promise<any> {
  return (await get(`${api}/jobs/${id}`)).body;
}

function waitForState(api: string, id: string, states: string[], timeoutMs = 15_000): Promise<any> {
  return waitFor(
    `job ${id} to reach ${states.join("|")}`,
    async () => {
      const job = await getJob(api, id);
      return states.includes(job.state) ? job : undefined;
    },
    timeoutMs,
  );
}

/** Whether a pid is alive (zombies count as dead: nothing may reap them in a container). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

export function readPidFile(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}
