/** A task's state as the runner tracks it: the wire Task plus the pid of its current process. */
import type { Task } from "../../shared/protocol.ts";

export type TaskState = Task["state"];
export type WorkflowState = "succeeded" | "failed" | "canceled";

export interface TaskStatus extends Task {
  attempt: number;
  /** The running attempt's process (group leader); not sent over the wire. */
  pid?: number;
}

export const FINISHED_TASK_STATES: readonly TaskState[] = ["succeeded", "failed", "skipped", "canceled"];

export function isFinished(state: TaskState): boolean {
  return FINISHED_TASK_STATES.includes(state);
}

/** What goes into a heartbeat: the wire shape only. */
export function toWireTask({ pid: _pid, ...task }: TaskStatus): Task {
  return task;
}
