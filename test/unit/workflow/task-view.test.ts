import { describe, expect, it } from "vitest";
import { renderTaskTree, TaskView, wantsFancyOutput } from "../../../client/workflow/task-view.ts";
import type { Task } from "../../../shared/protocol.ts";

const at = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s)).toISOString();
const TASKS: Task[] = [
  { name: "fetch", state: "succeeded", needs: [], attempt: 1, started_at: at(0), finished_at: at(2) },
  { name: "clean", state: "running", needs: ["fetch"], attempt: 2, started_at: at(2) },
  { name: "enrich", state: "failed", needs: ["fetch"], attempt: 1, message: "exited with 3" },
  {
    name: "save",
    state: "skipped",
    needs: ["clean", "enrich"],
    attempt: 0,
    message: "skipped: enrich failed",
  },
];

describe("task view", () => {
  it("draws the tasks as a tree with an icon per state", () => {
    expect(renderTaskTree(TASKS, true, Date.parse(at(5)))).toEqual([
      "✅ fetch   2.0s",
      "  🔄 clean   attempt 2 · 3.0s",
      "  ❌ enrich  exited with 3",
      "    ⏭️ save    skipped: enrich failed  ← clean, enrich",
    ]);
  });

  it("writes plain lines, one per change, for pipes and CI", () => {
    let out = "";
    const view = new TaskView({ fancy: false, write: (text) => (out += text), now: () => Date.parse(at(5)) });
    view.task({ name: "a", state: "pending", attempt: 0 });
    view.task({ name: "a", state: "running", attempt: 1, started_at: at(0) });
    view.task({ name: "a", state: "running", attempt: 1, started_at: at(0), message: "same state again" });
    view.output("a", "stdout", Buffer.from("hello\nwor"));
    view.output("a", "stdout", Buffer.from("ld\npartial"));
    view.task({ name: "a", state: "succeeded", attempt: 1, started_at: at(0), finished_at: at(1) });
    view.finish();
    expect(out).toBe("a: running\na | hello\na | world\na: succeeded (1.0s)\na | partial\n");
    expect(out).not.toContain("\x1b[");
  });

  it("is fancy only on a terminal without NO_COLOR or CI", () => {
    expect(wantsFancyOutput({ isTTY: true }, {})).toBe(true);
    expect(wantsFancyOutput({ isTTY: false }, {})).toBe(false);
    expect(wantsFancyOutput({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(wantsFancyOutput({ isTTY: true }, { CI: "true" })).toBe(false);
  });
});
