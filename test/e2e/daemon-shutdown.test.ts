/**
 * Stopping daemon-flowy: drain on SIGTERM, the drain timeout, a second signal; and the `config`
 * command that shows where each setting came from.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  cleanEnv,
  fixture,
  isAlive,
  NODE,
  readPidFile,
  spawnServerAndDaemon,
  trapTermJob,
  waitFor,
} from "../helpers/processes.ts";
import { tmpDir } from "../helpers/tmp.ts";

const CLI = join(import.meta.dirname, "..", "..", "daemon", "cli.ts");

describe("daemon-flowy shutdown", () => {
  it("drains on SIGTERM: claims nothing new, lets the running job finish, exits 0", async () => {
    const { server, daemon } = await spawnServerAndDaemon(["--max-jobs", "1"]);
    const runFile = join(tmpDir(), "runs");
    const running = await server.submit({
      spec: { command: fixture("record-and-sleep.sh", runFile, 1) },
    });
    await server.waitForState(running, ["running"]);
    daemon.child.kill("SIGTERM");
    await waitFor("the drain to start", () =>
      daemon.events().some((e) => e.msg?.toString().startsWith("draining")),
    );
    const queued = await server.submit({ spec: { command: ["true"] } });
    expect(await daemon.exited()).toBe(0);
    expect((await server.waitForState(running, ["succeeded", "failed"])).state).toBe("succeeded");
    expect((await server.waitForState(queued, ["pending", "running"])).state).toBe("pending");
  });

  it("stops jobs still running at the drain timeout, reports them for retry, exits 3", async () => {
    const { server, daemon } = await spawnServerAndDaemon(["--drain-timeout", "0.5"]);
    const trapTerm = trapTermJob();
    const id = await server.submit({
      spec: { command: trapTerm.command },
      max_attempts: 2,
      backoff: { initial_s: 60, max_s: 60, factor: 1 },
    });
    const pid = await waitFor("the job to start", () => readPidFile(trapTerm.pidFile));
    daemon.child.kill("SIGTERM");
    expect(await daemon.exited()).toBe(3);
    expect(isAlive(pid)).toBe(false);
    const job = await server.waitForState(id, ["scheduled", "failed"]);
    expect(job.state).toBe("scheduled");
    expect(job.error.message).toContain("drain timeout of 0.5s");
  });

  it("stops at once on a second signal and exits 130", async () => {
    const { server, daemon } = await spawnServerAndDaemon(["--drain-timeout", "60", "--kill-grace", "30"]);
    const childPidFile = join(tmpDir(), "child.pid");
    await server.submit({ spec: { command: fixture("ignore-term-child.sh", childPidFile) } });
    const childPid = await waitFor("the job to start", () => readPidFile(childPidFile));
    daemon.child.kill("SIGTERM");
    await waitFor("the drain to start", () =>
      daemon.events().some((e) => e.msg?.toString().startsWith("draining")),
    );
    daemon.child.kill("SIGINT");
    expect(await daemon.exited()).toBe(130);
    expect(isAlive(childPid)).toBe(false);
  });
});

describe("daemon-flowy config", () => {
  function runConfig(args: string[], env: NodeJS.ProcessEnv) {
    return spawnSync(NODE, [CLI, "config", ...args], { env: cleanEnv(env), encoding: "utf8" });
  }

  it("prints each key with where it came from: flag > env > file > default", () => {
    const file = join(tmpDir(), "flowy.yaml");
    writeFileSync(file, "max_jobs: 3\ntags: [a, b]\ndrain_timeout: 5\napi_key: sekret\n");
    const result = runConfig(["--json", "--drain-timeout", "9"], { FLOWY_CONFIG: file, FLOWY_MAX_JOBS: "4" });
    expect(result.status).toBe(0);
    const { config, sources } = JSON.parse(result.stdout);
    expect(config).toMatchObject({ max_jobs: 4, tags: ["a", "b"], drain_timeout: 9, api_key: "[redacted]" });
    expect(sources.max_jobs).toEqual({ kind: "env", name: "FLOWY_MAX_JOBS" });
    expect(sources.tags).toEqual({ kind: "file", path: file });
    expect(sources.drain_timeout).toEqual({ kind: "flag", name: "--drain-timeout" });
    expect(sources.log_level).toEqual({ kind: "default" });
    const text = runConfig([], { FLOWY_CONFIG: file }).stdout;
    expect(text).toMatch(/max_jobs\s+3\s+file /);
    expect(text).not.toContain("sekret");
  });

  it("shows the worker id the state dir keeps, and says where it is", { timeout: 120_000 }, () => {
    const state = tmpDir();
    const fresh = runConfig([], { FLOWY_STATE_DIR: state });
    expect(fresh.stdout).toMatch(/^worker_id +\(a new one on first start\) +default$/m);
    writeFileSync(join(state, "worker-id"), "host-1-abc\n");
    const text = runConfig([], { FLOWY_STATE_DIR: state }).stdout;
    expect(text).toMatch(
      new RegExp(`^worker_id +host-1-abc +persisted in ${join(state, "worker-id")}$`, "m"),
    );
    const flag = JSON.parse(runConfig(["--json", "--worker-id", "mine"], { FLOWY_STATE_DIR: state }).stdout);
    expect([flag.config.worker_id, flag.sources.worker_id]).toEqual([
      "mine",
      { kind: "flag", name: "--worker-id" },
    ]);
  });

  it("reads ~/.flowy as JSON too", () => {
    const home = tmpDir();
    writeFileSync(
      join(home, ".flowy"),
      JSON.stringify({ server: "http://flowy.internal:7411", max_jobs: 6 }),
    );
    const result = runConfig(["--json"], { HOME: home });
    const { config, file } = JSON.parse(result.stdout);
    expect(config).toMatchObject({ server: "http://flowy.internal:7411", max_jobs: 6 });
    expect(file).toBe(join(home, ".flowy"));
  });

  it("refuses an invalid value, naming the key and the file", () => {
    const file = join(tmpDir(), "flowy.yaml");
    writeFileSync(file, "max_jobs: lots\n");
    const result = runConfig([], { FLOWY_CONFIG: file });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`max_jobs in ${file}`);
    const flag = runConfig(["--max-jobs", "0"], {});
    expect(flag.status).toBe(1);
    expect(flag.stderr).toContain("--max-jobs");
  });

  it("refuses an unknown key, naming it and the nearest valid one", { timeout: 120_000 }, () => {
    const file = join(tmpDir(), "flowy.yaml");
    writeFileSync(file, "server: http://127.0.0.1:7411\nmax-jobs: 4\n");
    const result = runConfig([], { FLOWY_CONFIG: file });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`unknown key "max-jobs" in ${file}`);
    expect(result.stderr).toContain("hint: Did you mean max_jobs? Keys are: server, api_key,");
    writeFileSync(file, "colour: blue\n");
    const far = runConfig([], { FLOWY_CONFIG: file });
    expect(far.stderr).toContain('unknown key "colour"');
    expect(far.stderr).not.toContain("Did you mean");
  });
});
