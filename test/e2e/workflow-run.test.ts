/** `flowy-client run` as a person runs it: the example from the docs, failures, bad files, Ctrl-C. */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RUN_EXIT } from "../../client/workflow/run-command.ts";
import { NODE } from "../helpers/server-process.ts";
import { tmpDir } from "../helpers/tmp.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const RUN = join(ROOT, "test", "fixtures", "flowy-run.ts");

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function flowyRun(args: string[], onStdout?: (text: string, child: ReturnType<typeof spawn>) => void) {
  const child = spawn(NODE, [RUN, "run", ...args], { env: { ...process.env, CI: "true" } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    onStdout?.(stdout, child);
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise<Ran>((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

describe("flowy-client run", () => {
  it("runs the documented example as written", async () => {
    const example = join(ROOT, "docs", "examples", "report.yaml");
    const { code, stdout } = await flowyRun(["--workflow", example, "--param", "topic=durable jobs"]);
    expect(stdout).toContain("report | Report on durable jobs");
    expect(stdout).toContain("report | 10 words in 3 sentences");
    expect(stdout).toMatch(/^sentences: succeeded/m);
    expect(stdout).toContain("workflow succeeded");
    expect(code).toBe(RUN_EXIT.succeeded);
  });

  it("exits with the failed code and says which task failed", async () => {
    const dir = tmpDir();
    const file = join(dir, "flow.yaml");
    writeFileSync(
      file,
      `version: 1\ntasks:\n  a: { run: "echo oops >&2; exit 5" }\n  b: { run: "true", needs: [a] }\n`,
    );
    const { code, stdout } = await flowyRun(["--workflow", file]);
    expect(stdout).toContain("a | oops");
    expect(stdout).toMatch(/^a: failed \(.*exited with 5\)/m);
    expect(stdout).toMatch(/^b: skipped/m);
    expect(stdout).toContain("workflow failed: task failed: a");
    expect(code).toBe(RUN_EXIT.failed);
  });

  it("refuses a bad file before running anything, naming the line", async () => {
    const dir = tmpDir();
    const file = join(dir, "flow.yaml");
    writeFileSync(
      file,
      `version: 1\nflows:\n  main:\n    graph: a >> b\ntasks:\n  a: { run: "touch ran" }\n`,
    );
    const { code, stderr } = await flowyRun(["--workflow", file, "--cwd", dir]);
    expect(stderr).toContain("line 4:17 (flows.main.graph): 'b' is not a task");
    expect(code).toBe(RUN_EXIT.usage);
  });

  it("cancels on Ctrl-C: the running task is stopped and the rest canceled", async () => {
    const dir = tmpDir();
    const file = join(dir, "flow.yaml");
    writeFileSync(
      file,
      `version: 1\ntasks:\n  slow: { run: "sleep 30" }\n  next: { run: "true", needs: [slow] }\n`,
    );
    let sent = false;
    const { code, stdout } = await flowyRun(["--workflow", file, "--grace", "1s"], (text, child) => {
      if (!sent && text.includes("slow: running")) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    expect(stdout).toMatch(/^slow: canceled/m);
    expect(stdout).toMatch(/^next: canceled/m);
    expect(stdout).toContain("workflow canceled");
    expect(code).toBe(RUN_EXIT.canceled);
  });
});
