/**
 * Jobs as another user (issue 13 item 8): with --job-user a job runs with that user's uid, owns
 * its directory (0700), and can read neither another job's lease token nor the daemon's
 * environment (/proc/<daemon>/environ, where the API key lives).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { get } from "../helpers/http.ts";
import { spawnServerAndDaemon, waitFor } from "../helpers/processes.ts";

const USER = "flowy-test-job";
const isRoot = process.getuid?.() === 0;
if (!isRoot) console.log("skipping the job-user tests: they need root (CI runs as root)");

function ensureUser(): number {
  try {
    return Number(
      execFileSync("id", ["-u", USER], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim(),
    );
  } catch {
    execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER]);
    return Number(
      execFileSync("id", ["-u", USER], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim(),
    );
  }
}

/** What job B tries, one line each: its uid, its dir's owner and mode, and two reads it must not make. */
const PROBE = [
  'echo "uid $(id -u)"',
  'echo "dir $(stat -c "%u %a" "$FLOWY_JOB_DIR")"',
  'cat "$OTHER/job.json" >/dev/null 2>&1 && echo "other job.json READ" || echo "other job.json refused"',
  'cat "/proc/$DAEMON/environ" >/dev/null 2>&1 && echo "environ READ" || echo "environ refused"',
  'echo "home $HOME"',
].join("; ");

describe.skipIf(!isRoot)("jobs as another user", { timeout: 150_000 }, () => {
  it("runs jobs as the job user, who cannot read another job's lease token or the daemon's environ", async () => {
    const uid = ensureUser();
    const { server, daemon } = await spawnServerAndDaemon(["--job-user", USER, "--max-jobs", "2"]);
    const holder = await server.submit({ spec: { shell: "sleep 300" } });
    const holderDir = join(daemon.stateDir, "jobs", holder);
    await waitFor("the first job to start", () => existsSync(join(holderDir, "pid")), 60_000);
    const daemonPid = readFileSync(join(daemon.stateDir, "daemon.pid"), "utf8").trim();
    const probe = await server.submit({
      spec: { shell: PROBE, env: { OTHER: holderDir, DAEMON: daemonPid } },
    });
    await server.waitForState(probe, ["succeeded", "failed"], 60_000);
    const log = (await get(`${server.api}/jobs/${probe}/logs`)).body as string;
    expect(log).toContain(`uid ${uid}`);
    expect(log).toContain(`dir ${uid} 700`);
    expect(log).toContain("other job.json refused");
    expect(log).toContain("environ refused");
    expect(log).not.toContain("READ");
    // The daemon itself still reads the job's files: it is root.
    expect(readFileSync(join(holderDir, "job.json"), "utf8")).toContain(holder);
  });
});
