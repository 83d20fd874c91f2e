/** How a job reads in text: state icons, a one-line summary, its outcome and its error. */
import type { Job, JobSpec } from "../../shared/protocol.ts";
import { type JobState, STATE_EMOJI } from "../../shared/states.ts";
import { formatDuration } from "./duration.ts";

export function stateLabel(state: JobState, pretty: boolean): string {
  return pretty ? `${STATE_EMOJI[state]} ${state}` : state;
}

/** What the job runs, in one line. */
export function describeSpec(spec: JobSpec): string {
  if (spec.command) return spec.command.map(quoteArg).join(" ");
  if (spec.shell) return `sh -c ${quoteArg(spec.shell)}`;
  if (spec.workflow) return `workflow${spec.flow ? ` (flow ${spec.flow})` : ""}`;
  return "(nothing)";
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/** How long the job ran (or has been running), if it started. */
export function jobDuration(job: Job, now: number = Date.now()): number | undefined {
  if (job.result?.duration_ms != null) return job.result.duration_ms;
  if (!job.started_at) return undefined;
  const end = job.finished_at ? Date.parse(job.finished_at) : now;
  return end - Date.parse(job.started_at);
}

export function attemptText(job: Job): string {
  return `attempt ${job.attempt}/${job.max_attempts}`;
}

export function tasksDone(job: Job): { done: number; total: number } | undefined {
  if (!job.tasks?.length) return undefined;
  const done = job.tasks.filter((t) => t.state !== "pending" && t.state !== "running").length;
  return { done, total: job.tasks.length };
}

/** The line that ends a wait: "✅ Job … succeeded in 1.2s (attempt 1/3)". */
export function outcomeLine(job: Job, pretty: boolean): string {
  const icon = pretty ? `${STATE_EMOJI[job.state]} ` : "";
  const took = jobDuration(job);
  const words: Record<string, string> = {
    succeeded: "succeeded",
    failed: "failed",
    timed_out: "timed out",
    canceled: "was canceled",
    deleted: "was deleted",
  };
  const parts = [
    `${icon}Job ${job.id} ${words[job.state] ?? job.state}`,
    took !== undefined && job.attempt > 0 ? ` in ${formatDuration(took)}` : "",
    job.attempt > 0 ? ` (${attemptText(job)})` : "",
  ];
  return parts.join("");
}

/** The job's error as a person needs it: message, exit code, the tail of stderr. */
export function errorLines(job: Job): string[] {
  if (!job.error) return [];
  const exit = job.error.exit_code != null ? ` (exit code ${job.error.exit_code})` : "";
  const lines = [`error: ${job.error.message}${exit}`];
  const tail = job.error.stderr_tail?.trimEnd();
  if (tail) lines.push("stderr (last lines):", ...tail.split("\n").map((l) => `  | ${l}`));
  return lines;
}
