/**
 * The README's first commands: `npm start` (scripts/quickstart.ts) and `flowy-server start
 * --with-daemon`, with the real server, the real daemon and real subprocess jobs.
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { flowyClient } from "../helpers/client-cli.ts";
import { spawnServerProcess } from "../helpers/server-process.ts";
import { cleanEnv, exited, isAlive, readPidFile, waitFor } from "../helpers/processes.ts";
import { tmpDir } from "../helpers/tmp.ts";
import {
  DOC,
  normaliseQuickstartOutput,
  sampleInDoc,
  sampleIsComplete,
  spawnQuickstart,
} from "../../scripts/quickstart-sample.ts";

function startQuickstart(devDir: string): { child: ChildProcess; output: () => string } {
  const quickstart = spawnQuickstart(cleanEnv({ FLOWY_DEV_DIR: devDir }));
  onTestFinished(() => {
    if (quickstart.child.exitCode === null) quickstart.child.kill("SIGKILL");
  });
  return quickstart;
}

describe("npm start", () => {
  // Two real servers, a daemon and several clients: generous time for a loaded machine.
  it("runs a sample job through a server and a daemon, says where to look, and stops both on Ctrl-C", {
    timeout: 120_000,
  }, async () => {
    const devDir = tmpDir();
    const { child, output } = startQuickstart(devDir);
    await waitFor("the quickstart to finish its sample", () => sampleIsComplete(output()), 90_000);
    const url = /server \+ dashboard +(http:\/\/\S+)/.exec(output())![1]!;
    expect(output()).toMatch(/Job \S+ succeeded in .* \(attempt 1\/3\)/);
    expect(output()).toContain("report | 10 words in 3 sentences");
    expect(output()).toContain("tasks 4/4");
    expect(output()).toMatch(/npm run -s client -- (--server \S+ )?list/);
    expect(normaliseQuickstartOutput(output()), "docs/getting-started.md is stale: npm run docs:start").toBe(
      sampleInDoc(readFileSync(DOC, "utf8")),
    );

    const list = await flowyClient(url, ["list", "-o", "json"]);
    expect(JSON.parse(list.stdout).jobs).toMatchObject([{ name: "hello-flowy", state: "succeeded" }]);
    const daemonPid = readPidFile(join(devDir, "daemon", "daemon.pid"));
    expect(daemonPid && isAlive(daemonPid)).toBe(true);

    child.kill("SIGINT");
    expect(await exited(child)).toBe(0);
    expect(isAlive(daemonPid!)).toBe(false);
    expect((await flowyClient(url, ["list"])).exitCode).toBe(5);
  });
});

describe("flowy-server start --with-daemon", () => {
  it("runs jobs with its own daemon; a failing one exits 2 with the job's error on stderr", {
    timeout: 120_000,
  }, async () => {
    const state = tmpDir();
    const server = await spawnServerProcess(["--with-daemon", "--db", join(tmpDir(), "f.db")], {
      FLOWY_STATE_DIR: state,
      FLOWY_LOG_LEVEL: "warn",
    });
    const ok = await flowyClient(server.url, ["submit", "--wait", "--", "echo", "hello"]);
    expect(ok.exitCode, ok.stderr).toBe(0);
    const failed = await flowyClient(server.url, [
      "submit",
      "--wait",
      "--max-attempts",
      "1",
      "--shell",
      "echo doomed >&2; exit 7",
    ]);
    expect(failed.exitCode).toBe(2);
    expect(failed.stderr).toMatch(/Job \S+ failed/);
    expect(failed.stderr).toContain("(exit code 7)");
    expect(failed.stderr).toContain("  | doomed");

    const daemonPid = readPidFile(join(state, "daemon.pid"))!;
    server.child.kill("SIGTERM");
    expect(await exited(server.child)).toBe(0);
    expect(isAlive(daemonPid)).toBe(false);
  });

  it("takes its daemon along when it is killed outright (SIGKILL)", { timeout: 60_000 }, async () => {
    const state = tmpDir();
    const server = await spawnServerProcess(["--with-daemon", "--db", join(tmpDir(), "f.db")], {
      FLOWY_STATE_DIR: state,
      FLOWY_LOG_LEVEL: "warn",
    });
    const daemonPid = await waitFor("the daemon to start", () => readPidFile(join(state, "daemon.pid")));
    server.child.kill("SIGKILL");
    await exited(server.child);
    await waitFor("the orphaned daemon to exit", () => !isAlive(daemonPid), 30_000);
  });
});
