/**
 * The workflow executor's work, in the job directory the daemon staged (job.json, inputs.json):
 * plan the flow, run it with the runner (daemon/workflow/run-workflow.ts, also used by `flowy-client run`), and leave what the daemon reads:
 *
 *   workflow/progress.jsonl  every task state change (the daemon puts them in heartbeats)
 *   outputs.json             every task's outputs, by task name (the job's outputs)
 *   exit_status              "0\n" succeeded, "1\n" a task failed, "2\n" the file cannot run,
 *                            "130\n" canceled; written last, as the command shim does
 *
 * Task output and state changes go to stdout, which the daemon points at the job's log.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { readProgress } from "./progress-file.ts";
import { runWorkflow, type WorkflowResult } from "./run-workflow.ts";
import { TaskView } from "./task-view.ts";
import type { ClaimedJob } from "../../shared/protocol.ts";
import { loadFlow } from "../../shared/workflow/plan.ts";
import type { Task } from "../../shared/protocol.ts";
import { toWireTask } from "./task-status.ts";
import type { ExecutionReport } from "../process/executor.ts";

export const WORKFLOW_DIR = "workflow";
/** Written by the daemon before it SIGTERMs the executor: how long the tasks get to stop. */
export const STOP_FILE = "stop.json";
export const WORKFLOW_EXIT = { succeeded: 0, failed: 1, unrunnable: 2, canceled: 130 } as const;

export interface WorkflowJobOptions {
  jobDir: string;
  signal: AbortSignal;
  /** Grace between SIGTERM and SIGKILL for the tasks when the job is stopped. */
  graceMs: number;
  write: (text: string) => void;
}

/** Runs the staged job's workflow; returns the exit status it also wrote to `exit_status`. */
export async function runWorkflowJob(options: WorkflowJobOptions): Promise<number> {
  const status = await runStaged(options).catch((error: Error) => {
    options.write(`workflow executor: ${error.message}\n`);
    return WORKFLOW_EXIT.unrunnable;
  });
  writeFileSync(join(options.jobDir, "exit_status"), `${status}\n`);
  return status;
}

async function runStaged({ jobDir, signal, graceMs, write }: WorkflowJobOptions): Promise<number> {
  const { job } = JSON.parse(readFileSync(join(jobDir, "job.json"), "utf8")) as { job: ClaimedJob };
  if (job.spec.workflow === undefined) throw new Error("the staged job has no spec.workflow");
  const plan = loadFlow(job.spec.workflow, { flow: job.spec.flow, inputs: job.inputs ?? {} });
  const view = new TaskView({ progress: write, output: write });
  write(`flow ${plan.flow}: ${plan.tasks.map((t) => t.name).join(", ")}\n`);
  const result = await runWorkflow({
    plan,
    workDir: join(jobDir, WORKFLOW_DIR),
    cwd: resolve(jobDir, job.spec.cwd ?? "."),
    env: { ...process.env, ...job.spec.env },
    graceMs,
    signal,
    onTask: (task) => view.task(task),
    onOutput: (task, stream, chunk) => view.output(task, stream, chunk),
  });
  view.finish();
  writeFileSync(join(jobDir, "outputs.json"), JSON.stringify(result.outputs));
  write(`workflow ${result.state}${result.message ? `: ${result.message}` : ""}\n`);
  return exitStatus(result);
}

function exitStatus(result: WorkflowResult): number {
  return WORKFLOW_EXIT[result.state];
}

/** The tasks as the server should see them: the latest state of each, from the progress file. */
export function readWorkflowTasks(jobDir: string): Task[] {
  return readProgress(join(jobDir, WORKFLOW_DIR)).tasks.map(toWireTask);
}

/** Task states and, once it ended, what to tell the server about the outcome. */
export function readWorkflowReport(jobDir: string): ExecutionReport {
  const progress = readProgress(join(jobDir, WORKFLOW_DIR));
  const tasks = progress.tasks.map(toWireTask);
  if (progress.end?.message) return { tasks, message: progress.end.message };
  // No end line but an exit status: the workflow never started (bad file, missing input).
  const unrunnable = readExitStatus(jobDir) === WORKFLOW_EXIT.unrunnable;
  return unrunnable
    ? { tasks, message: "the workflow cannot run: see the job's log", retryable: false }
    : { tasks };
}

function readExitStatus(jobDir: string): number | undefined {
  try {
    return Number(readFileSync(join(jobDir, "exit_status"), "utf8").trim());
  } catch {
    return undefined;
  }
}

/** The grace the daemon gave the tasks when it asked the executor to stop. */
export function readStopGraceMs(jobDir: string): number | undefined {
  try {
    const { grace_ms } = JSON.parse(readFileSync(join(jobDir, STOP_FILE), "utf8")) as { grace_ms?: unknown };
    return typeof grace_ms === "number" && grace_ms >= 0 ? grace_ms : undefined;
  } catch {
    return undefined;
  }
}

/** Pids of task processes that may still run (for the daemon's last-resort SIGKILL). */
export function runningTaskPids(jobDir: string): number[] {
  return readProgress(join(jobDir, WORKFLOW_DIR))
    .tasks.filter((t) => t.state === "running" && t.pid !== undefined)
    .map((t) => t.pid!);
}
