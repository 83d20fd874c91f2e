/**
 * One attempt of one task: a process in its own process group, so stopping it stops everything
 * it started (a shell and its children, `cmd &` in the background). Stopping is SIGTERM to the
 * group, a grace period, then SIGKILL to the group. node:child_process rather than execa because
 * what we need is the group (`detached` + kill(-pgid)), not execa's single-child helpers.
 */
import { spawn } from "node:child_process";

export interface TaskCommand {
  /** A shell script (run by /bin/sh -c) or an argv. */
  run: string | string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  graceMs: number;
  onOutput?: (stream: "stdout" | "stderr", chunk: Buffer) => void;
}

export type StopReason = "timeout" | "cancel";

export interface TaskExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when we stopped it: the timeout passed or the workflow was canceled. */
  stopped?: StopReason;
  /** Set when the program could not be started at all. */
  spawnError?: string;
}

export interface TaskProcess {
  pid: number | undefined;
  exited: Promise<TaskExit>;
  /** `graceMs` overrides the command's grace period (a cancel that has less time). */
  stop(reason: StopReason, graceMs?: number): void;
}

export function startTaskProcess(command: TaskCommand): TaskProcess {
  const [file, args] =
    typeof command.run === "string"
      ? ["/bin/sh", ["-c", command.run]]
      : [command.run[0]!, command.run.slice(1)];
  const child = spawn(file, args, {
    cwd: command.cwd,
    env: command.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => command.onOutput?.("stdout", chunk));
  child.stderr?.on("data", (chunk: Buffer) => command.onOutput?.("stderr", chunk));

  let stopped: StopReason | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let graceMs = command.graceMs;
  const stop = (reason: StopReason, grace = command.graceMs) => {
    if (stopped || child.exitCode !== null || child.signalCode !== null) return;
    stopped = reason;
    graceMs = grace;
    signalGroup(child.pid, "SIGTERM");
    killTimer = setTimeout(() => signalGroup(child.pid, "SIGKILL"), graceMs);
  };
  const timeoutTimer =
    command.timeoutMs === undefined ? undefined : setTimeout(() => stop("timeout"), command.timeoutMs);

  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const exited = new Promise<TaskExit>((resolve) => {
    child.once("error", (err) => {
      clearTimeout(timeoutTimer);
      resolve({ exitCode: null, signal: null, spawnError: err.message });
    });
    child.once("exit", async (exitCode, signal) => {
      clearTimeout(timeoutTimer);
      // When we are stopping it, the rest of its group still gets the grace period.
      if (stopped) await groupGone(child.pid, graceMs);
      clearTimeout(killTimer);
      // The task is over when its first process is: whatever it left behind in its group goes too.
      signalGroup(child.pid, "SIGKILL");
      // Let the pipes drain so no output arrives after the task is reported finished.
      await Promise.race([closed, delay(CLOSE_WAIT_MS, { unref: true })]);
      resolve({ exitCode, signal, ...(stopped ? { stopped } : {}) });
    });
  });
  return { pid: child.pid, exited, stop };
}

/** A process that left the group (setsid) may hold our pipes open; do not wait on it forever. */
const CLOSE_WAIT_MS = 2000;
const POLL_MS = 25;

/** `unref`: a wait that must not keep the process alive after everything else is done. */
function delay(ms: number, { unref = false } = {}): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (unref) timer.unref();
  });
}

async function groupGone(pid: number | undefined, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (pid !== undefined && Date.now() < deadline && groupAlive(pid)) await delay(POLL_MS);
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}
