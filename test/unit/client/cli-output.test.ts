/** The pieces of flowy-client's text output: mode choice, tables, task trees, progress. */
import { describe, expect, it } from "vitest";
import { chooseStyle, type Io } from "../../../client/cli/output.ts";
import { createProgress } from "../../../client/cli/progress.ts";
import { renderTable } from "../../../client/cli/table.ts";
import { renderTaskTree } from "../../../client/cli/task-tree.ts";
import type { Job, Task } from "../../../shared/protocol.ts";

const io = (isTTY: boolean, env: NodeJS.ProcessEnv = {}): Io => ({
  stdout: { write: () => true, isTTY },
  stderr: { write: () => true },
  env,
});

describe("output style", () => {
  it("is pretty only for a person at a terminal, unless told otherwise", () => {
    expect(chooseStyle({}, io(true))).toBe("pretty");
    expect(chooseStyle({}, io(false))).toBe("plain");
    expect(chooseStyle({}, io(true, { NO_COLOR: "1" }))).toBe("plain");
    expect(chooseStyle({}, io(true, { CI: "true" }))).toBe("plain");
    expect(chooseStyle({}, io(true, { TERM: "dumb" }))).toBe("plain");
    expect(chooseStyle({ plain: true }, io(true))).toBe("plain");
    expect(chooseStyle({ pretty: true }, io(false, { CI: "1" }))).toBe("pretty");
    expect(chooseStyle({ output: "json", pretty: true }, io(true))).toBe("json");
    expect(chooseStyle({ output: "table" }, io(true))).toBe("pretty");
  });
});

describe("tables", () => {
  it("aligns columns counting emoji as two cells and leaves no trailing spaces", () => {
    const table = renderTable(
      ["A", "STATE", "Z"],
      [
        ["x", "✅ ok", ""],
        ["long", "ok", "end"],
      ],
    );
    expect(table.split("\n")).toEqual(["A     STATE  Z", "x     ✅ ok", "long  ok     end"]);
  });
});

describe("task tree", () => {
  const tasks: Task[] = [
    { name: "save", state: "pending", needs: ["clean", "enrich"] },
    { name: "enrich", state: "running", needs: ["fetch"] },
    { name: "clean", state: "failed", needs: ["fetch"], message: "exit 1" },
    { name: "fetch", state: "succeeded" },
  ];

  it("puts tasks after what they need, indented by depth, with icons", () => {
    expect(renderTaskTree(tasks, true)).toEqual([
      "[✅] fetch",
      "  [❌] clean   exit 1",
      "  [🔄] enrich",
      "    [⏳] save    <- clean, enrich",
    ]);
  });

  it("writes the state as a word in plain mode", () => {
    expect(renderTaskTree(tasks, false)[0]).toBe("[succeeded] fetch");
  });
});

describe("progress", () => {
  const job = (over: Partial<Job>): Job =>
    ({ id: "j1", state: "pending", attempt: 0, max_attempts: 3, tasks: null, ...over }) as Job;

  it("prints one line per change of state, attempt or tasks done, in lines mode", () => {
    const out: string[] = [];
    let now = 0;
    const progress = createProgress("lines", { write: (t) => out.push(t) }, () => now);
    progress.update(job({}));
    now = 1500;
    progress.update(job({ state: "running", attempt: 1, tasks: [{ name: "a", state: "running" }] }));
    progress.update(job({ state: "running", attempt: 1, tasks: [{ name: "a", state: "running" }] }));
    progress.update(job({ state: "running", attempt: 1, tasks: [{ name: "a", state: "succeeded" }] }));
    progress.stop();
    expect(out).toEqual([
      "j1 pending · 0.0s\n",
      "j1 running · attempt 1/3 · 1.5s · tasks 0/1\n",
      "j1 running · attempt 1/3 · 1.5s · tasks 1/1\n",
    ]);
  });

  it("redraws one line with a spinner, and clears it when stopped", () => {
    const out: string[] = [];
    const progress = createProgress("spinner", { write: (t) => out.push(t) }, () => 0);
    progress.update(job({ state: "running", attempt: 2 }));
    progress.stop();
    expect(out[0]?.startsWith("\r\u001b[2K")).toBe(true);
    expect(out[0]).toMatch(/. j1 🔄 running · attempt 2\/3 · 0.0s$/u);
    expect(out.at(-1)).toBe("\r\u001b[2K");
  });

  it("says nothing when off", () => {
    const out: string[] = [];
    const progress = createProgress("off", { write: (t) => out.push(t) });
    progress.update(job({}));
    progress.reconnecting(new Error("down"), 500);
    progress.stop();
    expect(out).toEqual([]);
  });
});
