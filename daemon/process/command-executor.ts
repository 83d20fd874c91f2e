/**
 * Runs a command or shell job through a tiny POSIX shell shim (daemon/process/shim-script.ts) in its own
 * process group, started by the launcher (daemon/process/launcher.ts) rather than by the
 * daemon itself.
 *
 * Why a shim and not a Node executor: starting Node costs ~60 ms and ~40 MB here, a bare spawn
 * ~1 ms. The shim records its pid, runs the command and writes the exit status into the job
 * directory; that is all a restarted daemon needs to re-adopt or collect the job. Its stdout and
 * stderr go straight to output.log (files, not pipes), so the job keeps running and writing if
 * the daemon dies.
 *
 * Why a launcher: a fork of the daemon (a large Node process) cost ~6 ms of its only thread per
 * job, 60% of its time on a busy worker. The launcher forks a small shell instead, in another
 * process; the daemon hears "started" and "ended" as short lines on a pipe.
 *
 * How an execution ends: the shim's "E" line; or, when the shim was killed before it could say
 * so (SIGKILL after a grace period, the OOM killer), its pid found gone by a poll (every second,
 * every 25 ms once the daemon stopped it) — the exit status is then read from the job dir.
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { ClaimedJob } from "../../shared/protocol.ts";
import { type Execution, type Executor, type ExitInfo, UnrunnableJobError } from "./executor.ts";
import type { JobDir } from "./job-dir.ts";
import { Launcher } from "./launcher.ts";
import { isProcessAlive, signalGroup, stopGroup } from "./process-group.ts";
import { commandArgv, shimScript } from "./shim-script.ts";

/** Never passed on to jobs: a job has no business holding the worker's API key. */
const WITHHELD_ENV = ["FLOWY_API_KEY"];
/** A start the launcher has not confirmed by then is fenced off and reported failed (retried). */
const START_TIMEOUT_MS = 30_000;
const LIVENESS_POLL_MS = 1_000;
const STOPPED_POLL_MS = 25;

export interface CommandExecutorOptions {
  /** The launcher that starts the shims; one is created on the first start when not given. */
  launcher?: Launcher;
  startTimeoutMs?: number;
}

export function createCommandExecutor(options: CommandExecutorOptions = {}): Executor {
  let launcher = options.launcher;
  const startTimeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS;
  return {
    kind: "command",
    async start(dir, job) {
      const cwd = await jobCwd(dir, job);
      launcher ??= new Launcher({ env: baseEnv() });
      const token = launcher.token();
      const script = shimScript({
        token,
        argv: commandArgv(job),
        cwd,
        env: jobVariables(dir, job),
        files: { pid: dir.file("pid"), exitStatus: dir.file("exitStatus") },
      });
      writeFileSync(dir.file("run"), script); // small, local: cheaper than the thread pool (job-dir.ts)
      return launch(launcher, token, dir, startTimeoutMs);
    },
  };
}

/** The job's cwd: its own directory by default; a relative spec.cwd is taken from there. */
export async function jobCwd(dir: JobDir, job: ClaimedJob): Promise<string> {
  const cwd = resolve(dir.path, job.spec.cwd ?? ".");
  if (cwd === dir.path) return cwd; // just made
  const info = statSync(cwd, { throwIfNoEntry: false });
  if (!info?.isDirectory()) {
    throw new UnrunnableJobError(
      `the job's cwd ${cwd} does not exist on worker host (or is not a directory); ` +
        "create it there, or give the job a cwd that exists on every worker with its tags",
    );
  }
  return cwd;
}

/** The daemon's environment without what jobs must not see: what every job starts from. */
export function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of WITHHELD_ENV) delete env[name];
  return env;
}

/** What a job adds to the base environment: its spec's env, then the FLOWY_* variables. */
export function jobVariables(dir: JobDir, job: ClaimedJob): Record<string, string> {
  const vars: Record<string, string> = { ...job.spec.env };
  for (const name of WITHHELD_ENV) delete vars[name];
  return {
    ...vars,
    FLOWY_JOB_ID: job.id,
    FLOWY_ATTEMPT: String(job.attempt),
    FLOWY_JOB_DIR: dir.path,
    FLOWY_INPUTS: dir.file("inputs"),
    FLOWY_OUTPUTS: dir.file("outputs"),
  };
}

/** The whole environment of a job (for executors that spawn it themselves). */
export function jobEnv(dir: JobDir, job: ClaimedJob): NodeJS.ProcessEnv {
  return { ...baseEnv(), ...jobVariables(dir, job) };
}

/** One shim started by the launcher: resolves once it runs in its own group. */
function launch(launcher: Launcher, token: string, dir: JobDir, startTimeoutMs: number): Promise<Execution> {
  return new Promise((resolveStart, rejectStart) => {
    let pid = 0;
    let ended = false;
    let resolveDone!: (exit: ExitInfo) => void;
    const done = new Promise<ExitInfo>((r) => {
      resolveDone = r;
    });
    const end = (exit: ExitInfo) => {
      if (ended) return;
      ended = true;
      clearTimeout(fence);
      launcher.forget(token);
      watcher.remove(check);
      // Whatever the command left behind in its group does not outlive the job.
      signalGroup(pid, "SIGKILL");
      resolveDone(exit);
    };
    /** The shim is gone without saying how the command ended: the job dir knows, or nobody. */
    const check = () => {
      if (ended || isProcessAlive(pid)) return;
      end({ exitCode: readExitStatusNow(dir), signal: null });
    };
    const started = (shimPid: number) => {
      if (pid) return;
      pid = shimPid;
      clearTimeout(fence);
      watcher.add(check, LIVENESS_POLL_MS);
      resolveStart({
        pid,
        done,
        async stop(graceMs) {
          if (!ended) {
            await stopGroup(pid, graceMs);
            watcher.add(check, STOPPED_POLL_MS);
          }
          return done;
        },
      });
    };
    const fence = setTimeout(() => {
      const outcome = fenceOff(dir);
      if (outcome === "fenced") {
        launcher.forget(token);
        rejectStart(
          new UnrunnableJobError(`the job launcher did not start the job within ${startTimeoutMs} ms`, true),
        );
      } else if (outcome > 1) started(outcome);
    }, startTimeoutMs);
    try {
      launcher.launch(token, dir.path, {
        onStarted: started,
        onEnded: (status) => end({ exitCode: status, signal: null }),
      });
    } catch (error) {
      clearTimeout(fence);
      rejectStart(new UnrunnableJobError(`could not start the job: ${(error as Error).message}`, true));
    }
  });
}

/**
 * Makes sure a start that never reported will not run later: creates the pid file first (the
 * shim creates it with O_EXCL and leaves when it exists). The shim's pid when it got there first.
 */
function fenceOff(dir: JobDir): "fenced" | number {
  try {
    writeFileSync(dir.file("pid"), "0\n", { flag: "wx" });
    return "fenced";
  } catch {
    try {
      const text = readFileSync(dir.file("pid"), "utf8");
      return text.endsWith("\n") ? Number(text.trim()) || 0 : 0;
    } catch {
      return 0; // the job dir is gone: nothing left to start
    }
  }
}

function readExitStatusNow(dir: JobDir): number | null {
  try {
    const text = readFileSync(dir.file("exitStatus"), "utf8");
    const status = Number(text.trim());
    return text.endsWith("\n") && Number.isInteger(status) ? status : null;
  } catch {
    return null;
  }
}

/**
 * Calls each registered check at its own interval, with one timer for all of them, and no timer
 * at all when nothing runs: an idle daemon does not wake up.
 */
class Watcher {
  private readonly checks = new Map<() => void, { everyMs: number; dueAt: number }>();
  private timer: NodeJS.Timeout | undefined;
  private tickMs = Number.POSITIVE_INFINITY;

  add(check: () => void, everyMs: number): void {
    this.checks.set(check, { everyMs, dueAt: Date.now() + everyMs });
    if (everyMs < this.tickMs) this.reschedule();
  }

  remove(check: () => void): void {
    const removed = this.checks.get(check);
    this.checks.delete(check);
    if (removed && (this.checks.size === 0 || removed.everyMs <= this.tickMs)) this.reschedule();
  }

  private reschedule(): void {
    let tickMs = Number.POSITIVE_INFINITY;
    for (const { everyMs } of this.checks.values()) tickMs = Math.min(tickMs, everyMs);
    if (tickMs === this.tickMs && this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.tickMs = tickMs;
    if (this.checks.size > 0) this.timer = setInterval(() => this.tick(), tickMs);
  }

  private tick(): void {
    const now = Date.now();
    for (const [check, when] of this.checks) {
      if (now < when.dueAt) continue;
      when.dueAt = now + when.everyMs;
      check();
    }
  }
}

const watcher = new Watcher();
