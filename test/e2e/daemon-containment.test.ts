/**
 * Containment (issue 13 item 2): a job process that leaves its process group (`setsid`) is still
 * gone once its job is stopped — by a cancel, a lost lease or the daemon's shutdown — because
 * each attempt runs in a cgroup of its own and is stopped with cgroup.kill.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { findCgroupRoot } from "../../daemon/process/cgroup.ts";
import { post } from "../helpers/http.ts";
import { exited, isAlive, readPidFile, spawnServerAndDaemon, waitFor } from "../helpers/processes.ts";
import { tmpDir } from "../helpers/tmp.ts";

const cgroups = findCgroupRoot(undefined);
const describeWithCgroups = "root" in cgroups ? describe : describe.skip;
if (!("root" in cgroups)) console.log(`skipping the containment tests: ${cgroups.reason}`);

/** A job that starts `sleep 301` in a session of its own, says its pid, and waits. */
function escapingJob(pidFile: string) {
  return {
    spec: { shell: `setsid sleep 301 & echo $! > '${pidFile}'; wait` },
    max_attempts: 1,
  };
}

/** The escaped process's pid, killed after the test whatever happened. */
async function escapee(pidFile: string): Promise<number> {
  const pid = await waitFor("the escaped process to start", () => readPidFile(pidFile), 30_000);
  onTestFinished(() => {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone, as it should be
    }
  });
  return pid;
}

const gone = (pid: number) => waitFor(`pid ${pid} to be gone`, () => !isAlive(pid), 30_000);

describeWithCgroups("each job in its own cgroup", { timeout: 150_000 }, () => {
  it("kills a process that escaped its process group when the job is canceled", async () => {
    const { server, daemon } = await spawnServerAndDaemon();
    const pidFile = join(tmpDir(), "escapee");
    // A short lease: the cancel reaches the daemon with the next heartbeat (lease_s / 2).
    const id = await server.submit({ ...escapingJob(pidFile), lease_s: 4 });
    const pid = await escapee(pidFile);
    expect(isAlive(pid)).toBe(true);
    await post(`${server.api}/jobs/${id}/cancel`, {});
    await server.waitForState(id, ["canceled"], 60_000);
    await gone(pid);
    expect(daemon.events().find((e) => e.event === "containment")).toMatchObject({ kind: "cgroup" });
  });

  it("kills it when the lease is lost (the server is gone)", async () => {
    const { server } = await spawnServerAndDaemon();
    const pidFile = join(tmpDir(), "escapee");
    await server.submit({ ...escapingJob(pidFile), lease_s: 2 });
    const pid = await escapee(pidFile);
    server.child.kill("SIGKILL");
    await exited(server.child);
    await gone(pid);
  });

  it("kills it when the daemon shuts down", async () => {
    const { server, daemon } = await spawnServerAndDaemon(["--drain-timeout", "0.5"]);
    const pidFile = join(tmpDir(), "escapee");
    const id = await server.submit(escapingJob(pidFile));
    const pid = await escapee(pidFile);
    daemon.child.kill("SIGTERM");
    expect(await daemon.exited()).toBe(3);
    await gone(pid);
    expect((await server.waitForState(id, ["failed", "scheduled"])).state).toBe("failed");
  });

  it("runs every job in a cgroup of its own and removes it afterwards", async () => {
    const { server, daemon } = await spawnServerAndDaemon();
    const id = await server.submit({ spec: { shell: "cat /proc/self/cgroup" } });
    await server.waitForState(id, ["succeeded"], 30_000);
    const log = await (await fetch(`${server.api}/jobs/${id}/logs`)).text();
    const workerId = daemon.events().find((e) => e.event === "ready")?.worker_id;
    expect(log).toContain(`flowy-${workerId}/${id}.1`);
    const cgroup = join((cgroups as { root: string }).root, `flowy-${workerId}`, `${id}.1`);
    await waitFor(`${cgroup} to be removed`, () => !existsSync(cgroup), 30_000);
  });
});

describe("containment without cgroups", { timeout: 150_000 }, () => {
  it("says once at start that containment is weaker, and why", async () => {
    const { server, daemon } = await spawnServerAndDaemon(["--cgroup-root", "none"]);
    const id = await server.submit({ spec: { shell: "true" } });
    await server.waitForState(id, ["succeeded"], 30_000);
    const said = daemon.events().filter((e) => e.event === "containment");
    expect(said).toEqual([expect.objectContaining({ kind: "process-group", reason: "cgroup_root is none" })]);
  });
});
