/**
 * Workflows through the real binaries: flowy-server, daemon-flowy, and the workflow executor it
 * starts. Tasks wait for files the test creates, so the test sees each step while it happens.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { get, post } from "../helpers/http.ts";
import {
  isAlive,
  readPidFile,
  spawnDaemon,
  spawnServerAndDaemon,
  type TestServer,
  waitFor,
} from "../helpers/processes.ts";
import { tmpDir } from "../helpers/tmp.ts";

/** A task that waits until the test creates `file` in its directory. */
const waitForFile = (file: string) => `while [ ! -f ${file} ]; do sleep 0.05; done`;

const states = (job: any) => Object.fromEntries((job.tasks ?? []).map((t: any) => [t.name, t.state]));

/** Polls the server until the job's tasks are in the given states. */
function waitForTasks(server: TestServer, id: string, want: Record<string, string>) {
  return waitFor(`tasks of ${id} to be ${JSON.stringify(want)}`, async () => {
    const job = await server.getJob(id);
    return Object.entries(want).every(([name, state]) => states(job)[name] === state) ? job : undefined;
  });
}

describe("workflows through server and daemon", () => {
  it("shows each task's state on the server while the workflow runs, and its outputs at the end", async () => {
    const { server } = await spawnServerAndDaemon();
    const dir = tmpDir();
    const source = `version: 1
flows:
  main:
    graph: first >> second
tasks:
  first:
    run: |
      ${waitForFile("go-first")}
      echo '{"n": 7}' > "$FLOWY_OUTPUTS"
  second:
    run: |
      ${waitForFile("go-second")}
      echo "got {{ tasks.first.outputs.n }} for {{ inputs.who }}"
`;
    const id = await server.submit({ spec: { workflow: { source }, cwd: dir }, inputs: { who: "ann" } });

    const early = await waitForTasks(server, id, { first: "running", second: "pending" });
    expect(early.state).toBe("running");
    expect(early.tasks.find((t: any) => t.name === "first").started_at).toBeTruthy();
    writeFileSync(join(dir, "go-first"), "");
    const middle = await waitForTasks(server, id, { first: "succeeded", second: "running" });
    expect(middle.state).toBe("running");
    writeFileSync(join(dir, "go-second"), "");

    const done = await server.waitForState(id, ["succeeded"]);
    expect(states(done)).toEqual({ first: "succeeded", second: "succeeded" });
    expect(done.tasks.find((t: any) => t.name === "second").needs).toEqual(["first"]);
    expect(done.result.outputs).toEqual({ first: { n: 7 }, second: {} });
    const logs = await waitFor("the log to arrive", async () => {
      const text = (await get(`${server.api}/jobs/${id}/logs`)).body as string;
      return text.includes("second | got 7 for ann") ? text : undefined;
    });
    expect(logs).toContain("first: succeeded");
  });

  it("fails the job naming the failed task, with the tasks after it skipped", async () => {
    const { server } = await spawnServerAndDaemon();
    const source = `version: 1\ntasks:\n  bad: { run: "exit 3" }\n  after: { run: "true", needs: [bad] }\n`;
    const id = await server.submit({ spec: { workflow: { source } }, max_attempts: 1 });
    const job = await server.waitForState(id, ["failed"]);
    expect(job.error.message).toBe("task failed: bad");
    expect(states(job)).toEqual({ bad: "failed", after: "skipped" });
    expect(job.tasks[0]).toMatchObject({ exit_code: 3, message: "exited with 3" });
  });

  it("cancels a running workflow: its task processes are stopped and the rest canceled", async () => {
    const { server } = await spawnServerAndDaemon();
    const dir = tmpDir();
    const source = `version: 1
tasks:
  slow:
    run: |
      echo $$ > slow.pid
      sleep 30 & echo $! > child.pid
      wait
  next: { run: "touch next-ran", needs: [slow] }
`;
    const id = await server.submit({ spec: { workflow: { source }, cwd: dir }, lease_s: 2 });
    await waitForTasks(server, id, { slow: "running" });
    const pids = await waitFor("the task's pids", () => {
      const both = [readPidFile(join(dir, "slow.pid")), readPidFile(join(dir, "child.pid"))];
      return both.every((p) => p !== undefined) ? (both as number[]) : undefined;
    });
    expect((await post(`${server.api}/jobs/${id}/cancel`)).status).toBe(200);

    const job = await server.waitForState(id, ["canceled"]);
    await waitForTasks(server, id, { slow: "canceled", next: "canceled" });
    for (const pid of pids) await waitFor(`pid ${pid} to be gone`, () => !isAlive(pid));
    expect(job.tasks.find((t: any) => t.name === "next").started_at ?? null).toBeNull();
  });

  it("keeps running a workflow across a daemon SIGKILL: the next daemon re-adopts it and reports its tasks", async () => {
    const { server, daemon: first } = await spawnServerAndDaemon();
    const dir = tmpDir();
    const source = `version: 1
tasks:
  wait: { run: "${waitForFile("go")}" }
  after: { run: "true", needs: [wait] }
`;
    const id = await server.submit({ spec: { workflow: { source }, cwd: dir }, lease_s: 5 });
    await waitForTasks(server, id, { wait: "running", after: "pending" });
    first.child.kill("SIGKILL");
    await first.exited();

    const second = spawnDaemon(server.url, [], { stateDir: first.stateDir });
    await waitFor("the second daemon to re-adopt", () =>
      second.events().some((e) => e.event === "readopted" && e.job_id === id),
    );
    writeFileSync(join(dir, "go"), "");
    const job = await server.waitForState(id, ["succeeded", "failed", "timed_out"]);
    expect(job.state).toBe("succeeded");
    expect(job.attempt).toBe(1);
    expect(states(job)).toEqual({ wait: "succeeded", after: "succeeded" });
  });

  it("stops a workflow at the job's timeout_s: timed_out, its task stopped and canceled", async () => {
    const { server } = await spawnServerAndDaemon();
    const dir = tmpDir();
    const source = `version: 1\ntasks:\n  slow: { run: "echo $$ > slow.pid; exec sleep 30" }\n`;
    const id = await server.submit({
      spec: { workflow: { source }, cwd: dir },
      timeout_s: 2,
      max_attempts: 1,
    });
    const job = await server.waitForState(id, ["timed_out", "failed", "succeeded"]);
    expect(job.state).toBe("timed_out");
    await waitForTasks(server, id, { slow: "canceled" });
    const pid = readPidFile(join(dir, "slow.pid"));
    expect(pid, "the task had started").toBeDefined();
    await waitFor(`pid ${pid} to be gone`, () => !isAlive(pid!));
  });
});
