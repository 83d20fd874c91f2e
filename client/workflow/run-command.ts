/**
 * `flowy-client run --workflow FILE [--flow NAME] [--param k=v]…`: runs a workflow here, with
 * the same runner the daemon's executor uses and the same task view, without a server. For
 * writing and testing flows. Ctrl-C cancels (tasks get SIGTERM, then SIGKILL after the grace
 * period); a second Ctrl-C stops at once.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { isFlowyError } from "../../shared/errors.ts";
import { parseDuration } from "../../shared/workflow/duration.ts";
import { loadFlow } from "../../shared/workflow/plan.ts";
import { runWorkflow, type WorkflowResult } from "./run-workflow.ts";
import { TaskView, wantsFancyOutput } from "./task-view.ts";

/** Exit codes of `run` (DESIGN §7): 0 succeeded, 1 a usage error, 2 a task failed, 4 canceled. */
export const RUN_EXIT = { succeeded: 0, usage: 1, failed: 2, canceled: 4 } as const;

export interface RunCommandOptions {
  workflow: string;
  flow?: string;
  param: Record<string, string>;
  params?: Record<string, unknown>;
  concurrency?: number;
  cwd?: string;
  workDir?: string;
  grace: number;
}

export function registerRunCommand(program: Command): Command {
  return program
    .command("run")
    .description("Run a workflow on this machine, without a server, showing its tasks live")
    .requiredOption("--workflow <file>", "the workflow file (YAML or JSON)")
    .option("--flow <name>", "which flow of the file to run (default: its only flow, or main)")
    .option("--param <key=value>", "an input, repeatable", collectParam, {})
    .option("--params <json>", "inputs as a JSON object (--param wins)", parseJsonObject)
    .option("--concurrency <n>", "how many tasks may run at once", parsePositiveInt)
    .option("--cwd <dir>", "directory tasks run in (default: the workflow file's directory)")
    .option("--work-dir <dir>", "keep outputs and progress here (default: a temporary directory, removed)")
    .option("--grace <duration>", "time between SIGTERM and SIGKILL when stopping tasks", parseGrace, 10_000)
    .action(async (options: RunCommandOptions) => {
      process.exitCode = await runCommand(options);
    });
}

export async function runCommand(options: RunCommandOptions): Promise<number> {
  const fancy = wantsFancyOutput(process.stdout);
  let plan: ReturnType<typeof loadFlow>;
  try {
    const text = readFileSync(options.workflow, "utf8");
    plan = loadFlow(text, { flow: options.flow, inputs: { ...options.params, ...options.param } });
  } catch (err) {
    const hint = isFlowyError(err) && err.hint ? `\nhint: ${err.hint}` : "";
    process.stderr.write(
      `${fancy ? "❌ " : "error: "}${options.workflow}: ${(err as Error).message}${hint}\n`,
    );
    return RUN_EXIT.usage;
  }
  const workDir = options.workDir ? resolve(options.workDir) : mkdtempSync(join(tmpdir(), "flowy-run-"));
  const view = new TaskView({ fancy, write: (text) => process.stdout.write(text) });
  const ticker = fancy ? setInterval(() => view.refresh(), 1000) : undefined;
  const stopOnSignal = cancelOnSignals();
  process.stdout.write(`${fancy ? "🐇 " : ""}flow ${plan.flow} (${plan.tasks.length} tasks)\n`);
  try {
    const result = await runWorkflow({
      plan,
      workDir,
      cwd: resolve(options.cwd ?? dirname(resolve(options.workflow))),
      concurrency: options.concurrency,
      graceMs: options.grace,
      signal: stopOnSignal.signal,
      onTask: (task) => view.task(task),
      onOutput: (task, stream, chunk) => view.output(task, stream, chunk),
    });
    view.finish();
    process.stdout.write(summary(result, fancy));
    return RUN_EXIT[result.state];
  } finally {
    clearInterval(ticker);
    stopOnSignal.dispose();
    if (!options.workDir) rmSync(workDir, { recursive: true, force: true });
  }
}

function summary(result: WorkflowResult, fancy: boolean): string {
  const icon = { succeeded: "✅", failed: "❌", canceled: "🛑" }[result.state];
  return `${fancy ? `${icon} ` : ""}workflow ${result.state}${result.message ? `: ${result.message}` : ""}\n`;
}

/** First SIGINT/SIGTERM cancels cooperatively; a second one exits at once. */
function cancelOnSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(RUN_EXIT.canceled);
    process.stderr.write(`\n${signal}: canceling (again to stop at once)\n`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

function collectParam(value: string, previous: Record<string, string>): Record<string, string> {
  const at = value.indexOf("=");
  if (at <= 0) throw new InvalidArgumentError(`expected key=value, got '${value}'`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

function parseJsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    throw new InvalidArgumentError(`not JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new InvalidArgumentError('expected a JSON object, e.g. {"day": "2024-01-02"}');
  }
  return parsed as Record<string, unknown>;
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number of at least 1");
  return n;
}

function parseGrace(value: string): number {
  const ms = parseDuration(/^\d+(\.\d+)?$/.test(value) ? Number(value) : value);
  if (ms === undefined) throw new InvalidArgumentError("expected a duration such as 10s or 500ms");
  return ms;
}
