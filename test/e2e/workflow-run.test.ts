/**
 * `flowy-client run` as a person runs it: the example from the docs, failures, bad files,
 * Ctrl-C. Task output goes to stdout, task states and the outcome to stderr.
 */
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT } from "../../client/cli/exit-codes.ts";
import { NODE } from "../helpers/server-process.ts";
import { tmpDir } from "../helpers/tmp.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const CLI = join(ROOT, "client", "cli.ts");

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function flowyRun(args: string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void) {
  const child = spawn(NODE, [CLI, "run", ...args], { env: { ...process.env, CI: "true" } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    onStderr?.(stderr, child);
  });
  return new Promise<Ran>((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

function writeFlow(text: string): { dir: string; file: string } {
  const dir = tmpDir();
  const file = join(dir, "flow.yaml");
  writeFileSync(file, text);
  return { dir, file };
}

describe("flowy-client run", () => {
  it("runs the documented example as written", async () => {
    const example = join(ROOT, "docs", "examples", "report.yaml");
    const { code, stdout, stderr } = await flowyRun(["--workflow", example, "--param", "topic=durable jobs"]);
    expect(stdout).toBe("report | Report on durable jobs\nreport | 10 words in 3 sentences\n");
    expect(stderr).toMatch(/^sentences: succeeded/m);
    expect(stderr).toContain("workflow succeeded");
    expect(code).toBe(EXIT.succeeded);
  });

  it("exits with the failed code and says which task failed", async () => {
    const { file } = writeFlow(
      `version: 1\ntasks:\n  a: { run: "echo oops >&2; exit 5" }\n  b: { run: "true", needs: [a] }\n`,
    );
    const { code, stdout, stderr } = await flowyRun(["--workflow", file]);
    expect(stdout).toContain("a | oops");
    expect(stderr).toMatch(/^a: failed \(.*exited with 5\)/m);
    expect(stderr).toMatch(/^b: skipped/m);
    expect(stderr).toContain("workflow failed: task failed: a");
    expect(code).toBe(EXIT.failed);
  });

  it("prints the result as JSON with --output json", async () => {
    const { file } = writeFlow(`version: 1\ntasks:\n  a: { run: "echo '{\\"x\\": 1}' > $FLOWY_OUTPUTS" }\n`);
    const { code, stdout } = await flowyRun(["--workflow", file, "--output", "json"]);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ state: "succeeded", outputs: { a: { x: 1 } } });
    expect(result.tasks[0]).toMatchObject({ name: "a", state: "succeeded" });
    expect(code).toBe(EXIT.succeeded);
  });

  it("refuses a bad file before running anything, naming the line", async () => {
    const { dir, file } = writeFlow(
      `version: 1\nflows:\n  main:\n    graph: a >> b\ntasks:\n  a: { run: "touch ran" }\n`,
    );
    const { code, stderr } = await flowyRun(["--workflow", file]);
    expect(stderr).toContain("line 4:17 (flows.main.graph): 'b' is not a task");
    expect(existsSync(join(dir, "ran"))).toBe(false);
    expect(code).toBe(EXIT.usage);
  });

  it("cancels on Ctrl-C: the running task is stopped and the rest canceled", async () => {
    const { file } = writeFlow(
      `version: 1\ntasks:\n  slow: { run: "sleep 30" }\n  next: { run: "true", needs: [slow] }\n`,
    );
    let sent = false;
    const { code, stderr } = await flowyRun(["--workflow", file, "--grace", "1s"], (text, child) => {
      if (!sent && text.includes("slow: running")) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    expect(stderr).toMatch(/^slow: canceled/m);
    expect(stderr).toMatch(/^next: canceled/m);
    expect(stderr).toContain("workflow canceled");
    expect(code).toBe(EXIT.canceled);
  });
});
