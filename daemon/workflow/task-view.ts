/**
 * How a running workflow looks to a person: on a terminal, a task tree (the CLI passes the one of
 * `flowy-client show`, client/cli/task-tree.ts) redrawn in place; in pipes, CI, NO_COLOR and the
 * daemon's job log, one plain line per change. Task output is printed as it comes, each line prefixed with its
 * task's name; progress and output are separate streams (stderr and stdout in the CLI).
 */
import { formatDuration } from "../../shared/duration.ts";
import type { Task } from "../../shared/protocol.ts";

export interface ViewOptions {
  /** Draws the live block on a terminal; without it, each change is one plain line. */
  tree?: (tasks: readonly Task[]) => string[];
  /** Where task states go (the live block, or plain lines). */
  progress: (text: string) => void;
  /** Where task output goes. */
  output: (text: string) => void;
}

function attemptOf(task: Task): string {
  return (task.attempt ?? 0) > 1 ? `attempt ${task.attempt}` : "";
}

/** `2.0s · exited with 3`: how long it ran and what it said, once it finished. */
function finishedDetail(task: Task): string {
  const started = task.started_at ? Date.parse(task.started_at) : undefined;
  const ended = task.finished_at ? Date.parse(task.finished_at) : undefined;
  const took = started !== undefined && ended !== undefined ? formatDuration(ended - started) : "";
  return [attemptOf(task), took, task.message ?? ""].filter(Boolean).join(" · ");
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
    if (this.options.tree) {
      this.redraw();
      return;
    }
    if (before && before.state === task.state && before.attempt === task.attempt) return;
    if (!before && task.state === "pending") return;
    const detail = task.state === "running" ? attemptOf(task) : finishedDetail(task);
    this.options.progress(`${task.name}: ${task.state}${detail ? ` (${detail})` : ""}\n`);
  }

  output(task: string, stream: "stdout" | "stderr", chunk: Buffer): void {
    const key = `${task}\0${stream}`;
    const lines = ((this.partial.get(key) ?? "") + chunk.toString()).split("\n");
    this.partial.set(key, lines.pop()!);
    if (lines.length) this.print(lines.map((line) => `${task} | ${line}\n`).join(""));
  }

  /** Flushes half-written output lines and leaves the final block on screen. */
  finish(): void {
    for (const [key, rest] of this.partial) if (rest) this.print(`${key.split("\0")[0]} | ${rest}\n`);
    this.partial.clear();
    if (this.options.tree) this.redraw();
    this.drawnLines = 0;
  }

  /** Output goes above the live block: erase it, print, draw it again. */
  private print(text: string): void {
    this.erase();
    this.options.output(text);
    if (this.options.tree) this.redraw();
  }

  private redraw(): void {
    if (!this.options.tree) return;
    this.erase();
    const lines = this.options.tree([...this.tasks.values()]);
    this.options.progress(lines.map((l) => `${l}\n`).join(""));
    this.drawnLines = lines.length;
  }

  private erase(): void {
    // Cursor up over the block, then clear to the end of the screen.
    if (this.drawnLines) this.options.progress(`\x1b[${this.drawnLines}A\x1b[J`);
    this.drawnLines = 0;
  }
}
