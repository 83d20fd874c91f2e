/**
 * One workflow task's output, out of its job's log: the workflow executor writes every line a task
 * prints as `<task> | <line>` (daemon/workflow/task-view.ts), between the flow's own state lines.
 * Chunks of a log end anywhere, so a line cut between two chunks waits for its end.
 */
import { FlowyError } from "../../shared/errors.ts";
import type { Job } from "../../shared/protocol.ts";
import { loadFlow } from "../../shared/workflow/plan.ts";

export class TaskLogFilter {
  private readonly prefix: string;
  private partial = "";

  constructor(task: string) {
    this.prefix = `${task} | `;
  }

  /** The task's complete lines in `data` (and in what was held back), without their prefix. */
  push(data: string): string {
    const lines = (this.partial + data).split("\n");
    this.partial = lines.pop()!;
    return lines.map((line) => this.strip(line)).join("");
  }

  /** What was held back, at the end of an attempt's log (a last line without a newline). */
  flush(): string {
    const rest = this.partial;
    this.partial = "";
    return rest ? this.strip(rest).replace(/\n$/, "") : "";
  }

  private strip(line: string): string {
    return line.startsWith(this.prefix) ? `${line.slice(this.prefix.length)}\n` : "";
  }
}

/** Refuses --task for a job that is not a workflow or has no such task, naming the ones it has. */
export function checkTaskOf(job: Job, task: string): void {
  if (job.spec.workflow === undefined) {
    throw new FlowyError(
      "invalid-request",
      `Job ${job.id} runs a command, not a workflow: it has no tasks`,
      `Leave out --task to see its log: flowy-client logs ${job.id}`,
    );
  }
  const names = taskNames(job);
  if (names.length > 0 && !names.includes(task)) {
    throw new FlowyError(
      "invalid-request",
      `Job ${job.id} has no task "${task}"`,
      `Its tasks: ${names.join(", ")}.`,
    );
  }
}

/** The flow's tasks as the server last heard of them, else as the workflow file declares them. */
function taskNames(job: Job): string[] {
  if (job.tasks?.length) return job.tasks.map((t) => t.name);
  try {
    return loadFlow(job.spec.workflow!, { flow: job.spec.flow }).tasks.map((t) => t.name);
  } catch {
    return [];
  }
}
