import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readProgress } from "../../../daemon/workflow/progress-file.ts";
import { runWorkflow, type RunWorkflowOptions } from "../../../daemon/workflow/run-workflow.ts";
import type { TaskStatus } from "../../../daemon/workflow/task-status.ts";
import { loadFlow } from "../../../shared/workflow/plan.ts";
import { tmpDir } from "../../helpers/tmp.ts";
import { isAlive, waitFor } from "../../helpers/processes.ts";

/** Runs a workflow given as YAML in a fresh directory; tasks run there too. */
async function run(
  yaml: string | Record<string, unknown>,
  options: Partial<RunWorkflowOptions> & { inputs?: Record<string, unknown> } = {},
) {
  const dir = tmpDir();
  const events: TaskStatus[] = [];
  const result = await runWorkflow({
    plan: loadFlow(yaml, { inputs: options.inputs ?? {} }),
    workDir: join(dir, ".run"),
    cwd: dir,
    graceMs: 500,
    ...options,
    onTask: (task) => {
      events.push(task);
      options.onTask?.(task);
    },
  });
  const byName = Object.fromEntries(result.tasks.map((t) => [t.name, t]));
  return { dir, events, result, byName };
}

describe("workflow runner", () => {
  it("runs ready tasks side by side, never more than the concurrency limit", async () => {
    const tasks = ["a", "b", "c", "d", "e"].map((n) => `  ${n}: { run: "sleep 0.2" }`).join("\n");
    const { result, events } = await run(`version: 1\ntasks:\n${tasks}\n`, { concurrency: 2 });
    expect(result.state).toBe("succeeded");
    const running = new Set<string>();
    let most = 0;
    for (const event of events) {
      if (event.state === "running") running.add(event.name);
      else running.delete(event.name);
      most = Math.max(most, running.size);
    }
    expect(most).toBe(2);
  });

  it("runs a task only after its needs, and passes outputs by template and $FLOWY_UPSTREAM", async () => {
    const workflow = {
      version: 1,
      flows: { main: { graph: "fetch >> (count & copy)" } },
      tasks: {
        fetch: { run: `echo '{"path": "data.json", "n": 2}' > "$FLOWY_OUTPUTS"` },
        // argv: the value arrives as $1, no shell parsing of it.
        count: {
          run: [
            "sh",
            "-c",
            `printf '{"seen": "%s"}' "$1" > "$FLOWY_OUTPUTS"`,
            "-",
            "{{ tasks.fetch.outputs.path }}",
          ],
        },
        copy: {
          run: `cp "$FLOWY_UPSTREAM" upstream.json && printf '{"day": "%s"}' {{ inputs.day }} > "$FLOWY_OUTPUTS"`,
        },
      },
    };
    const { result, dir, events } = await run(workflow, { inputs: { day: "mon" } });
    expect(result.state).toBe("succeeded");
    expect(result.outputs).toEqual({
      fetch: { path: "data.json", n: 2 },
      count: { seen: "data.json" },
      copy: { day: "mon" },
    });
    expect(JSON.parse(readFileSync(join(dir, "upstream.json"), "utf8"))).toEqual({
      fetch: { outputs: { path: "data.json", n: 2 } },
    });
    const order = events.filter((e) => e.state === "running").map((e) => e.name);
    expect(order[0]).toBe("fetch");
  });

  it("fails the workflow on a failed task, skips what depends on it, runs the rest", async () => {
    const yaml = `version: 1
flows: { main: { graph: "a >> b >> c & d & soft >> after" } }
tasks:
  a: { run: "exit 3" }
  b: { run: "true" }
  c: { run: "true" }
  d: { run: "true" }
  soft: { run: "exit 1", continue_on_error: true }
  after: { run: "true" }
`;
    const { result, byName } = await run(yaml);
    expect(result.state).toBe("failed");
    expect(result.message).toBe("task failed: a");
    expect(byName.a).toMatchObject({ state: "failed", exit_code: 3, message: "exited with 3" });
    expect(byName.b).toMatchObject({ state: "skipped", message: "skipped: a failed" });
    expect(byName.c).toMatchObject({ state: "skipped", message: "skipped: b skipped" });
    expect(byName.d!.state).toBe("succeeded");
    expect(byName.soft!.state).toBe("failed");
    expect(byName.after!.state).toBe("succeeded");
  });

  it("retries a failing task up to its retries, then gives up", async () => {
    // Fails until it has been started three times.
    const flaky = `n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; [ $n -ge 3 ]`;
    const yaml = (retries: number) =>
      `version: 1\ntasks:\n  flaky: { run: '${flaky}', retries: ${retries} }\n`;
    const ok = await run(yaml(2));
    expect(ok.byName.flaky).toMatchObject({ state: "succeeded", attempt: 3 });
    expect(ok.events.some((e) => e.message === "attempt 1 exited with 1; retrying")).toBe(true);
    const failed = await run(yaml(1));
    expect(failed.byName.flaky).toMatchObject({ state: "failed", attempt: 2, exit_code: 1 });
  });

  it("waits retry_delay before a retry, about twice as long before the next", async () => {
    const stamp = `date +%s%3N >> starts; [ $(wc -l < starts) -ge 3 ]`;
    const { byName, dir, events } = await run(
      `version: 1\ntasks:\n  flaky: { run: '${stamp}', retries: 2, retry_delay: 300ms }\n`,
    );
    expect(byName.flaky).toMatchObject({ state: "succeeded", attempt: 3 });
    const starts = readFileSync(join(dir, "starts"), "utf8").trim().split("\n").map(Number);
    // The shared policy's jitter keeps at least half of each nominal wait (300 ms, then 600 ms).
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(150);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(300);
    expect(events.some((e) => /^attempt 1 exited with 1; retrying in \d/.test(e.message ?? ""))).toBe(true);
  });

  it("cancels a task that is waiting to retry at once, without running it again", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const { result, byName, dir } = await run(
      `version: 1\ntasks:\n  flaky: { run: "echo x >> starts; exit 1", retries: 3, retry_delay: 1m }\n`,
      {
        signal: controller.signal,
        onTask: (task) => {
          if (task.message?.includes("retrying in")) controller.abort();
        },
      },
    );
    expect(result.state).toBe("canceled");
    expect(byName.flaky).toMatchObject({ state: "canceled", message: "canceled while waiting to retry" });
    expect(readFileSync(join(dir, "starts"), "utf8")).toBe("x\n");
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("stops a task at its timeout (process group included) and retries it", async () => {
    const yaml = `version: 1\ntasks:\n  slow: { run: "sleep 30 & echo $! >> bg.pids; wait", timeout: 300ms, retries: 1 }\n`;
    const { result, byName, dir, events } = await run(yaml);
    expect(result.state).toBe("failed");
    expect(byName.slow).toMatchObject({ state: "failed", attempt: 2, message: "timed out after 0.3s" });
    const pids = [...events.map((e) => e.pid), ...readPids(join(dir, "bg.pids"))].filter(
      (p) => p !== undefined,
    );
    expect(pids.length).toBeGreaterThanOrEqual(4);
    for (const pid of pids) expect(isAlive(pid!), `pid ${pid}`).toBe(false);
  });

  it("cancels mid-run: running tasks are stopped (TERM, grace, KILL), waiting ones canceled, nothing survives", async () => {
    const controller = new AbortController();
    const yaml = `version: 1
flows: { main: { graph: "(polite & stubborn) >> later" } }
tasks:
  polite: { run: "sleep 30 & echo $! > polite.pid; wait" }
  stubborn: { run: "trap '' TERM; sleep 30 & echo $! > stubborn.pid; while :; do sleep 0.1; done" }
  later: { run: "touch later-ran" }
`;
    const started = new Set<string>();
    const { result, byName, dir, events } = await run(yaml, {
      signal: controller.signal,
      graceMs: 300,
      onTask: (task) => {
        if (task.state === "running") started.add(task.name);
        if (started.size === 2) setTimeout(() => controller.abort(), 100);
      },
    });
    expect(result.state).toBe("canceled");
    expect(byName.polite!.state).toBe("canceled");
    expect(byName.stubborn!.state).toBe("canceled");
    expect(byName.later).toMatchObject({ state: "canceled", message: "canceled before it started" });
    expect(existsSync(join(dir, "later-ran"))).toBe(false);
    const pids = [
      ...events.map((e) => e.pid),
      ...readPids(join(dir, "polite.pid")),
      ...readPids(join(dir, "stubborn.pid")),
    ].filter((p) => p !== undefined);
    expect(pids.length).toBe(4);
    for (const pid of pids) await waitFor(`pid ${pid} to be gone`, () => !isAlive(pid!));
  });

  it("writes every change to the progress file, so the state can be read back", async () => {
    const { result, dir } = await run(
      `version: 1\ntasks:\n  a: { run: "true" }\n  b: { run: "exit 2", needs: [a] }\n  c: { run: "true", needs: [b] }\n`,
    );
    const progress = readProgress(join(dir, ".run"));
    expect(progress.tasks).toEqual(result.tasks);
    expect(progress.end).toEqual({ state: "failed", message: "task failed: b" });
  });

  it("fails a task whose outputs are not a JSON object, or that cannot start", async () => {
    const { byName } = await run(
      `version: 1\ntasks:\n  bad: { run: "echo nope > $FLOWY_OUTPUTS" }\n  missing: { run: ["/no/such/program"] }\n`,
    );
    expect(byName.bad!.message).toContain("$FLOWY_OUTPUTS is not valid JSON");
    expect(byName.missing).toMatchObject({
      state: "failed",
      message: expect.stringContaining("could not start"),
    });
  });

  it("keeps hostile inputs as data when it runs them", async () => {
    const value = `$(touch pwned1) \`touch pwned2\` '; touch pwned3; echo '`;
    const yaml = `version: 1\ntasks:\n  t: { run: "printf '%s' {{ inputs.v }} > got.txt; echo 'x{{ inputs.v }}' >> got.txt" }\n`;
    const { result, dir } = await run(yaml, { inputs: { v: value } });
    expect(result.state).toBe("succeeded");
    expect(readFileSync(join(dir, "got.txt"), "utf8")).toBe(`${value}x${value}\n`);
    for (const f of ["pwned1", "pwned2", "pwned3"]) expect(existsSync(join(dir, f))).toBe(false);
  });
});

function readPids(path: string): number[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8").split(/\s+/).filter(Boolean).map(Number);
}
