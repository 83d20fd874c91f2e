/**
 * The real flowy-server binary in its own process, as a user runs it: the bench talks to it over
 * HTTP only. `nodeArgs` lets a run add --cpu-prof to find where the server spends its time.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..", "..");
export const NODE = join(ROOT, "node_modules", ".bin", "node");
/** Another checkout's server (FLOWY_BENCH_SERVER_ROOT) can be measured against this one: A/B of a change. */
const SERVER_ROOT = process.env.FLOWY_BENCH_SERVER_ROOT ?? ROOT;

export interface ServerProcess {
  pid: number;
  url: string;
  api: string;
  stop(): Promise<void>;
}

export interface ServerProcessOptions {
  /** A SQLite file path or a postgres:// URL. */
  db: string;
  nodeArgs?: string[];
}

export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const args = [
    ...(options.nodeArgs ?? []),
    join(SERVER_ROOT, "server", "cli.ts"),
    "start",
    "--port",
    "0",
    "--log-level",
    "warn",
    "--db",
    options.db,
  ];
  const child = spawn(NODE, args, { stdio: ["ignore", "pipe", "pipe"] });
  const url = await listeningUrl(child);
  return {
    pid: child.pid!,
    url,
    api: `${url}/api/v1`,
    stop: () => stopChild(child),
  };
}

function listeningUrl(child: ChildProcess): Promise<string> {
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`flowy-server exited with ${code}:\n${output}`)));
  });
}

/** SIGTERM (so --cpu-prof writes its profile), then SIGKILL if it hangs. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
