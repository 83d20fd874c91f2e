/**
 * A workflow file as `submit` and `run` read it: checked here, with the file's lines, before
 * anything runs or is sent (the server checks it again). Errors name the file and the line.
 */
import { readFileSync } from "node:fs";
import { FlowyError } from "../../shared/errors.ts";
import { checkWorkflow, type FlowPlan, type PlanOptions } from "../../shared/workflow/plan.ts";
import { WorkflowError } from "../../shared/workflow/workflow-error.ts";

export interface WorkflowFile {
  /** The file's text: what spec.workflow carries ({source}) so the server can name lines too. */
  source: string;
  plan: FlowPlan;
}

export function loadWorkflowFile(path: string, options: PlanOptions): WorkflowFile {
  let source: string;
  try {
    source = readFileSync(path, "utf8");
  } catch (error) {
    throw new FlowyError(
      "invalid-request",
      `Cannot read --workflow ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      "Check the path (it is relative to the current directory).",
    );
  }
  try {
    return { source, plan: checkWorkflow(source, options) };
  } catch (error) {
    if (!(error instanceof WorkflowError)) throw error;
    throw new FlowyError("invalid-request", `${path}: ${error.message}`, error.hint, {
      problems: error.problems,
    });
  }
}
