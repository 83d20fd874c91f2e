/**
 * The control channel end to end: a cancel reaches the job's process without waiting for a
 * heartbeat (lease_s 600: the next one would be 300 s away), and `flowy-client workers drain`
 * makes the daemon finish its job and exit.
 */
import { describe, expect, it } from "vitest";
import { flowyClient } from "../helpers/client-cli.ts";
import { post } from "../helpers/http.ts";
import { isAlive, readPidFile, spawnServerAndDaemon, trapTermJob, waitFor } from "../helpers/processes.ts";

describe("the server reaching a daemon at once", () => {
  it("stops a canceled job without waiting for its next heartbeat", async () => {
    const { server } = await spawnServerAndDaemon();
    const job = trapTermJob();
    const id = await server.submit({ spec: { command: job.command }, lease_s: 600 });
    const pid = await waitFor("the job to run", () => readPidFile(job.pidFile), 30_000);
    await post(`${server.api}/jobs/${id}/cancel`, {});
    const canceled = await server.waitForState(id, ["canceled", "failed", "succeeded"], 60_000);
    expect(canceled.state).toBe("canceled");
    expect(isAlive(pid)).toBe(false);
  }, 90_000);

  it("drains a worker from the CLI: it finishes its job and exits", async () => {
    const { server, daemon } = await spawnServerAndDaemon(["--worker-id", "drained-one"]);
    const id = await server.submit({ spec: { shell: "sleep 1" } });
    await server.waitForState(id, ["running"], 30_000);
    const drain = await flowyClient(server.url, ["workers", "drain", "drained-one"]);
    expect(drain.exitCode).toBe(0);
    expect(drain.stdout).toContain("drained-one is draining");
    expect(await daemon.exited()).toBe(0);
    expect((await server.waitForState(id, ["succeeded", "failed"])).state).toBe("succeeded");
  }, 90_000);
});
