/**
 * Which executor runs a spec: `command` (a tiny shell shim around the command or shell line,
 * started by the launcher) or `workflow` (a Node process that runs the DAG, daemon/workflow/).
 * Built by startDaemon, so importing the daemon's modules starts no launcher.
 */
import type { Logger } from "pino";
import type { JobSpec } from "../shared/protocol.ts";
import { baseEnv, createCommandExecutor } from "./process/command-executor.ts";
import { type Executor, UnrunnableJobError } from "./process/executor.ts";
import { Launcher } from "./process/launcher.ts";
import { createWorkflowExecutor } from "./workflow/workflow-executor.ts";

export type SelectExecutor = (spec: JobSpec) => Executor;

export interface Executors {
  select: SelectExecutor;
  /** Stops the command launcher; the daemon calls it on the way out. */
  close(): void;
}

export function createExecutors(logger: Logger): Executors {
  const launcher = new Launcher({ env: baseEnv() });
  launcher.useLogger(logger);
  const command = createCommandExecutor({ launcher });
  const workflow = createWorkflowExecutor();
  return {
    select(spec) {
      if (spec.workflow !== undefined) return workflow;
      if (spec.command !== undefined || spec.shell !== undefined) return command;
      throw new UnrunnableJobError("the job's spec has neither command, shell nor workflow");
    },
    close: () => launcher.close(),
  };
}
