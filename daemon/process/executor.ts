/**
 * The seam between the daemon and whatever runs a job. An executor starts one job as its own
 * process group and leaves two files in the job's directory: `pid` (written when it starts) and
 * `exit_status` (written when it ends). That contract is what lets a restarted daemon re-adopt a
 * job it did not start: `adoptExecution` needs nothing else.
 *
 * Which executor runs which spec is decided in daemon/executors.ts.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { ClaimedJob, Task } from "../../shared/protocol.ts";
import type { JobDir } from "./job-dir.ts";
import { isProcessAlive, signalGroup, stopGroup } from "./process-group.ts";

export interface ExitInfo {
  /** The command's exit status; null when it did not end by itself (killed, or its shim vanished). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

export interface Execution {
  /** The executor's pid, which is also its process group id. */
  readonly pid: number;
  /** Resolves when the job's process has ended. Never rejects. */
  readonly done: Promise<ExitInfo>;
  /** Stops the job's process group (SIGTERM, `graceMs`, SIGKILL) and resolves once it has ended. */
  stop(graceMs: number): Promise<ExitInfo>;
  /** Workflows: the tasks' states now, and what to say about the outcome (read from the job dir). */
  report?(): ExecutionReport;
  /** Workflows: called when task states change, so they can be sent before the next heartbeat. */
  onTasksChanged?(listener: () => void): void;
}

export interface ExecutionReport {
  tasks: Task[];
  /** Why it failed, better than its exit status (e.g. which task failed). */
  message?: string;
  /** False when running it again cannot help (the workflow cannot run on this worker at all). */
  retryable?: boolean;
}

export interface Executor {
  readonly kind: string;
  start(dir: JobDir, job: ClaimedJob): Promise<Execution>;
  /** Watches an execution a previous daemon started; `adoptExecution` when not given. */
  adopt?(dir: JobDir, pid: number): Execution;
}

/** A job this daemon cannot run at all; reported failed and not retried. */
export class UnrunnableJobError extends Error {
  readonly retryable: boolean;
  constructor(message: string, retryable = false) {
    super(message);
    this.name = "UnrunnableJobError";
    this.retryable = retryable;
  }
}

/**
 * Watches an executor this daemon did not start (after a restart): it has ended when its pid is
 * gone; its exit status is then in the job directory, or it was killed before it could write it.
 */
export function adoptExecution(dir: JobDir, pid: number, pollMs = 100): Execution {
  const done = (async (): Promise<ExitInfo> => {
    for (;;) {
      const alive = isProcessAlive(pid);
      const status = await dir.readExitStatus();
      if (status !== undefined) return { exitCode: status, signal: null };
      if (!alive) return { exitCode: null, signal: null };
      await sleep(pollMs);
    }
  })();
  return {
    pid,
    done: done.finally(() => signalGroup(pid, "SIGKILL")),
    async stop(graceMs) {
      await stopGroup(pid, graceMs);
      return done;
    },
  };
}
