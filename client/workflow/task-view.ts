/**
 * How a workflow's tasks look to a person: a live block of lines with an icon per state that is
 * redrawn in place on a terminal, or one plain line per change for pipes, CI and NO_COLOR. Task
 * output is printed above the block, each line prefixed with its task's name.
 */
import type { Task } from "../../shared/protocol.ts";
import type { TaskState } from "./task-status.ts";

export const TASK_ICONS: Record<TaskState, string> = {
  pending: "⏳",
  running: "🔄",
  succeeded: "✅",
  failed: "❌",
  skipped: "⏭️",
  canceled: "🛑",
};

export interface ViewOptions {
  fancy: boolean;
  write: (text: string) => void;
  now?: () => number;
}

/** Emoji and redrawing only for a person at a terminal. */
export function wantsFancyOutput(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR && !env.CI && env.TERM !== "dumb";
}

/** The tasks in run order, indented by how deep they sit in the graph. */
export function renderTaskTree(tasks: readonly Task[], fancy: boolean, now = Date.now()): string[] {
  const depth = new Map<string, number>();
  const width = Math.max(...tasks.map((t) => t.name.length));
  return tasks.map((task) => {
    const level = Math.max(0, ...(task.needs ?? []).map((n) => (depth.get(n) ?? 0) + 1));
    depth.set(task.name, level);
    const mark = fancy ? TASK_ICONS[task.state] : `[${task.state}]`.padEnd(11);
    const needs = (task.needs?.length ?? 0) > 1 ? `  ← ${task.needs!.join(", ")}` : "";
    const detail = taskDetail(task, now);
    return `${"  ".repeat(level)}${mark} ${task.name.padEnd(width)}${detail ? `  ${detail}` : ""}${needs}`;
  });
}

function attemptOf(task: Task): string {
  return (task.attempt ?? 0) > 1 ? `attempt ${task.attempt}` : "";
}

function taskDetail(task: Task, now: number): string {
  const started = task.started_at ? Date.parse(task.started_at) : undefined;
  const ended = task.finished_at ? Date.parse(task.finished_at) : task.state === "running" ? now : undefined;
  const parts = [
    attemptOf(task),
    started !== undefined && ended !== undefined ? `${((ended - started) / 1000).toFixed(1)}s` : "",
    task.state === "running" ? "" : (task.message ?? ""),
  ];
  return parts.filter(Boolean).join(" · ");
}

export class TaskView {
  private readonly options: ViewOptions;
  private readonly tasks = new Map<string, Task>();
  private readonly partial = new Map<string, string>();
  private drawnLines = 0;

  constructor(options: ViewOptions) {
    this.options = options;
  }

  task(task: Task): void {
    const before = this.tasks.get(task.name);
    this.tasks.set(task.name, task);
    if (this.options.fancy) {
      this.redraw();
      return;
    }
    if (before && before.state === task.state && before.attempt === task.attempt) return;
    if (!before && task.state === "pending") return;
    // A plain line is written once, so a running task's clock would be stale: leave it out.
    const detail = task.state === "running" ? attemptOf(task) : taskDetail(task, this.now());
    this.options.write(`${task.name}: ${task.state}${detail ? ` (${detail})` : ""}\n`);
  }

  output(task: string, stream: "stdout" | "stderr", chunk: Buffer): void {
    const key = `${task}\0${stream}`;
    const lines = ((this.partial.get(key) ?? "") + chunk.toString()).split("\n");
    this.partial.set(key, lines.pop()!);
    if (lines.length) this.print(lines.map((line) => `${task} | ${line}\n`).join(""));
  }

  /** Redraws the block so running tasks' times move on. */
  refresh(): void {
    if (this.options.fancy && this.drawnLines) this.redraw();
  }

  /** Flushes half-written output lines and leaves the final block on screen. */
  finish(): void {
    for (const [key, rest] of this.partial) if (rest) this.print(`${key.split("\0")[0]} | ${rest}\n`);
    this.partial.clear();
    if (this.options.fancy) this.redraw();
    this.drawnLines = 0;
  }

  /** Prints above the live block: erase it, print, draw it again. */
  private print(text: string): void {
    if (!this.options.fancy) {
      this.options.write(text);
      return;
    }
    this.erase();
    this.options.write(text);
    this.redraw();
  }

  private redraw(): void {
    this.erase();
    const lines = renderTaskTree([...this.tasks.values()], true, this.now());
    this.options.write(lines.map((l) => `${l}\n`).join(""));
    this.drawnLines = lines.length;
  }

  private erase(): void {
    // Cursor up over the block, then clear to the end of the screen.
    if (this.drawnLines) this.options.write(`\x1b[${this.drawnLines}A\x1b[J`);
    this.drawnLines = 0;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}
