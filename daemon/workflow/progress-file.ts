/**
 * The executor's progress in its work directory: one JSON line per task change, then one for the
 * end. A re-adopted executor (or a daemon that restarted) reads it back to learn every task's
 * latest state without asking the executor.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TaskStatus, WorkflowState } from "./task-status.ts";

export const PROGRESS_FILE = "progress.jsonl";

type ProgressLine =
  | { type: "task"; task: TaskStatus }
  | { type: "end"; state: WorkflowState; message?: string };

export interface Progress {
  tasks: TaskStatus[];
  end?: { state: WorkflowState; message?: string };
}

export function createProgressWriter(dir: string): (line: ProgressLine) => void {
  const path = join(dir, PROGRESS_FILE);
  // Synchronous appends: a line is whole on disk before the event goes anywhere else.
  return (line) => appendFileSync(path, `${JSON.stringify(line)}\n`);
}

/** Latest state of every task; a torn last line (the executor died mid-write) is ignored. */
export function readProgress(dir: string): Progress {
  let text = "";
  try {
    text = readFileSync(join(dir, PROGRESS_FILE), "utf8");
  } catch {
    return { tasks: [] };
  }
  const tasks = new Map<string, TaskStatus>();
  let end: Progress["end"];
  for (const raw of text.split("\n")) {
    const line = parseLine(raw);
    if (line?.type === "task") tasks.set(line.task.name, line.task);
    if (line?.type === "end") end = { state: line.state, ...(line.message ? { message: line.message } : {}) };
  }
  return { tasks: [...tasks.values()], ...(end ? { end } : {}) };
}

function parseLine(raw: string): ProgressLine | undefined {
  if (!raw.trim()) return undefined;
  try {
    return JSON.parse(raw) as ProgressLine;
  } catch {
    return undefined;
  }
}
