/**
 * Which executor runs a spec. Today there is one, `command` (a tiny shell shim around the
 * command or shell line). Workflows will get a Node executor that runs the DAG (issue 8); until
 * then a workflow job fails with a clear, non-retryable message.
 */
import type { JobSpec } from "../shared/protocol.ts";
import { createCommandExecutor } from "./command-executor.ts";
import { type Executor, UnrunnableJobError } from "./executor.ts";

const commandExecutor = createCommandExecutor();

export function selectExecutor(spec: JobSpec): Executor {
  if (spec.workflow !== undefined) {
    throw new UnrunnableJobError(
      "workflows need a newer daemon: this daemon-flowy runs only command and shell jobs. " +
        "Upgrade daemon-flowy on the workers that have this job's tags.",
    );
  }
  if (spec.command !== undefined || spec.shell !== undefined) return commandExecutor;
  throw new UnrunnableJobError("the job's spec has neither command, shell nor workflow");
}
