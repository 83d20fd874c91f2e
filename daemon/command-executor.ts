/**
 * Runs a command or shell job through a tiny POSIX shell shim, in its own process group.
 *
 * Why a shim and not a Node executor: starting Node costs ~60 ms and ~40 MB here, a bare spawn
 * ~1 ms. The shim is one `sh` that records its pid, runs the command, and writes the exit status
 * into the job directory; that is all a restarted daemon needs to re-adopt or collect the job.
 * Its stdout and stderr go straight to output.log (files, not pipes), so the job keeps running
 * and writing if the daemon dies.
 *
 * Why node:child_process and not execa: the shim needs none of execa's piping or promise
 * plumbing (stdio are file descriptors, the process is detached), and a spawn sits on the
 * hottest path of a busy worker.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { ClaimedJob } from "../shared/protocol.ts";
import { type Execution, type Executor, type ExitInfo, UnrunnableJobError } from "./executor.ts";
import type { JobDir } from "./job-dir.ts";
import { signalGroup, stopGroup } from "./process-group.ts";

/**
 * $1.. is the command's argv. The shim outlives a SIGTERM to the group (`trap :`; the command
 * gets the default action back, as traps with a command are reset on exec) so it can record how
 * the command took it; SIGKILL after the grace period still takes everything. `exit $s` makes
 * the shim's exit status the command's, so the daemon that started it reads no file on the hot
 * path.
 */
export const SHIM =
  'trap : TERM INT; echo $$ > "$FLOWY_JOB_DIR/pid"; "$@"; s=$?; echo $s > "$FLOWY_JOB_DIR/exit_status"; exit $s';
const SHELL = "/bin/sh";
/** Never passed on to jobs: a job has no business holding the worker's API key. */
const WITHHELD_ENV = ["FLOWY_API_KEY"];

export function createCommandExecutor(): Executor {
  return {
    kind: "command",
    async start(dir, job) {
      const argv = commandArgv(job);
      const cwd = await jobCwd(dir, job);
      const log = openSync(dir.file("log"), "a");
      try {
        const child = spawn(SHELL, ["-c", SHIM, "flowy-shim", ...argv], {
          cwd,
          env: jobEnv(dir, job),
          detached: true,
          stdio: ["ignore", log, log],
        });
        return await track(child);
      } finally {
        closeSync(log);
      }
    },
  };
}

function commandArgv(job: ClaimedJob): string[] {
  if (job.spec.command) return job.spec.command;
  return [SHELL, "-c", job.spec.shell!];
}

/** The job's cwd: its own directory by default; a relative spec.cwd is taken from there. */
async function jobCwd(dir: JobDir, job: ClaimedJob): Promise<string> {
  const cwd = resolve(dir.path, job.spec.cwd ?? ".");
  const info = await stat(cwd).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new UnrunnableJobError(
      `the job's cwd ${cwd} does not exist on worker host (or is not a directory); ` +
        "create it there, or give the job a cwd that exists on every worker with its tags",
    );
  }
  return cwd;
}

export function jobEnv(dir: JobDir, job: ClaimedJob): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...job.spec.env };
  for (const name of WITHHELD_ENV) delete env[name];
  return {
    ...env,
    FLOWY_JOB_ID: job.id,
    FLOWY_ATTEMPT: String(job.attempt),
    FLOWY_JOB_DIR: dir.path,
    FLOWY_INPUTS: dir.file("inputs"),
    FLOWY_OUTPUTS: dir.file("outputs"),
  };
}

function track(child: ReturnType<typeof spawn>): Promise<Execution> {
  return new Promise((resolveStart, rejectStart) => {
    child.once("error", (error) =>
      rejectStart(new UnrunnableJobError(`could not start the job: ${error.message}`, true)),
    );
    child.once("spawn", () => {
      const pid = child.pid!;
      const done = new Promise<ExitInfo>((resolveDone) =>
        child.once("exit", (code, signal) => {
          // Whatever the command left behind in its group does not outlive the job.
          signalGroup(pid, "SIGKILL");
          resolveDone({ exitCode: code, signal });
        }),
      );
      resolveStart({
        pid,
        done,
        async stop(graceMs) {
          await stopGroup(pid, graceMs);
          return done;
        },
      });
    });
  });
}
