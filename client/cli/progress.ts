/**
 * Live progress while a command waits for a job, on stderr: a spinner line redrawn in place on a
 * terminal (state, attempt, elapsed time, tasks done/total), or one line per change otherwise,
 * so CI logs stay readable. Nothing at all with --quiet.
 */
import type { Job } from "../../shared/protocol.ts";
import { formatDuration } from "./duration.ts";
import { attemptText, stateLabel, tasksDone } from "./job-format.ts";
import type { OutputStream } from "./output.ts";

export interface ProgressView {
  update(job: Job): void;
  reconnecting(error: Error, delayMs: number): void;
  /** Clears the spinner; call before printing the outcome. */
  stop(): void;
}

export type ProgressMode = "spinner" | "lines" | "off";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const FRAME_MS = 100;

export function createProgress(
  mode: ProgressMode,
  stream: OutputStream,
  now = () => Date.now(),
): ProgressView {
  const started = now();
  let job: Job | undefined;
  let status = "";
  let lastLine = "";
  let frame = 0;
  const summary = (pretty: boolean) => {
    if (!job) return "connecting";
    const tasks = tasksDone(job);
    const parts = [
      `${job.id} ${stateLabel(job.state, pretty)}`,
      job.attempt > 0 ? attemptText(job) : "",
      formatDuration(now() - started),
      tasks ? `tasks ${tasks.done}/${tasks.total}` : "",
    ];
    return parts.filter(Boolean).join(" · ") + (status ? ` · ${status}` : "");
  };
  const draw = () => {
    frame = (frame + 1) % FRAMES.length;
    stream.write(`\r\x1b[2K${FRAMES[frame]} ${summary(true)}`);
  };
  const timer = mode === "spinner" ? setInterval(draw, FRAME_MS) : undefined;
  timer?.unref();
  return {
    update(next) {
      job = next;
      status = "";
      if (mode === "spinner") return draw();
      if (mode === "off") return;
      // One line per change of what matters, without the ticking clock.
      const tasks = tasksDone(next);
      const key = `${next.state} ${next.attempt} ${tasks?.done ?? ""}`;
      if (key === lastLine) return;
      lastLine = key;
      stream.write(`${summary(false)}\n`);
    },
    reconnecting(error, delayMs) {
      status = `server unreachable, retrying in ${formatDuration(delayMs)}`;
      if (mode === "lines") stream.write(`${status} (${error.message})\n`);
    },
    stop() {
      if (timer) clearInterval(timer);
      if (mode === "spinner") stream.write("\r\x1b[2K");
    },
  };
}
