/**
 * The executor for workflow jobs: a Node process per job (daemon/workflow/executor-main) that
 * runs the DAG with the shared runner. Unlike the command shim it pays Node's start-up, once per
 * workflow, which is small next to a DAG of processes.
 *
 * Its Execution does more than a command's: it reads the task states the executor writes to
 * its progress file (for heartbeats and the final report), says when they change (so the daemon
 * can send them promptly), and when the job is stopped it tells the executor how much of the
 * grace period its tasks get, and finally SIGKILLs any task process group still listed as
 * running — task groups are not the executor's group, so stopping its group alone is not enough.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, statSync, writeFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { jobCwd, jobEnv } from "../process/command-executor.ts";
import {
  adoptExecution,
  type Execution,
  type Executor,
  type ExitInfo,
  UnrunnableJobError,
} from "../process/executor.ts";
import type { JobDir } from "../process/job-dir.ts";
import { signalGroup, stopGroup } from "../process/process-group.ts";
import { readWorkflowReport, runningTaskPids, STOP_FILE, WORKFLOW_DIR } from "./workflow-job.ts";
import { PROGRESS_FILE } from "./progress-file.ts";

/** executor-main.ts when run from source, executor-main.js from dist. */
const ENTRY = fileURLToPath(new URL(`./executor-main${extname(import.meta.url)}`, import.meta.url));
const CHANGE_POLL_MS = 200;

export function createWorkflowExecutor(): Executor {
  return {
    kind: "workflow",
    async start(dir, job) {
      const cwd = await jobCwd(dir, job);
      const log = openSync(dir.file("log"), "a");
      try {
        const child = spawn(process.execPath, [ENTRY, dir.path], {
          cwd,
          env: jobEnv(dir, job),
          detached: true,
          stdio: ["ignore", log, log],
        });
        return await started(child, dir);
      } finally {
        closeSync(log);
      }
    },
    adopt(dir, pid) {
      return withWorkflow(adoptExecution(dir, pid), dir);
    },
  };
}

function started(child: ReturnType<typeof spawn>, dir: JobDir): Promise<Execution> {
  return new Promise((resolve, reject) => {
    child.once("error", (error) =>
      reject(new UnrunnableJobError(`could not start the workflow executor: ${error.message}`, true)),
    );
    child.once("spawn", () => {
      const pid = child.pid!;
      const done = new Promise<ExitInfo>((resolveDone) =>
        child.once("exit", (exitCode, signal) => resolveDone({ exitCode, signal })),
      );
      const stop = async (graceMs: number) => {
        await stopGroup(pid, graceMs);
        return done;
      };
      resolve(withWorkflow({ pid, done, stop }, dir));
    });
  });
}

/** Adds what a workflow has beyond a process: task states, change notices, task groups to clean up. */
function withWorkflow(base: Execution, dir: JobDir): Execution {
  const done = base.done.then((exit) => {
    killLeftovers(base.pid, dir);
    return exit;
  });
  return {
    pid: base.pid,
    done,
    async stop(graceMs) {
      // Most of the grace period for the tasks; the rest for the executor to write its result.
      writeFileSync(join(dir.path, STOP_FILE), JSON.stringify({ grace_ms: Math.floor(graceMs * 0.8) }));
      await base.stop(graceMs);
      return done;
    },
    report: () => readWorkflowReport(dir.path),
    onTasksChanged: (listener) => watchProgress(join(dir.path, WORKFLOW_DIR, PROGRESS_FILE), listener, done),
  };
}

function killLeftovers(executorPid: number, dir: JobDir): void {
  signalGroup(executorPid, "SIGKILL");
  for (const pid of runningTaskPids(dir.path)) signalGroup(pid, "SIGKILL");
}

/** Polls the progress file's size: cheap, and works for an executor this daemon did not start. */
function watchProgress(path: string, listener: () => void, until: Promise<unknown>): void {
  let size = -1;
  const timer = setInterval(() => {
    const now = fileSize(path);
    if (now !== size) {
      size = now;
      listener();
    }
  }, CHANGE_POLL_MS);
  timer.unref();
  void until.finally(() => clearInterval(timer));
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}
