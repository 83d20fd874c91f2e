/**
 * Crashes and partitions with the real binaries: a daemon SIGKILLed or SIGSTOPped mid-job, and a
 * server that goes away for longer than the lease. The invariants: a job is reported exactly
 * once, and two workers never run one job.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { get } from "../helpers/http.ts";
import {
  exited,
  fixture,
  isAlive,
  readPidFile,
  spawnDaemon,
  spawnServer,
  spawnServerAndDaemon,
  trapTermJob,
  waitFor,
} from "../helpers/processes.ts";
import { tmpDir } from "../helpers/tmp.ts";

const NO_BACKOFF = { initial_s: 0, max_s: 0, factor: 1 };

/** Lines "<job id> <attempt> <pid> <boot ms>" that record-and-sleep.sh appended: one per run. */
function runs(file: string): Array<{ attempt: number; pid: number; startedAtBootMs: number }> {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [, attempt, pid, bootMs] = line.split(" ");
      return { attempt: Number(attempt), pid: Number(pid), startedAtBootMs: Number(bootMs) };
    });
}

function events(job: { history: Array<{ event: string }> }): string[] {
  return job.history.map((h) => h.event);
}

/**
 * A server and a daemon running record-and-sleep.sh for `seconds` under a lease of `leaseS`; the
 * daemon SIGKILLed once the job has started. Its state directory is left for the next daemon.
 */
async function killDaemonMidJob(seconds: number, leaseS: number) {
  const { server, daemon } = await spawnServerAndDaemon();
  const runFile = join(tmpDir(), "runs");
  const id = await server.submit({
    spec: { command: fixture("record-and-sleep.sh", runFile, seconds) },
    lease_s: leaseS,
  });
  await waitFor("the job to start", () => runs(runFile).length === 1);
  daemon.child.kill("SIGKILL");
  await daemon.exited();
  return { server, stateDir: daemon.stateDir, id, runFile };
}

describe("daemon-flowy survives crashes without running a job twice", () => {
  it("re-adopts a running job after being SIGKILLed, and reports it exactly once", async () => {
    const { server, stateDir, id, runFile } = await killDaemonMidJob(2, 5);
    const second = spawnDaemon(server.url, [], { stateDir });
    const job = await server.waitForState(id, ["succeeded", "failed", "timed_out"]);
    expect(job.state).toBe("succeeded");
    expect(job.attempt).toBe(1);
    expect(runs(runFile)).toHaveLength(1);
    expect(events(job).filter((e) => e === "complete")).toHaveLength(1);
    expect(second.events().some((e) => e.event === "readopted" && e.job_id === id)).toBe(true);
    // The log kept flowing: the line printed after the restart reached the server.
    expect((await get(`${server.api}/jobs/${id}/logs`)).body).toContain("done after 2 s");
  });

  it("collects and reports a job that ended while the daemon was down", async () => {
    const { server, stateDir, id, runFile } = await killDaemonMidJob(0.5, 10);
    await waitFor("the job to end on its own", () => existsSync(join(stateDir, "jobs", id, "exit_status")));
    spawnDaemon(server.url, [], { stateDir });
    const job = await server.waitForState(id, ["succeeded", "failed"]);
    expect(job.state).toBe("succeeded");
    expect(job.attempt).toBe(1);
    expect(runs(runFile)).toHaveLength(1);
  });

  it("a daemon stopped past its lease loses the job: its watchdog kills the run before another starts, its report is refused", async () => {
    const server = await spawnServer();
    // One slot: a stopped daemon with a long-poll open would be handed the retry too.
    const stale = spawnDaemon(server.url, ["--max-jobs", "1"]);
    const runFile = join(tmpDir(), "runs");
    // An 8 s lease: the watchdog kills at 7.5 s (killMargin / 4 before the end), the server can
    // lease again from 8 s; attempt 2 keeps its lease by heartbeats on a loaded machine.
    const id = await server.submit({
      spec: { command: fixture("record-and-sleep.sh", runFile, 16) },
      lease_s: 8,
      backoff: NO_BACKOFF,
    });
    await waitFor("the first daemon to start the job", () => runs(runFile).length === 1);
    stale.child.kill("SIGSTOP");

    spawnDaemon(server.url);
    await waitFor("another daemon to take the job over", () => runs(runFile).length === 2, 30_000);
    const [firstRun, secondRun] = runs(runFile);
    expect(secondRun!.attempt).toBe(2);
    // The stopped daemon could not act, but its watchdog did, before attempt 2 began.
    expect(isAlive(firstRun!.pid)).toBe(false);
    const killed = readFileSync(join(stale.stateDir, "lease-watchdog", "watchdog.log"), "utf8");
    // "<boot ms> killed <process group> <job id> <kill point>"; the run is a child of the group's shim.
    const [killedAtBootMs, , , jobId] = killed.trim().split("\n")[0]!.split(" ");
    expect(jobId).toBe(id);
    expect(Number(killedAtBootMs)).toBeLessThan(secondRun!.startedAtBootMs);

    stale.child.kill("SIGCONT");
    const rejected = await waitFor("the stale daemon's report to be refused", () =>
      stale.events().find((e) => e.job_id === id && e.event === "report_rejected"),
    );
    expect(rejected.code).toBe("lease-lost");

    const job = await server.waitForState(id, ["succeeded", "failed", "timed_out"], 60_000);
    expect(job.state).toBe("succeeded");
    expect(job.attempt).toBe(2);
    expect(events(job).filter((e) => e === "complete")).toHaveLength(1);
  }, 90_000);

  it("kills the job before its lease expires when the server is gone", async () => {
    const { server, daemon } = await spawnServerAndDaemon();
    const { command, pidFile, termedFile } = trapTermJob();
    const id = await server.submit({ spec: { command }, lease_s: 2 });
    const pid = await waitFor("the job to start", () => readPidFile(pidFile));
    server.child.kill("SIGKILL");
    await exited(server.child);

    await waitFor("the job to be stopped", () => existsSync(termedFile), 10_000);
    await waitFor("the job's process to be gone", () => !isAlive(pid), 5_000);
    const termedAt = Number(readFileSync(termedFile, "utf8"));
    // The last lease the server granted, read from its database after it died.
    const db = new DatabaseSync(server.db, { readOnly: true });
    const row = db.prepare("SELECT lease_expires_at FROM jobs WHERE id = ?").get(id) as {
      lease_expires_at: number;
    };
    db.close();
    expect(termedAt).toBeLessThan(row.lease_expires_at);
    expect(
      daemon.events().some((e) => e.job_id === id && e.event === "lease_lost" && e.reason === "unrenewable"),
    ).toBe(true);
  });
});
