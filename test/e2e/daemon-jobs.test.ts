/**
 * The real binaries end to end: a flowy-server, a daemon-flowy, and real subprocess jobs.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { get, post } from "../helpers/http.ts";
import {
  fixture,
  isAlive,
  readPidFile,
  spawnServerAndDaemon,
  trapTermJob,
  waitFor,
} from "../helpers/processes.ts";
import { tmpDir } from "../helpers/tmp.ts";

describe("daemon-flowy runs jobs end to end", () => {
  it("runs a command with inputs, env and cwd, and reports its outputs and log", async () => {
    const { server, daemon } = await spawnServerAndDaemon();
    const cwd = tmpDir();
    const id = await server.submit({
      spec: { command: fixture("succeed.sh"), env: { GREETING: "hi there" }, cwd },
      inputs: { n: 7 },
    });
    const job = await server.waitForState(id, ["succeeded", "failed"]);
    expect(job.state).toBe("succeeded");
    expect(job.result.exit_code).toBe(0);
    expect(job.result.outputs).toEqual({ answer: 42, greeting: "hi there" });
    expect(job.result.duration_ms).toBeGreaterThanOrEqual(0);
    const log = (await get(`${server.api}/jobs/${id}/logs`)).body as string;
    expect(log).toContain(`hello from ${id} attempt 1`);
    expect(log).toContain("a line on stderr");
    expect(log).toContain('inputs: {"n":7}');
    expect(log).toContain("GREETING=hi there");
    expect(log).toContain(`cwd: ${cwd}`);
    // One JSON line per job event, with the stable field names.
    const finished = await waitFor("the finished event", () =>
      daemon.events().find((e) => e.event === "reported" && e.job_id === id),
    );
    expect(finished).toMatchObject({
      attempt: 1,
      worker_id: expect.any(String),
      lease_token: expect.any(String),
    });
    // The job directory is cleaned up once the server accepted the outcome.
    expect(readdirSync(join(daemon.stateDir, "jobs"))).toEqual([]);
  });

  it("reports a non-zero exit with its output tail and retries until attempts run out", async () => {
    const { server } = await spawnServerAndDaemon();
    const id = await server.submit({
      spec: { command: fixture("fail.sh", 7) },
      max_attempts: 2,
      backoff: { initial_s: 0, max_s: 0, factor: 1 },
    });
    const job = await server.waitForState(id, ["failed"]);
    expect(job.attempt).toBe(2);
    expect(job.error.exit_code).toBe(7);
    expect(job.error.message).toContain("exited with status 7");
    expect(job.error.stderr_tail).toContain("something went wrong (attempt 2)");
    const history = (job.history as Array<{ event: string }>).map((h) => h.event);
    expect(history.filter((e) => e === "claim")).toHaveLength(2);
  });

  it("gives each attempt a FLOWY_FENCE that grows with every lease of the job", async () => {
    const { server } = await spawnServerAndDaemon();
    const fences = join(tmpDir(), "fences");
    const id = await server.submit({
      // The first attempt fails, the second succeeds: two leases, two fences.
      spec: { shell: `echo "$FLOWY_ATTEMPT $FLOWY_FENCE" >> ${fences}; [ "$FLOWY_ATTEMPT" -ge 2 ]` },
      max_attempts: 2,
      backoff: { initial_s: 0, max_s: 0, factor: 1 },
    });
    const job = await server.waitForState(id, ["succeeded", "failed"]);
    expect(job.state).toBe("succeeded");
    expect(readFileSync(fences, "utf8").trim().split("\n")).toEqual(["1 1", "2 2"]);
    expect(job.fence).toBe(2);
  });

  it("stops a job at its timeout and reports timed_out", async () => {
    const { server } = await spawnServerAndDaemon();
    const trapTerm = trapTermJob();
    const id = await server.submit({ spec: { command: trapTerm.command }, timeout_s: 1, max_attempts: 1 });
    const job = await server.waitForState(id, ["timed_out", "failed", "succeeded"]);
    expect(job.state).toBe("timed_out");
    expect(job.error.message).toContain("timed out after 1s");
    expect(readFileSync(trapTerm.termedFile, "utf8")).toMatch(/^\d+/);
    expect(isAlive(readPidFile(trapTerm.pidFile)!)).toBe(false);
  });

  it("cancels a running job and its whole process group, SIGTERM-ignoring child included", async () => {
    const { server } = await spawnServerAndDaemon();
    const childPidFile = join(tmpDir(), "child.pid");
    const id = await server.submit({
      spec: { command: fixture("ignore-term-child.sh", childPidFile) },
      lease_s: 1,
    });
    const childPid = await waitFor("the job's child to start", () => readPidFile(childPidFile));
    expect(isAlive(childPid)).toBe(true);
    expect((await post(`${server.api}/jobs/${id}/cancel`)).status).toBe(200);
    const job = await server.waitForState(id, ["canceled", "failed", "succeeded"]);
    expect(job.state).toBe("canceled");
    await waitFor("the SIGTERM-ignoring child to be gone", () => !isAlive(childPid), 5_000);
  });

  it("never runs more than --max-jobs at once, and does use them all", async () => {
    const { server } = await spawnServerAndDaemon(["--max-jobs", "2"]);
    const marks = tmpDir();
    const ids = await Promise.all(
      Array.from({ length: 5 }, () =>
        server.submit({ spec: { command: fixture("overlap.sh", marks, 0.3) } }),
      ),
    );
    for (const id of ids)
      expect((await server.waitForState(id, ["succeeded", "failed"])).state).toBe("succeeded");
    const spans = readdirSync(marks).map((file) => {
      const [start, end] = readFileSync(join(marks, file), "utf8")
        .trim()
        .split("\n")
        .map((line) => BigInt(line.split(" ")[1]!));
      return { start: start!, end: end! };
    });
    const peak = Math.max(
      ...spans.map((s) => spans.filter((o) => o.start <= s.start && s.start < o.end).length),
    );
    expect(peak).toBe(2);
  });

  it("claims only jobs whose tags it has", async () => {
    const { server } = await spawnServerAndDaemon(["--tags", "linux,gpu"]);
    const other = await server.submit({ spec: { command: ["true"] }, tags: ["windows"] });
    const mine = await server.submit({ spec: { command: ["true"] }, tags: ["gpu"] });
    const untagged = await server.submit({ spec: { command: ["true"] } });
    expect((await server.waitForState(mine, ["succeeded"])).worker_id).toBeTruthy();
    await server.waitForState(untagged, ["succeeded"]);
    const stillPending = await get(`${server.api}/jobs/${other}`);
    expect(stillPending.body.state).toBe("pending");
  });
});
