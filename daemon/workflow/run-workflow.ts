/**
 * Runs one flow: every task whose needs are met starts, up to `concurrency` at a time, each in
 * its own process group. A failed task fails the workflow and skips what depends on it (unless
 * it has continue_on_error); independent branches go on. Each change of a task's state is sent
 * to `onTask` and appended to the progress file in `workDir`. Aborting `signal` cancels: nothing
 * new starts, waiting tasks become canceled, running ones get SIGTERM, a grace period, SIGKILL.
 */
import { mkdirSync } from "node:fs";
import type { FlowPlan, PlannedTask } from "../../shared/workflow/plan.ts";
import { formatDuration } from "../../shared/duration.ts";
import { retryDelayMs } from "../../shared/retry-policy.ts";
import { createProgressWriter } from "./progress-file.ts";
import { type TaskExit, type TaskProcess, startTaskProcess } from "./task-process.ts";
import {
  type Outputs,
  prepareTask,
  type RunContext,
  readOutputs,
  TaskSetupError,
  writeInputs,
} from "./task-setup.ts";
import { isFinished, type TaskStatus, type WorkflowState } from "./task-status.ts";

export interface RunWorkflowOptions {
  plan: FlowPlan;
  /** Where the run keeps inputs.json, progress.jsonl and tasks/<name>/ (outputs, upstream). */
  workDir: string;
  /** Base directory for the tasks' cwd (default: the current directory). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  concurrency?: number;
  /** Between SIGTERM and SIGKILL when a task is stopped (default 10 s). */
  graceMs?: number;
  /** Aborting cancels the run; `abort({ graceMs })` gives running tasks that grace instead. */
  signal?: AbortSignal;
  onTask?: (task: TaskStatus) => void;
  onOutput?: (task: string, stream: "stdout" | "stderr", chunk: Buffer) => void;
  now?: () => number;
}

export interface WorkflowResult {
  state: WorkflowState;
  tasks: TaskStatus[];
  /** Each task's outputs, by task name. */
  outputs: Record<string, Outputs>;
  message?: string;
}

export const DEFAULT_CONCURRENCY = 4;
/** However many retries, one wait is at most this long. */
const MAX_RETRY_DELAY_S = 600;

/** The shared retry policy, starting from the task's retry_delay and doubling. */
function taskRetryDelayMs(task: PlannedTask, attempt: number): number {
  if (task.retryDelayMs <= 0) return 0;
  return retryDelayMs(attempt, { initial_s: task.retryDelayMs / 1000, max_s: MAX_RETRY_DELAY_S, factor: 2 });
}
export const DEFAULT_GRACE_MS = 10_000;

export function runWorkflow(options: RunWorkflowOptions): Promise<WorkflowResult> {
  return new WorkflowRun(options).run();
}

class WorkflowRun {
  private readonly options: RunWorkflowOptions;
  private readonly context: RunContext;
  private readonly statuses = new Map<string, TaskStatus>();
  private readonly running = new Map<string, TaskProcess | undefined>();
  private readonly writeProgress: ReturnType<typeof createProgressWriter>;
  private readonly limit: number;
  private canceled = false;
  /** Tasks waiting to retry: a cancel wakes them. */
  private readonly pauses = new Set<() => void>();
  private finish: (() => void) | undefined;

  constructor(options: RunWorkflowOptions) {
    this.options = options;
    this.limit = Math.max(1, options.concurrency ?? options.plan.concurrency ?? DEFAULT_CONCURRENCY);
    mkdirSync(options.workDir, { recursive: true });
    this.writeProgress = createProgressWriter(options.workDir);
    this.context = {
      plan: options.plan,
      workDir: options.workDir,
      baseCwd: options.cwd ?? process.cwd(),
      baseEnv: options.env ?? process.env,
      outputs: new Map(),
      ancestors: ancestorsOf(options.plan.tasks),
    };
  }

  async run(): Promise<WorkflowResult> {
    writeInputs(this.options.workDir, this.options.plan.inputs);
    for (const task of this.options.plan.tasks) {
      this.update({ name: task.name, state: "pending", needs: task.needs, attempt: 0 });
    }
    const done = new Promise<void>((resolve) => {
      this.finish = resolve;
    });
    const onAbort = () => this.cancel();
    this.options.signal?.addEventListener("abort", onAbort, { once: true });
    if (this.options.signal?.aborted) this.cancel();
    this.pump();
    await done;
    this.options.signal?.removeEventListener("abort", onAbort);
    return this.result();
  }

  /** Skip what can no longer run, start what can, and finish when nothing is left. */
  private pump(): void {
    for (const task of this.options.plan.tasks) {
      const status = this.statuses.get(task.name)!;
      if (status.state !== "pending" || this.canceled) continue;
      const blocker = task.needs.find((need) => !this.passed(need) && isFinished(this.state(need)));
      if (blocker) {
        this.update({ ...status, state: "skipped", message: `skipped: ${blocker} ${this.state(blocker)}` });
      } else if (task.needs.every((need) => this.passed(need)) && this.running.size < this.limit) {
        void this.runTask(task);
      }
    }
    const allFinished = [...this.statuses.values()].every((s) => isFinished(s.state));
    if (allFinished && this.running.size === 0) this.finish?.();
  }

  /** A need lets its dependents run when it succeeded, or failed with continue_on_error. */
  private passed(name: string): boolean {
    const state = this.state(name);
    const task = this.options.plan.tasks.find((t) => t.name === name)!;
    return state === "succeeded" || (state === "failed" && task.continueOnError);
  }

  private state(name: string) {
    return this.statuses.get(name)!.state;
  }

  private async runTask(task: PlannedTask): Promise<void> {
    this.running.set(task.name, undefined);
    const startedAt = this.timestamp();
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(task, attempt, startedAt);
      const retry = outcome.retryable && attempt <= task.retries && !this.canceled;
      const delayMs = retry ? taskRetryDelayMs(task, attempt) : 0;
      if (retry) {
        const after = delayMs > 0 ? ` in ${formatDuration(delayMs)}` : "";
        this.update({
          ...this.statuses.get(task.name)!,
          message: `attempt ${attempt} ${outcome.status.message}; retrying${after}`,
        });
        await this.pause(delayMs);
      }
      if (!retry || this.canceled) {
        const status = retry
          ? { state: "canceled" as const, message: "canceled while waiting to retry" }
          : outcome.status;
        this.running.delete(task.name);
        this.update({ ...this.statuses.get(task.name)!, ...status, finished_at: this.timestamp() });
        break;
      }
    }
    this.pump();
  }

  /** Waits `ms`, or less when the run is canceled meanwhile. */
  private pause(ms: number): Promise<void> {
    if (ms <= 0 || this.canceled) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.pauses.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.pauses.add(wake);
    });
  }

  private async attempt(task: PlannedTask, attempt: number, startedAt: string): Promise<AttemptOutcome> {
    let child: TaskProcess;
    try {
      const launch = prepareTask(this.context, task, attempt);
      child = startTaskProcess({
        ...launch,
        timeoutMs: task.timeoutMs,
        graceMs: this.options.graceMs ?? DEFAULT_GRACE_MS,
        onOutput: (stream, chunk) => this.options.onOutput?.(task.name, stream, chunk),
      });
    } catch (err) {
      return setupFailure(err);
    }
    this.running.set(task.name, child);
    const current = this.statuses.get(task.name)!;
    this.update({ ...current, state: "running", attempt, started_at: startedAt, pid: child.pid });
    // Canceled while it was being started: stop it now.
    if (this.canceled) child.stop("cancel", this.cancelGraceMs());
    const exit = await child.exited;
    return this.judge(task, exit);
  }

  private judge(task: PlannedTask, exit: TaskExit): AttemptOutcome {
    const exit_code = exit.exitCode;
    if (exit.stopped === "cancel")
      return { retryable: false, status: { state: "canceled", exit_code, message: "canceled" } };
    if (exit.stopped === "timeout") {
      const message = `timed out after ${formatDuration(task.timeoutMs!)}`;
      return { retryable: true, status: { state: "failed", exit_code, message } };
    }
    if (exit.spawnError)
      return {
        retryable: false,
        status: { state: "failed", exit_code: null, message: `could not start: ${exit.spawnError}` },
      };
    if (exit.exitCode !== 0) {
      const message = exit.signal ? `killed by ${exit.signal}` : `exited with ${exit.exitCode}`;
      return { retryable: true, status: { state: "failed", exit_code, message } };
    }
    try {
      this.context.outputs.set(task.name, readOutputs(this.options.workDir, task.name));
    } catch (err) {
      return setupFailure(err);
    }
    return { retryable: false, status: { state: "succeeded", exit_code: 0, message: null } };
  }

  private cancel(): void {
    if (this.canceled) return;
    this.canceled = true;
    for (const status of this.statuses.values()) {
      if (status.state === "pending")
        this.update({ ...status, state: "canceled", message: "canceled before it started" });
    }
    for (const child of this.running.values()) child?.stop("cancel", this.cancelGraceMs());
    for (const wake of [...this.pauses]) wake();
    this.pump();
  }

  private cancelGraceMs(): number {
    const reason: unknown = this.options.signal?.reason;
    const override = (reason as { graceMs?: unknown } | undefined)?.graceMs;
    return typeof override === "number" ? override : (this.options.graceMs ?? DEFAULT_GRACE_MS);
  }

  private update(status: TaskStatus): void {
    const { pid, ...rest } = status;
    const next: TaskStatus = isFinished(status.state) ? rest : status;
    if (pid !== undefined && !isFinished(status.state)) next.pid = pid;
    this.statuses.set(status.name, next);
    this.writeProgress({ type: "task", task: next });
    this.options.onTask?.({ ...next });
  }

  private result(): WorkflowResult {
    const tasks = this.options.plan.tasks.map((t) => this.statuses.get(t.name)!);
    const failed = tasks.filter((t) => t.state === "failed" && !this.passed(t.name)).map((t) => t.name);
    const state: WorkflowState = this.canceled ? "canceled" : failed.length ? "failed" : "succeeded";
    const message =
      state === "canceled"
        ? "the workflow was canceled"
        : failed.length
          ? `task failed: ${failed.join(", ")}`
          : undefined;
    this.writeProgress({ type: "end", state, ...(message ? { message } : {}) });
    const outputs = Object.fromEntries(this.context.outputs);
    return { state, tasks, outputs, ...(message ? { message } : {}) };
  }

  private timestamp(): string {
    return new Date(this.options.now?.() ?? Date.now()).toISOString();
  }
}

interface AttemptOutcome {
  retryable: boolean;
  status: Pick<TaskStatus, "state" | "exit_code" | "message">;
}

/** The task could not be started or its outputs not read: retrying would not help. */
function setupFailure(err: unknown): AttemptOutcome {
  const message = err instanceof TaskSetupError ? err.message : `could not start: ${(err as Error).message}`;
  return { retryable: false, status: { state: "failed", exit_code: null, message } };
}

function ancestorsOf(tasks: PlannedTask[]): Map<string, string[]> {
  const ancestors = new Map<string, Set<string>>();
  for (const task of tasks) {
    const set = new Set<string>();
    for (const need of task.needs) for (const a of [need, ...(ancestors.get(need) ?? [])]) set.add(a);
    ancestors.set(task.name, set);
  }
  return new Map([...ancestors].map(([name, set]) => [name, [...set]]));
}
