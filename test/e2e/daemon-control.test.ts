/**
 * The control channel end to end: a cancel reaches the job's process without waiting for a
 * heartbeat (lease_s 600: the next one would be 300 s away), and `flowy-client workers drain`
 * makes the daemon finish its job and exit.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { flowyClient } from "../helpers/client-cli.ts";
import { post } from "../helpers/http.ts";
import {
  fixture,
  isAlive,
  readPidFile,
  spawnDaemon,
  spawnServer,
  submit,
  waitFor,
  waitForState,
} from "../helpers/processes.ts";
import { tmpDir } from "../helpers/tmp.ts";

describe("the server reaching a daemon at once", () => {
  it("stops a canceled job without waiting for its next heartbeat", async () => {
    const server = await spawnServer();
    spawnDaemon(server.url);
    const dir = tmpDir();
    const pidFile = join(dir, "pid");
    const id = await submit(server.api, {
      spec: { command: fixture("trap-term.sh", pidFile, join(dir, "termed")) },
      lease_s: 600,
    });
    const pid = await waitFor("the job to run", () => readPidFile(pidFile), 30_000);
    await post(`${server.api}/jobs/${id}/cancel`, {});
    const job = await waitForState(server.api, id, ["canceled", "failed", "succeeded"], 60_000);
    expect(job.state).toBe("canceled");
    expect(isAlive(pid)).toBe(false);
  }, 90_000);

  it("drains a worker from the CLI: it finishes its job and exits", async () => {
    const server = await spawnServer();
    const daemon = spawnDaemon(server.url, ["--worker-id", "drained-one"]);
    const id = await submit(server.api, { spec: { shell: "sleep 1" } });
    await waitForState(server.api, id, ["running"], 30_000);
    const drain = await flowyClient(server.url, ["workers", "drain", "drained-one"]);
    expect(drain.exitCode).toBe(0);
    expect(drain.stdout).toContain("drained-one is draining");
    expect(await daemon.exited()).toBe(0);
    expect((await waitForState(server.api, id, ["succeeded", "failed"])).state).toBe("succeeded");
  }, 90_000);
});
