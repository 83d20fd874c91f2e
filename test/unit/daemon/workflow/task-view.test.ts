import { describe, expect, it } from "vitest";
import { renderTaskTree } from "../../../../client/cli/task-tree.ts";
import { TaskView } from "../../../../daemon/workflow/task-view.ts";

const at = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s)).toISOString();

function capture(fancy: boolean) {
  const out = { progress: "", output: "" };
  const view = new TaskView({
    tree: fancy ? (tasks) => renderTaskTree(tasks, true) : undefined,
    progress: (text) => {
      out.progress += text;
    },
    output: (text) => {
      out.output += text;
    },
  });
  return { view, out };
}

describe("task view", () => {
  it("writes plain lines, one per change, and task output by line with the task's name", () => {
    const { view, out } = capture(false);
    view.task({ name: "a", state: "pending", attempt: 0 });
    view.task({ name: "a", state: "running", attempt: 1, started_at: at(0) });
    view.task({ name: "a", state: "running", attempt: 1, started_at: at(0), message: "same state" });
    view.output("a", "stdout", Buffer.from("hello\nwor"));
    view.output("a", "stdout", Buffer.from("ld\npartial"));
    view.task({
      name: "a",
      state: "failed",
      attempt: 2,
      started_at: at(0),
      finished_at: at(1),
      message: "exited with 3",
    });
    view.finish();
    expect(out.progress).toBe("a: running\na: failed (attempt 2 · 1.0s · exited with 3)\n");
    expect(out.output).toBe("a | hello\na | world\na | partial\n");
  });

  it("on a terminal redraws the task tree in place, with output printed above it", () => {
    const { view, out } = capture(true);
    view.task({ name: "a", state: "running", needs: [] });
    view.task({ name: "b", state: "pending", needs: ["a"] });
    view.output("a", "stdout", Buffer.from("hi\n"));
    view.task({ name: "a", state: "succeeded", needs: [] });
    const last = out.progress.split("\x1b[2A\x1b[J").at(-1);
    expect(last).toBe("[✅] a\n  [⏳] b\n");
    expect(out.output).toBe("a | hi\n");
  });
});
