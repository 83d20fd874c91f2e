/**
 * What a task process is given: its command with templates rendered, its cwd, and its env —
 * $FLOWY_INPUTS (the workflow's inputs), $FLOWY_OUTPUTS (where it may write a JSON object),
 * $FLOWY_UPSTREAM (the outputs of every task it runs after) — and reading its outputs back.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { FlowPlan, PlannedTask } from "../../shared/workflow/plan.ts";
import { renderShell, renderText, type TemplateRef } from "../../shared/workflow/template.ts";

export type Outputs = Record<string, unknown>;

/** A task that cannot start (a template names a missing value): it fails without retrying. */
export class TaskSetupError extends Error {}

export interface TaskLaunch {
  run: string | string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface RunContext {
  plan: FlowPlan;
  workDir: string;
  baseCwd: string;
  baseEnv: NodeJS.ProcessEnv;
  outputs: Map<string, Outputs>;
  ancestors: Map<string, string[]>;
}

export function inputsFile(workDir: string): string {
  return join(workDir, "inputs.json");
}

export function writeInputs(workDir: string, inputs: Record<string, unknown>): void {
  mkdirSync(workDir, { recursive: true });
  writeFileSync(inputsFile(workDir), JSON.stringify(inputs));
}

export function taskDir(workDir: string, task: string): string {
  return join(workDir, "tasks", task);
}

export function prepareTask(context: RunContext, task: PlannedTask, attempt: number): TaskLaunch {
  const dir = taskDir(context.workDir, task.name);
  mkdirSync(dir, { recursive: true });
  const outputsPath = join(dir, "outputs.json");
  rmSync(outputsPath, { force: true });
  const upstreamPath = join(dir, "upstream.json");
  const upstream = Object.fromEntries(
    context.ancestors.get(task.name)!.map((name) => [name, { outputs: context.outputs.get(name) ?? {} }]),
  );
  writeFileSync(upstreamPath, JSON.stringify(upstream));

  const lookup = (ref: TemplateRef) => resolveRef(context, ref);
  const shell = typeof task.run === "string" ? renderShell(task.run, lookup) : undefined;
  const env = Object.fromEntries(Object.entries(task.env).map(([k, v]) => [k, renderText(v, lookup)]));
  return {
    run: shell ? shell.script : (task.run as string[]).map((arg) => renderText(arg, lookup)),
    cwd: resolve(context.baseCwd, task.cwd === undefined ? "." : renderText(task.cwd, lookup)),
    env: {
      ...context.baseEnv,
      ...env,
      ...shell?.env,
      FLOWY_FLOW: context.plan.flow,
      FLOWY_TASK: task.name,
      FLOWY_ATTEMPT: String(attempt),
      FLOWY_INPUTS: inputsFile(context.workDir),
      FLOWY_OUTPUTS: outputsPath,
      FLOWY_UPSTREAM: upstreamPath,
    },
  };
}

function resolveRef(context: RunContext, ref: TemplateRef): unknown {
  const [root, label] =
    ref.kind === "input"
      ? [context.plan.inputs, `input '${ref.name}'`]
      : [context.outputs.get(ref.task), `task ${ref.task}'s outputs`];
  const keys = ref.kind === "input" ? [ref.name, ...ref.path] : ref.path;
  let value: unknown = root;
  for (const key of keys) {
    value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
  }
  if (value === undefined || value === null) {
    const have = root && typeof root === "object" ? Object.keys(root).join(", ") || "nothing" : "nothing";
    throw new TaskSetupError(`{{ ${ref.text} }} has no value (${label} hold: ${have})`);
  }
  return value;
}

/** The JSON object a task wrote to $FLOWY_OUTPUTS, {} when it wrote nothing. */
export function readOutputs(workDir: string, task: string): Outputs {
  let text: string;
  try {
    text = readFileSync(join(taskDir(workDir, task), "outputs.json"), "utf8");
  } catch {
    return {};
  }
  if (!text.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new TaskSetupError(`$FLOWY_OUTPUTS is not valid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TaskSetupError('$FLOWY_OUTPUTS must hold a JSON object, e.g. {"path": "data.json"}');
  }
  return value as Outputs;
}
