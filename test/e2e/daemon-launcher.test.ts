/**
 * The job launcher under the real daemon: a job's exit status is recorded when the daemon is
 * SIGKILLed (and the launcher leaves with it), and a launcher killed mid-run is replaced while the
 * jobs it started finish and are reported exactly once.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, isAlive, readPidFile, spawnServerAndDaemon, waitFor } from "../helpers/processes.ts";
import { tmpDir } from "../helpers/tmp.ts";

/** The parent of a running job's shim: the daemon's launcher. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

function runCount(file: string): number {
  return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").length : 0;
}

describe("daemon-flowy's job launcher", () => {
  it("records the exit status of a job whose daemon was SIGKILLed; the launcher leaves with the daemon", async () => {
    const { server, daemon } = await spawnServerAndDaemon();
    const id = await server.submit({ spec: { shell: "sleep 1; exit 3" }, lease_s: 30 });
    const jobDir = join(daemon.stateDir, "jobs", id);
    const shim = await waitFor("the job to start", () => readPidFile(join(jobDir, "pid")));
    const launcher = parentOf(shim);
    expect(launcher).not.toBe(daemon.child.pid);

    daemon.child.kill("SIGKILL");
    await daemon.exited();
    await waitFor("the launcher to leave", () => !isAlive(launcher), 5_000);
    await waitFor("the exit status", () => existsSync(join(jobDir, "exit_status")), 10_000);
    expect(readFileSync(join(jobDir, "exit_status"), "utf8")).toBe("3\n");
  });

  it("replaces a launcher killed mid-run; the jobs it started finish and are reported once", async () => {
    const { server, daemon } = await spawnServerAndDaemon(["--max-jobs", "2"]);
    const runFile = join(tmpDir(), "runs");
    const ids = [
      await server.submit({ spec: { command: fixture("record-and-sleep.sh", runFile, 1) } }),
      await server.submit({ spec: { command: fixture("record-and-sleep.sh", runFile, 1) } }),
    ];
    await waitFor("both jobs to start", () => runCount(runFile) === 2);
    const shim = readPidFile(join(daemon.stateDir, "jobs", ids[0]!, "pid"))!;
    const launcher = parentOf(shim);
    process.kill(launcher, "SIGKILL");

    for (const id of ids) {
      const job = await server.waitForState(id, ["succeeded", "failed", "timed_out"]);
      expect(job.state).toBe("succeeded");
      expect(job.history.filter((h: { event: string }) => h.event === "complete")).toHaveLength(1);
    }
    expect(runCount(runFile)).toBe(2);
    expect(daemon.events().some((e) => e.event === "launcher_exited")).toBe(true);

    const next = await server.submit({ spec: { command: ["true"] } });
    expect((await server.waitForState(next, ["succeeded", "failed"])).state).toBe("succeeded");
  });
});
