/**
 * Which process a saved PID named. The state dir outlives reboots (systemd's StateDirectory=) and
 * PIDs are reused, so a PID read back from a job directory may now belong to anything — another
 * job, a database, sshd. The daemon signals a saved PID only when the process there is the one it
 * started: same boot (/proc/sys/kernel/random/boot_id) and same start time (/proc/PID/stat field
 * 22, in clock ticks since boot). Where /proc is missing (not Linux) nothing can be checked and
 * the PID is trusted as before.
 */
import { readFileSync, statSync } from "node:fs";

export interface ProcessIdentity {
  pid: number;
  /** /proc/PID/stat field 22: when the process started, in clock ticks after boot. */
  start_time: string;
  boot_id: string;
}

export type Verdict = "same" | "different" | "unknown";

export function currentBootId(): string | undefined {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return undefined;
  }
}

function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces and parentheses) start at field 3.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** The identity of a live process; undefined where it cannot be read (gone, or no /proc). */
export function identify(pid: number): ProcessIdentity | undefined {
  const boot = currentBootId();
  const start = startTime(pid);
  return boot && start ? { pid, start_time: start, boot_id: boot } : undefined;
}

/** Whether the process now at `saved.pid` is the one `saved` describes. */
export function verify(saved: ProcessIdentity): Verdict {
  const boot = currentBootId();
  if (boot === undefined) return "unknown";
  if (boot !== saved.boot_id) return "different";
  return startTime(saved.pid) === saved.start_time ? "same" : "different";
}

/**
 * For a PID saved without an identity (by an older daemon, or one that died before writing it):
 * "different" when the file that holds it was written before this boot, else "unknown".
 */
export function verifyByAge(pidFile: string): Verdict {
  try {
    const stat = readFileSync("/proc/stat", "utf8");
    const btime = Number(/^btime (\d+)$/m.exec(stat)?.[1]);
    if (!Number.isFinite(btime)) return "unknown";
    return statSync(pidFile).mtimeMs < btime * 1000 ? "different" : "unknown";
  } catch {
    return "unknown";
  }
}
