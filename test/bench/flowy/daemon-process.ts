/** The real daemon-flowy binary in its own process, pointed at a bench server. */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NODE, stopChild } from "./server-process.ts";

const ROOT = join(import.meta.dirname, "..", "..", "..");

export interface DaemonProcess {
  pid: number;
  stop(): Promise<void>;
}

export function startDaemonProcess(serverUrl: string, maxJobs: number): DaemonProcess {
  const stateDir = mkdtempSync(join(tmpdir(), "flowy-bench-daemon-"));
  const child: ChildProcess = spawn(
    NODE,
    [
      join(ROOT, "daemon", "cli.ts"),
      "--server",
      serverUrl,
      "--max-jobs",
      String(maxJobs),
      "--state-dir",
      stateDir,
      "--log-level",
      "warn",
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  return {
    pid: child.pid!,
    async stop() {
      await stopChild(child);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Whether the daemon is in this source tree; scenarios that need it say "skipped" otherwise. */
export function daemonBuilt(): boolean {
  return existsSync(join(ROOT, "daemon", "cli.ts"));
}
