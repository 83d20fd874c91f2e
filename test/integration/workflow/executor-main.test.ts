/** The workflow executor process on its own, in a job directory staged as the daemon stages one. */
import { spawn } from "node:child_process";
import { openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { readWorkflowTasks, runningTaskPids, WORKFLOW_EXIT } from "../../../daemon/workflow/workflow-job.ts";
import { NODE } from "../../helpers/server-process.ts";
import { isAlive, waitFor } from "../../helpers/processes.ts";
import { tmpDir } from "../../helpers/tmp.ts";

const ENTRY = join(import.meta.dirname, "..", "..", "..", "daemon", "workflow", "executor-main.ts");

function stage(workflow: Record<string, unknown>, inputs: Record<string, unknown> = {}): string {
  const dir = tmpDir();
  const job = { id: "job1", attempt: 1, inputs, spec: { workflow: { source: JSON.stringify(workflow) } } };
  writeFileSync(join(dir, "job.json"), JSON.stringify({ job, started_at: Date.now() }));
  return dir;
}

function startExecutor(dir: string) {
  const log = openSync(join(dir, "output.log"), "a");
  const child = spawn(NODE, [ENTRY, dir], {
    detached: true,
    stdio: ["ignore", log, log],
    env: { ...process.env, FLOWY_TASK_GRACE_MS: "300" },
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
  });
  return { child, exited };
}

const read = (dir: string, file: string) => readFileSync(join(dir, file), "utf8");

describe("workflow executor process", () => {
  it("runs the staged workflow and leaves outputs, progress, log and exit status", async () => {
    const dir = stage(
      {
        version: 1,
        tasks: {
          a: { run: `echo '{"n": 1}' > "$FLOWY_OUTPUTS"` },
          b: { run: "echo got {{ tasks.a.outputs.n }} {{ inputs.who }}", needs: ["a"] },
        },
      },
      { who: "me" },
    );
    const { exited } = startExecutor(dir);
    expect(await exited).toBe(WORKFLOW_EXIT.succeeded);
    expect(read(dir, "exit_status")).toBe("0\n");
    expect(JSON.parse(read(dir, "outputs.json"))).toEqual({ a: { n: 1 }, b: {} });
    expect(read(dir, "output.log")).toContain("b | got 1 me\n");
    expect(readWorkflowTasks(dir).map((t) => [t.name, t.state])).toEqual([
      ["a", "succeeded"],
      ["b", "succeeded"],
    ]);
  });

  it("cancels on SIGTERM: running tasks stopped, the rest canceled, exit status 130", async () => {
    const dir = stage({
      version: 1,
      tasks: { slow: { run: "trap '' TERM; sleep 30" }, after: { run: "true", needs: ["slow"] } },
    });
    const { child, exited } = startExecutor(dir);
    await waitFor("slow to run", () => readWorkflowTasks(dir).some((t) => t.state === "running"));
    const [pid] = runningTaskPids(dir);
    child.kill("SIGTERM");
    expect(await exited).toBe(WORKFLOW_EXIT.canceled);
    expect(read(dir, "exit_status")).toBe("130\n");
    expect(readWorkflowTasks(dir).map((t) => t.state)).toEqual(["canceled", "canceled"]);
    expect(isAlive(pid!)).toBe(false);
  });

  it("fails with a message in the log when the workflow cannot run", async () => {
    const dir = stage({ version: 1, tasks: { a: { run: "echo {{ inputs.missing }}" } } });
    const { exited } = startExecutor(dir);
    expect(await exited).toBe(WORKFLOW_EXIT.unrunnable);
    expect(read(dir, "output.log")).toContain("input 'missing' is not set");
  });
});
