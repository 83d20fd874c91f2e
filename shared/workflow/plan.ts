/**
 * From a workflow file to what an executor runs: one flow chosen, its tasks in run order with
 * their needs, durations in ms, inputs merged over the flow's defaults, and every template
 * checked (it names an input that is set, or the outputs of a task that runs before it).
 */
import { parseDuration } from "../duration.ts";
import { buildFlowGraph, chooseFlow } from "./flow-graph.ts";
import {
  type Locate,
  type ParsedWorkflow,
  parseWorkflow,
  problemAt,
  type WorkflowInput,
} from "./parse-workflow.ts";
import type { WorkflowFile, WorkflowTask } from "./schema.ts";
import { findTemplates, TemplateError } from "./template.ts";
import { type PathSegment, WorkflowError, type WorkflowProblem } from "./workflow-error.ts";

export interface PlannedTask {
  name: string;
  run: string | string[];
  needs: string[];
  env: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  retries: number;
  /** Wait before the first retry (0: at once); each later retry waits about twice as long. */
  retryDelayMs: number;
  continueOnError: boolean;
}

export interface FlowPlan {
  flow: string;
  tasks: PlannedTask[];
  inputs: Record<string, unknown>;
  concurrency?: number;
}

export interface PlanOptions {
  flow?: string;
  /** The job's inputs; when given, every `{{ inputs.x }}` must be set by them or by the flow's defaults. */
  inputs?: Record<string, unknown>;
}

/** Parse and plan in one step: what the server, the client and the executor all call. */
export function loadFlow(input: WorkflowInput, options: PlanOptions = {}): FlowPlan {
  return planFlow(parseWorkflow(input), options);
}

export function planFlow({ file, locate }: ParsedWorkflow, options: PlanOptions = {}): FlowPlan {
  try {
    const [name, flow] = chooseFlow(file, options.flow, locate);
    const graph = buildFlowGraph(file, name, flow, locate);
    const inputs = { ...(flow.defaults ?? {}), ...(options.inputs ?? {}) };
    const ancestors = ancestorsOf(graph.order, graph.needs);
    const checkInputs = options.inputs === undefined ? undefined : inputs;
    const problems = graph.order.flatMap((task) =>
      templateProblems(file, task, ancestors.get(task)!, checkInputs, name, locate),
    );
    if (problems.length) throw problems;
    const tasks = graph.order.map((task) => planTask(task, file.tasks[task]!, graph.needs.get(task)!));
    return { flow: name, tasks, inputs, ...(flow.concurrency ? { concurrency: flow.concurrency } : {}) };
  } catch (err) {
    if (Array.isArray(err)) throw new WorkflowError(err as WorkflowProblem[]);
    throw err;
  }
}

/** Checks every flow of a file (the server's submit check when no flow is named). */
export function checkWorkflow(input: WorkflowInput, options: PlanOptions = {}): FlowPlan {
  const parsed = parseWorkflow(input);
  const plan = planFlow(parsed, options);
  for (const other of Object.keys(parsed.file.flows ?? {})) {
    if (other !== plan.flow) planFlow(parsed, { flow: other });
  }
  return plan;
}

/** A workflow duration: a number of seconds, or text such as `1h30m`. */
function durationMs(value: number | string): number | undefined {
  return typeof value === "number" ? value * 1000 : parseDuration(value);
}

function planTask(name: string, task: WorkflowTask, needs: string[]): PlannedTask {
  const timeoutMs = task.timeout === undefined ? undefined : durationMs(task.timeout);
  return {
    name,
    run: task.run,
    needs,
    env: task.env ?? {},
    ...(task.cwd === undefined ? {} : { cwd: task.cwd }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    retries: task.retries ?? 0,
    retryDelayMs: task.retry_delay === undefined ? 0 : (durationMs(task.retry_delay) ?? 0),
    continueOnError: task.continue_on_error ?? false,
  };
}

function ancestorsOf(order: string[], needs: Map<string, string[]>): Map<string, Set<string>> {
  const ancestors = new Map<string, Set<string>>();
  for (const task of order) {
    const set = new Set<string>();
    for (const need of needs.get(task)!) {
      set.add(need);
      for (const a of ancestors.get(need)!) set.add(a);
    }
    ancestors.set(task, set);
  }
  return ancestors;
}

/** The strings of a task that may hold templates, with their paths. */
function templatedFields(name: string, task: WorkflowTask): [PathSegment[], string][] {
  const base = ["tasks", name];
  const run: [PathSegment[], string][] = Array.isArray(task.run)
    ? task.run.map((arg, i) => [[...base, "run", i], arg])
    : [[[...base, "run"], task.run]];
  const env = Object.entries(task.env ?? {}).map(([k, v]): [PathSegment[], string] => [
    [...base, "env", k],
    v,
  ]);
  const cwd: [PathSegment[], string][] = task.cwd === undefined ? [] : [[[...base, "cwd"], task.cwd]];
  return [...run, ...env, ...cwd];
}

function templateProblems(
  file: WorkflowFile,
  name: string,
  ancestors: Set<string>,
  inputs: Record<string, unknown> | undefined,
  flow: string,
  locate: Locate,
): WorkflowProblem[] {
  const problems: WorkflowProblem[] = [];
  for (const [path, text] of templatedFields(name, file.tasks[name]!)) {
    try {
      for (const { ref, start } of findTemplates(text)) {
        const message =
          ref.kind === "output"
            ? ancestors.has(ref.task)
              ? undefined
              : `{{ ${ref.text} }}: task ${name} does not run after '${ref.task}'; add it to ${name}'s needs`
            : inputs === undefined || ref.name in inputs
              ? undefined
              : `{{ ${ref.text} }}: input '${ref.name}' is not set; pass it (--param ${ref.name}=…) or add it to flows.${flow}.defaults`;
        if (message) problems.push(problemAt(locate, path, message, start));
      }
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      problems.push(problemAt(locate, path, err.message, err.offset));
    }
  }
  return problems;
}
