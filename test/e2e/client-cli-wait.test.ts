/**
 * `submit --wait` and `wait` with the real binary while the test plays the worker over HTTP:
 * the exit code is the job's outcome, a failure's error reaches stderr, progress is shown, and
 * Ctrl-C stops the waiting but not the job.
 */
import { describe, expect, it } from "vitest";
import { flowyClient } from "../helpers/client-cli.ts";
import { fakeWorker } from "../helpers/fake-worker.ts";
import { post } from "../helpers/http.ts";
import { startServer } from "../helpers/server.ts";

/**
 * Collects the CLI's stderr from the start, so a test can wait for a line that may already have
 * been printed by the time it asks.
 */
function watchStderr(run: ReturnType<typeof flowyClient>): { until(pattern: RegExp): Promise<void> } {
  let seen = "";
  const waiting: Array<{ pattern: RegExp; resolve: () => void }> = [];
  run.stderr?.on("data", (chunk: Buffer) => {
    seen += chunk.toString();
    for (const w of waiting.filter((w) => w.pattern.test(seen))) w.resolve();
  });
  return {
    until: (pattern) =>
      pattern.test(seen) ? Promise.resolve() : new Promise((resolve) => waiting.push({ pattern, resolve })),
  };
}

describe("flowy-client submit --wait", () => {
  it("exits 2 when the job fails and shows the job's error and stderr on stderr", async () => {
    const { url, api } = await startServer();
    const run = flowyClient(url, ["submit", "--wait", "--max-attempts", "1", "--", "make", "deploy"]);
    const stderr = watchStderr(run);
    const worker = fakeWorker(api);
    const job = await worker.claim();
    // Let the CLI see the job running (its progress line) before it fails.
    await stderr.until(/running/);
    await worker.fail(job, {
      message: "exit status 3",
      exit_code: 3,
      stderr_tail: "deploy: permission denied",
    });
    const result = await run;
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`Job ${job.id} failed`);
    expect(result.stderr).toContain("(attempt 1/1)");
    expect(result.stderr).toContain("error: exit status 3 (exit code 3)");
    expect(result.stderr).toContain("  | deploy: permission denied");
    expect(result.stderr).toContain(`Details: flowy-client show ${job.id}`);
    // Plain progress: one line per change, not a spinner.
    expect(result.stderr).toMatch(new RegExp(`^${job.id} running · attempt 1/1 · `, "m"));
    expect(result.stderr).not.toContain("\r");
  });

  it("exits 0 when the job succeeds, prints its outputs, and follows its log with --follow", async () => {
    const { url, api } = await startServer();
    const run = flowyClient(url, ["submit", "--follow", "--", "echo", "hi"]);
    const worker = fakeWorker(api);
    const job = await worker.claim();
    await worker.log(job, 0, "hello from the job\n");
    await worker.complete(job, { exit_code: 0, outputs: { rows: 42 }, duration_ms: 1200 });
    const result = await run;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      `hello from the job\nJob ${job.id} succeeded in 1.2s (attempt 1/3)\noutputs: {"rows":42}\n`,
    );
    expect(result.stderr).toContain(`Job submitted: ${job.id}`);
  });

  it("prints only the finished job with --output json, and exits 3 when it timed out", async () => {
    const { url, api } = await startServer();
    const run = flowyClient(url, [
      "submit",
      "--wait",
      "-o",
      "json",
      "--max-attempts",
      "1",
      "--",
      "sleep",
      "1000",
    ]);
    const worker = fakeWorker(api);
    const job = await worker.claim();
    await post(`${api}/jobs/${job.id}/failed`, {
      worker_id: "test-worker",
      lease_token: job.lease_token,
      message: "stopped at its timeout",
      timed_out: true,
    });
    const result = await run;
    expect(result.exitCode, result.stderr).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({ id: job.id, state: "timed_out" });
  });

  it("exits 4 when the job is canceled while it waits, with emoji and a spinner under --pretty", async () => {
    const { url, api } = await startServer();
    const run = flowyClient(url, ["submit", "--wait", "--pretty", "--", "sleep", "1000"]);
    const stderr = watchStderr(run);
    const job = await fakeWorker(api).claim();
    await stderr.until(/running/);
    await flowyClient(url, ["cancel", job.id]);
    // The worker confirms the cancel by reporting the job stopped.
    await post(`${api}/jobs/${job.id}/failed`, {
      worker_id: "test-worker",
      lease_token: job.lease_token,
      message: "killed",
    });
    const result = await run;
    expect(result.exitCode, result.stderr).toBe(4);
    expect(result.stderr).toContain("\r\x1b[2K");
    expect(result.stderr).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] \S+ 🔄 running · attempt 1\/3 · /u);
    expect(result.stderr).toContain(`🛑 Job ${job.id} was canceled`);
  });
});

describe("flowy-client wait", () => {
  it("exits 6 when --timeout passes first, saying the job keeps going", async () => {
    const { url } = await startServer();
    const id = (await flowyClient(url, ["-q", "submit", "--", "true"])).stdout.trim();
    const result = await flowyClient(url, ["wait", id, "--timeout", "0.5s"]);
    expect(result.exitCode).toBe(6);
    expect(result.stderr).toMatch(
      new RegExp(`error: Job ${id} did not finish within \\d+s \\(last seen: pending\\)`),
    );
    expect(result.stderr).toContain(`hint: The job keeps going. Wait again with: flowy-client wait ${id}`);
  });

  it("returns at once for a finished job, and stops waiting on Ctrl-C with exit 130", async () => {
    const { url } = await startServer();
    const id = (await flowyClient(url, ["-q", "submit", "--", "true"])).stdout.trim();
    await flowyClient(url, ["cancel", id]);
    expect((await flowyClient(url, ["wait", id])).exitCode).toBe(4);

    const pending = (await flowyClient(url, ["-q", "submit", "--", "true"])).stdout.trim();
    const run = flowyClient(url, ["wait", pending]);
    const stderr = watchStderr(run);
    await stderr.until(/pending/);
    run.kill("SIGINT");
    const result = await run;
    expect(result.exitCode).toBe(130);
    expect(result.stderr).toContain(`Stopped waiting; job ${pending} keeps going.`);
  });

  it("exits 5 at once when the server was never reached (a wrong URL, not a restart)", async () => {
    const result = await flowyClient("http://127.0.0.1:9", ["wait", "01nosuchjob0000000000000000"]);
    expect(result.exitCode).toBe(5);
    expect(result.stderr).toMatch(/Cannot reach the flowy server/);
  });
});
