/** The shell-shim executor: pid and exit status land in the job dir; stopping takes the whole group. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createCommandExecutor } from "../../../../daemon/process/command-executor.ts";
import { adoptExecution } from "../../../../daemon/process/executor.ts";
import { JobDir } from "../../../../daemon/process/job-dir.ts";
import { fixture, isAlive, readPidFile, waitFor } from "../../../helpers/processes.ts";
import { tmpDir } from "../../../helpers/tmp.ts";

async function start(spec: Record<string, unknown>) {
  const dir = new JobDir(tmpDir(), "job1");
  const job = { id: "job1", attempt: 1, inputs: { a: 1 }, spec, lease_token: "t" } as any;
  await dir.stage(job, Date.now());
  const execution = await createCommandExecutor().start(dir, job);
  return { dir, execution };
}

describe("command executor", () => {
  it("records the pid and the exit status in the job directory", async () => {
    const { dir, execution } = await start({ shell: "echo out; echo err >&2; exit 5" });
    expect(await execution.done).toEqual({ exitCode: 5, signal: null });
    expect(await dir.readExitStatus()).toBe(5);
    expect(await dir.readPid()).toBe(execution.pid);
    expect(readFileSync(dir.file("log"), "utf8")).toBe("out\nerr\n");
  });

  it("passes an argv through untouched by the shell", async () => {
    const { dir, execution } = await start({ command: ["printf", "%s|", "a b", "$HOME", "*"] });
    await execution.done;
    expect(readFileSync(dir.file("log"), "utf8")).toBe("a b|$HOME|*|");
  });

  it("stops the whole process group, escalating to SIGKILL for a child that ignores SIGTERM", async () => {
    const childPid = join(tmpDir(), "child.pid");
    const { execution } = await start({ command: fixture("ignore-term-child.sh", childPid) });
    const pid = await waitFor("the child", () => readPidFile(childPid));
    const exit = await execution.stop(200);
    expect(exit.exitCode === null || exit.exitCode >= 128).toBe(true);
    await waitFor("the child to be gone", () => !isAlive(pid), 5_000);
  });

  it("adopts a running executor it did not start and sees it end", async () => {
    const { dir, execution } = await start({ shell: "sleep 0.3; exit 4" });
    const adopted = adoptExecution(dir, execution.pid, 20);
    expect(await adopted.done).toEqual({ exitCode: 4, signal: null });
    expect(existsSync(dir.file("exitStatus"))).toBe(true);
  });
});
