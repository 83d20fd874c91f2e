/**
 * Which executor runs a spec: `command` (a tiny shell shim around the command or shell line) or
 * `workflow` (a Node process that runs the DAG, daemon/workflow/).
 */
import type { JobSpec } from "../shared/protocol.ts";
import { createCommandExecutor } from "./command-executor.ts";
import { type Executor, UnrunnableJobError } from "./executor.ts";
import { createWorkflowExecutor } from "./workflow/workflow-executor.ts";

const commandExecutor = createCommandExecutor();
const workflowExecutor = createWorkflowExecutor();

export function selectExecutor(spec: JobSpec): Executor {
  if (spec.workflow !== undefined) return workflowExecutor;
  if (spec.command !== undefined || spec.shell !== undefined) return commandExecutor;
  throw new UnrunnableJobError("the job's spec has neither command, shell nor workflow");
}
