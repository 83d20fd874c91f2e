/**
 * The workflow runner's one entry for code outside the daemon: `flowy-client run` runs a flow
 * on the user's machine with the same runner the daemon's workflow executor uses. The lint's
 * boundary check lets client/ import this file and nothing else of daemon/.
 */
export { type RunWorkflowOptions, runWorkflow, type WorkflowResult } from "./run-workflow.ts";
export { type TaskStatus, toWireTask } from "./task-status.ts";
export { TaskView, type ViewOptions } from "./task-view.ts";
