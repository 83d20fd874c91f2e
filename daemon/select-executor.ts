/**
 * Which executor runs a spec: `command` (a tiny shell shim around the command or shell line) or
 * `workflow` (a Node process that runs the DAG, daemon/workflow/).
 */
import type { JobSpec } from "../shared/protocol.ts";
import { baseEnv, createCommandExecutor } from "./command-executor.ts";
import { type Executor, UnrunnableJobError } from "./executor.ts";
import { Launcher } from "./launcher.ts";
import { createWorkflowExecutor } from "./workflow/workflow-executor.ts";

/** Starts every command job's shim; the daemon gives it its logger and closes it on the way out. */
export const commandLauncher = new Launcher({ env: baseEnv() });
const commandExecutor = createCommandExecutor({ launcher: commandLauncher });
const workflowExecutor = createWorkflowExecutor();

export function selectExecutor(spec: JobSpec): Executor {
  if (spec.workflow !== undefined) return workflowExecutor;
  if (spec.command !== undefined || spec.shell !== undefined) return commandExecutor;
  throw new UnrunnableJobError("the job's spec has neither command, shell nor workflow");
}
