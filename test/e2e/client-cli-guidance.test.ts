/**
 * flowy-client tells a person what is going on and what to do: a pending job no worker can take,
 * an attempt that never ran, a move its state forbids, and where a job runs (--cwd). The real
 * binary against a real server, with the test playing the worker. Each test starts several
 * client processes: generous timeouts, for a loaded machine.
 */
import { mkdirSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { flowyClient } from "../helpers/client-cli.ts";
import { fakeWorker } from "../helpers/fake-worker.ts";
import { get, post } from "../helpers/http.ts";
import { makeJobSpec } from "../helpers/jobs.ts";
import { startServer } from "../helpers/server.ts";
import { tmpDir } from "../helpers/tmp.ts";

describe("a pending job whose tags no live worker offers", () => {
  it("show and wait say so and how to start such a worker", { timeout: 120_000 }, async () => {
    const { url, api } = await startServer();
    await fakeWorker(api, "plain-worker").register([]);
    const id = (await post(`${api}/jobs`, makeJobSpec({ tags: ["linux"] }))).body.id;

    const show = await flowyClient(url, ["show", id]);
    expect(show.exitCode).toBe(0);
    expect(show.stderr).toContain("No live worker offers the tags linux of this job");
    expect(show.stderr).toContain("daemon-flowy --tags linux");
    const wait = await flowyClient(url, ["wait", id, "--timeout", "1s"]);
    expect(wait.exitCode).toBe(6);
    expect(wait.stderr).toContain("No live worker offers the tags linux of this job");

    await fakeWorker(api, "linux-worker").register(["linux", "x86"]);
    const covered = await flowyClient(url, ["show", id]);
    expect(covered.stderr).not.toContain("No live worker");
  });
});

describe("flowy-client logs --attempt", () => {
  it("refuses an attempt that never ran, with the range there is", { timeout: 120_000 }, async () => {
    const { url, api } = await startServer();
    const id = (await post(`${api}/jobs`, makeJobSpec())).body.id;
    const notRun = await flowyClient(url, ["logs", id, "--attempt", "1"]);
    expect(notRun.exitCode).toBe(1);
    expect(notRun.stderr).toContain(`Job ${id} has not run yet`);

    const worker = fakeWorker(api);
    const job = await worker.claim();
    await worker.log(job, 0, "first try\n");
    await worker.complete(job);
    const beyond = await flowyClient(url, ["logs", id, "--attempt", "9"]);
    expect(beyond.exitCode).toBe(1);
    expect(beyond.stderr).toContain(`Job ${id} has no attempt 9: it ran once`);
    expect(beyond.stderr).toMatch(/^hint: Give --attempt 1 to 1/m);
    const first = await flowyClient(url, ["logs", id, "--attempt", "1"]);
    expect([first.exitCode, first.stdout]).toEqual([0, "first try\n"]);
  });
});

describe("a move the job's state forbids", () => {
  it("delete of a running job says to cancel it first, in commands, not internal event names", {
    timeout: 120_000,
  }, async () => {
    const { url, api } = await startServer();
    const id = (await post(`${api}/jobs`, makeJobSpec())).body.id;
    await fakeWorker(api).claim();
    const refused = await flowyClient(url, ["delete", id]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(`hint: It is running: cancel it first (flowy-client cancel ${id})`);
    expect(refused.stderr).not.toMatch(/fail_retry|lease_expired/);

    const done = (await post(`${api}/jobs/${id}/cancel`)).body;
    expect(done.state).toBe("cancelling");
    const stopping = await flowyClient(url, ["requeue", id]);
    expect(stopping.stderr).toContain(
      `hint: Its worker is stopping it: wait for that (flowy-client wait ${id})`,
    );
  });
});

describe("a job whose parent did not succeed", () => {
  it("ends canceled, and wait says why", { timeout: 120_000 }, async () => {
    const { url, api } = await startServer();
    const parent = (await post(`${api}/jobs`, makeJobSpec({ max_attempts: 1 }))).body.id;
    const child = await flowyClient(url, ["submit", "-q", "--after", parent, "--", "true"]);
    const worker = fakeWorker(api);
    await worker.fail(await worker.claim(), { message: "boom", exit_code: 1 });
    const wait = await flowyClient(url, ["wait", child.stdout.trim()]);
    expect(wait.exitCode).toBe(4);
    expect(wait.stderr).toContain(`error: Not run: its parent job ${parent} failed`);
  });
});

describe("flowy-client submit --workflow", () => {
  it("names the job after the workflow file, and its flow when one is picked", {
    timeout: 120_000,
  }, async () => {
    const { url, api } = await startServer();
    const file = join(import.meta.dirname, "..", "..", "docs", "examples", "report.yaml");
    const plain = await flowyClient(url, ["submit", "-q", "--workflow", file]);
    const flow = await flowyClient(url, ["submit", "-q", "--workflow", file, "--flow", "main"]);
    const named = await flowyClient(url, ["submit", "-q", "--workflow", file, "--name", "mine"]);
    const names = [];
    for (const run of [plain, flow, named])
      names.push((await get(`${api}/jobs/${run.stdout.trim()}`)).body.name);
    expect(names).toEqual(["report", "report/main", "mine"]);
  });
});

describe("flowy-client submit --cwd", () => {
  it("sends the directory, made absolute, as the job's cwd", { timeout: 120_000 }, async () => {
    const { url, api } = await startServer();
    const here = realpathSync(tmpDir());
    mkdirSync(join(here, "work"));
    const run = await flowyClient(url, ["submit", "-q", "--cwd", "work", "--", "python3", "train.py"], {
      cwd: here,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const job = (await get(`${api}/jobs/${run.stdout.trim()}`)).body;
    expect(job.spec).toEqual({ command: ["python3", "train.py"], cwd: join(here, "work") });

    const workflow = await flowyClient(url, [
      "submit",
      "--cwd",
      ".",
      "--workflow",
      join(import.meta.dirname, "..", "..", "docs", "examples", "report.yaml"),
    ]);
    expect(workflow.exitCode).toBe(1);
    expect(workflow.stderr).toContain("--cwd applies to a command or a shell line");
  });
});
