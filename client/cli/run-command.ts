/**
 * `flowy-client run --workflow FILE [--flow NAME] [--param k=v]…`: runs a workflow here, with
 * the runner the daemon's executor uses and the task tree `show` draws, without a server — for
 * writing and testing flows. Ctrl-C cancels (running tasks get SIGTERM, then SIGKILL after
 * --grace; the rest are canceled); a second Ctrl-C exits at once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import type { Act } from "./act.ts";
import type { CliContext } from "./context.ts";
import { requireDuration } from "./duration.ts";
import { EXIT } from "./exit-codes.ts";
import { collectInputs, type SubmitFlags } from "./job-input.ts";
import { collect, positiveInteger } from "./option-parsers.ts";
import type { Printer } from "./output.ts";
import { runWorkflow, TaskView, toWireTask, type WorkflowResult } from "../../daemon/workflow/runner.ts";
import { renderTaskTree } from "./task-tree.ts";
import { loadWorkflowFile } from "./workflow-file.ts";

interface RunFlags extends Pick<SubmitFlags, "params" | "paramsFile" | "param"> {
  workflow: string;
  flow?: string;
  concurrency?: number;
  cwd?: string;
  workDir?: string;
  grace: string;
}

const RUN_EXIT = { succeeded: EXIT.succeeded, failed: EXIT.failed, canceled: EXIT.canceled } as const;

export function registerRun(program: Command, act: Act): void {
  program
    .command("run")
    .summary("run a workflow here, without a server, showing its tasks live")
    .description(
      "Run a workflow file on this machine with the same runner as daemon-flowy, no server needed. Tasks run " +
        "in the file's directory. Exits 0 when every task succeeded, 2 when one failed, 4 when canceled (Ctrl-C).",
    )
    .requiredOption("--workflow <file>", "the workflow file (YAML or JSON)")
    .option("--flow <name>", "which flow of the file to run (default: its only flow, or main)")
    .option("--params <json>", "inputs as a JSON object")
    .option("--params-file <file>", "inputs from a JSON or YAML file")
    .option("--param <key=value>", "one input (repeatable; later ones win)", collect)
    .option(
      "--concurrency <n>",
      "how many tasks may run at once (default: the flow's, or 4)",
      positiveInteger,
    )
    .option("--cwd <dir>", "run the tasks here instead of in the workflow file's directory")
    .option("--work-dir <dir>", "keep outputs and the progress file here (default: a temporary directory)")
    .option("--grace <duration>", "how long stopped tasks get between SIGTERM and SIGKILL", "10s")
    .action(act<[RunFlags]>(run));
}

async function run(ctx: CliContext, flags: RunFlags): Promise<number> {
  const graceMs = requireDuration(flags.grace, "--grace");
  const { plan } = loadWorkflowFile(flags.workflow, { flow: flags.flow, inputs: collectInputs(flags) });
  const { printer } = ctx;
  const view = new TaskView({
    tree: printer.pretty ? (tasks) => renderTaskTree(tasks, true) : undefined,
    progress: (text) => printer.style !== "json" && printer.stderr.write(text),
    output: (text) => (printer.style === "json" ? printer.stderr.write(text) : printer.raw(text)),
  });
  const workDir = flags.workDir ? resolve(flags.workDir) : mkdtempSync(join(tmpdir(), "flowy-run-"));
  const cancel = cancelOnCtrlC(printer);
  if (printer.style !== "json")
    printer.note(`${printer.icon("🐇")}flow ${plan.flow}: ${plan.tasks.length} tasks`);
  try {
    const result = await runWorkflow({
      plan,
      workDir,
      cwd: resolve(flags.cwd ?? dirname(resolve(flags.workflow))),
      concurrency: flags.concurrency,
      graceMs,
      signal: cancel.signal,
      onTask: (task) => view.task(task),
      onOutput: (task, stream, chunk) => view.output(task, stream, chunk),
    });
    view.finish();
    printOutcome(printer, result);
    return RUN_EXIT[result.state];
  } finally {
    cancel.dispose();
    if (!flags.workDir) rmSync(workDir, { recursive: true, force: true });
  }
}

function printOutcome(printer: Printer, result: WorkflowResult): void {
  if (printer.style === "json") {
    printer.json({ ...result, tasks: result.tasks.map(toWireTask) });
    return;
  }
  const icon = { succeeded: "✅", failed: "❌", canceled: "🛑" }[result.state];
  printer.note(`${printer.icon(icon)}workflow ${result.state}${result.message ? `: ${result.message}` : ""}`);
}

/** The first Ctrl-C cancels cooperatively; a second one exits at once. */
function cancelOnCtrlC(printer: Printer): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    printer.note(
      `\n${printer.icon("🛑")}canceling: running tasks get SIGTERM (Ctrl-C again to stop at once)`,
    );
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
