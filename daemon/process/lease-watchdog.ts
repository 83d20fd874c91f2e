/**
 * The lease watchdog: a small bash loop beside the daemon, in a process of its own, that kills a
 * job's process group when the job's lease is about to run out and the daemon has not stopped it.
 * The daemon stops such a job itself (lease-keeper.ts: `killMargin` before the lease ends), but
 * only while its event loop runs: a daemon that is SIGSTOPped, frozen or dead (and not restarted
 * to re-adopt its jobs) would leave the job running after the server handed it to another worker.
 *
 * The daemon writes one line per running job into a directory only it can write
 * (`<state_dir>/lease-watchdog/job-<id>`: the kill point on the boot clock in ms, the process
 * group, the group leader's start time), again at every renewal, and removes it when the process
 * ends. The loop reads those lines every 100 ms (every second when none is armed) and, past a kill
 * point, SIGKILLs the group if its leader is still the process the daemon started (the start time
 * guards against a reused pid), and appends "<boot ms> killed <group> <job id> <kill point>" to
 * `watchdog.log` there. It forks nothing while it runs: time from /proc/uptime (the boot
 * clock, which a wall-clock step does not move), naps by `read -t`. It leaves when a newer
 * watchdog takes the directory over, or when the daemon is gone and nothing is armed.
 *
 * The kill point is `watchdogKillPoint` (lease-keeper.ts): a quarter of the kill margin before the
 * lease ends on the daemon's clock, after the daemon's own stop, before the server can lease again. Linux only (/proc); elsewhere it is not started.
 * Processes that left the job's process group (setsid) are not reached by it; the cgroup kill,
 * where jobs have cgroups, is the daemon's.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { identify } from "./process-identity.ts";

const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;

// Bash, not sh: [[ =~ ]], read -t with a fraction, {fd} redirections. `\${` is a literal `${`.
const SCRIPT = `
dir=$1 daemon=$2 pidfile=$1/watchdog.pid
echo $$ > "$pidfile"
exec {nap}<> <(:)
shopt -s nullglob
while :; do
  read -r up _ < /proc/uptime
  now=$(( \${up%.*} * 1000 + 10#\${up#*.} * 10 ))
  armed=0
  for f in "$dir"/job-*; do
    read -r at g st < "$f" || continue
    [[ $at =~ ^[0-9]+$ && $g =~ ^[0-9]+$ && $st =~ ^[0-9]+$ ]] && (( g > 1 )) || continue
    [[ -e /proc/$g ]] || continue
    armed=1
    (( now >= at )) || continue
    : > "$f"
    read -r line < "/proc/$g/stat" 2>/dev/null || continue
    rest=\${line##*) }
    read -r -a field <<< "$rest"
    [[ \${field[19]} == "$st" ]] || continue
    kill -KILL -- "-$g" 2>/dev/null
    echo "$now killed $g \${f##*/job-} $at" >> "$dir/watchdog.log"
  done
  read -r w < "$pidfile" && [[ $w == "$$" ]] || exit 0
  [[ -e /proc/$daemon ]] || (( armed )) || exit 0
  if (( armed )); then read -t 0.1 -u "$nap" _; else read -t 1 -u "$nap" _; fi
done
`;

interface Armed {
  killAt?: number;
  pid?: number;
  startTime?: string;
}

export class LeaseWatchdog {
  readonly dir: string;
  private readonly clock: () => number;
  private readonly jobs = new Map<string, Armed>();

  constructor(dir: string, clock: () => number) {
    this.dir = dir;
    this.clock = clock;
  }

  /** The job's kill point on the keeper's clock (undefined: no longer kept, forget the job). */
  deadline(jobId: string, killAt: number | undefined): void {
    if (killAt === undefined) {
      this.forget(jobId);
      return;
    }
    const armed = this.jobs.get(jobId) ?? {};
    armed.killAt = killAt;
    this.jobs.set(jobId, armed);
    this.write(jobId, armed);
  }

  /** The job's process group exists: from now on it is killed at the kill point. */
  attach(jobId: string, pid: number): void {
    const identity = identify(pid);
    if (!identity) return; // already gone
    const armed = this.jobs.get(jobId) ?? {};
    Object.assign(armed, { pid, startTime: identity.start_time });
    this.jobs.set(jobId, armed);
    this.write(jobId, armed);
  }

  /** The job's process has ended: nothing to kill (and its pid may be reused). */
  detach(jobId: string): void {
    const armed = this.jobs.get(jobId);
    if (armed) delete armed.pid;
    rmSync(this.file(jobId), { force: true });
  }

  private forget(jobId: string): void {
    this.jobs.delete(jobId);
    rmSync(this.file(jobId), { force: true });
  }

  private write(jobId: string, armed: Armed): void {
    if (armed.killAt === undefined || armed.pid === undefined || !SAFE_ID.test(jobId)) return;
    const killAtBoot = Math.floor(bootClockMs() + (armed.killAt - this.clock()));
    const tmp = `${this.file(jobId)}.tmp`;
    // A rename: the loop reads a whole line or the one before, never half of one.
    writeFileSync(tmp, `${killAtBoot} ${armed.pid} ${armed.startTime}\n`, { mode: 0o600 });
    renameSync(tmp, this.file(jobId));
  }

  private file(jobId: string): string {
    return join(this.dir, `job-${jobId}`);
  }
}

/** Milliseconds since boot (CLOCK_BOOTTIME, as the loop reads it). */
function bootClockMs(): number {
  return Number.parseFloat(readFileSync("/proc/uptime", "utf8").split(" ")[0]!) * 1000;
}

export interface StartWatchdogOptions {
  stateDir: string;
  /** The lease keeper's clock, which deadlines are on. */
  clock: () => number;
  logger: Logger;
  /** Job ids with a directory in the state dir: files of other jobs are left over and removed. */
  jobIds: () => string[];
}

/** Starts the loop; undefined where it cannot run (no /proc, no bash), which is logged. */
export function startLeaseWatchdog(options: StartWatchdogOptions): LeaseWatchdog | undefined {
  if (!existsSync("/proc/uptime") || !existsSync("/bin/bash")) {
    options.logger.warn(
      { event: "lease_watchdog_unavailable" },
      "no lease watchdog here (it needs Linux's /proc and /bin/bash): a job outlives a stopped daemon's lease",
    );
    return undefined;
  }
  const dir = join(options.stateDir, "lease-watchdog");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const live = new Set(options.jobIds().map((id) => `job-${id}`));
  for (const name of readdirSync(dir))
    if (name.startsWith("job-") && !live.has(name)) rmSync(join(dir, name));
  // Detached and unheld: it must outlive a daemon that is killed, to kill that daemon's jobs in time.
  const child = spawn("/bin/bash", ["-c", SCRIPT, "flowy-lease-watchdog", dir, String(process.pid)], {
    detached: true,
    stdio: "ignore",
  });
  child.unref();
  options.logger.info({ event: "lease_watchdog_started", pid: child.pid }, "lease watchdog started");
  return new LeaseWatchdog(dir, options.clock);
}
