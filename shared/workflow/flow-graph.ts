/**
 * A flow's tasks and the needs between them: from its `graph:` lines and the tasks' own `needs:`.
 * A task's needs are always run first, so they join the flow even when the graph leaves them out.
 */
import { GraphSyntaxError, parseGraph } from "./graph-syntax.ts";
import { type Locate, problemAt } from "./parse-workflow.ts";
import { DEFAULT_FLOW, type Flow, type WorkflowFile } from "./schema.ts";
import type { PathSegment, WorkflowProblem } from "./workflow-error.ts";

interface Need {
  name: string;
  /** Where this need was written, to point at it when it is wrong. */
  path: PathSegment[];
  offset?: number;
}

export interface FlowGraph {
  name: string;
  flow: Flow;
  /** Tasks in an order that runs every task after its needs. */
  order: string[];
  needs: Map<string, string[]>;
}

export function chooseFlow(
  file: WorkflowFile,
  requested: string | undefined,
  locate: Locate,
): [string, Flow] {
  const flows = file.flows ?? {};
  const names = Object.keys(flows);
  const name = requested ?? (names.length === 1 ? names[0]! : DEFAULT_FLOW);
  const flow = flows[name] ?? (names.length === 0 && name === DEFAULT_FLOW ? {} : undefined);
  if (flow) return [name, flow];
  const message =
    requested === undefined
      ? `the file has several flows (${names.join(", ")}) and none is called ${DEFAULT_FLOW}: name one (--flow NAME, or spec.flow)`
      : `there is no flow '${requested}'${names.length ? `; flows: ${names.join(", ")}` : ` (the file has no flows:, so its one flow is '${DEFAULT_FLOW}')`}`;
  throw [problemAt(locate, ["flows"], message, { key: true })];
}

/** Throws a list of problems when a name is unknown, the graph does not parse, or needs loop. */
export function buildFlowGraph(file: WorkflowFile, name: string, flow: Flow, locate: Locate): FlowGraph {
  const problems: WorkflowProblem[] = [];
  const declared = new Map<string, Need[]>();
  const add = (task: string, need?: Need) => {
    const list = declared.get(task) ?? [];
    if (need && !list.some((n) => n.name === need.name)) list.push(need);
    declared.set(task, list);
  };
  const known = (task: string, path: PathSegment[], offset?: number) => {
    if (file.tasks[task]) return true;
    const names = Object.keys(file.tasks).join(", ");
    problems.push(problemAt(locate, path, `'${task}' is not a task (tasks: ${names})`, offset));
    return false;
  };

  readGraph(flow, name, locate, problems, known, add);
  for (const [i, task] of (flow.tasks ?? []).entries())
    if (known(task, ["flows", name, "tasks", i])) add(task);
  if (flow.graph === undefined && flow.tasks === undefined)
    for (const task of Object.keys(file.tasks)) add(task);
  pullInNeeds(file, declared, known, add);
  if (problems.length) throw problems;

  const needs = new Map([...declared].map(([task, list]) => [task, list.map((n) => n.name)]));
  return { name, flow, order: orderOrThrow(declared, locate), needs };
}

function readGraph(
  flow: Flow,
  name: string,
  locate: Locate,
  problems: WorkflowProblem[],
  known: (task: string, path: PathSegment[], offset?: number) => boolean,
  add: (task: string, need?: Need) => void,
): void {
  const lines = flow.graph === undefined ? [] : Array.isArray(flow.graph) ? flow.graph : [flow.graph];
  for (const [i, text] of lines.entries()) {
    const path = Array.isArray(flow.graph) ? ["flows", name, "graph", i] : ["flows", name, "graph"];
    try {
      const graph = parseGraph(text);
      for (const n of graph.names) if (known(n.name, path, n.offset)) add(n.name);
      for (const e of graph.edges) add(e.to.name, { name: e.from.name, path, offset: e.to.offset });
    } catch (err) {
      if (!(err instanceof GraphSyntaxError)) throw err;
      problems.push(problemAt(locate, path, `bad graph: ${err.message}`, err.offset));
    }
  }
}

function pullInNeeds(
  file: WorkflowFile,
  declared: Map<string, Need[]>,
  known: (task: string, path: PathSegment[]) => boolean,
  add: (task: string, need?: Need) => void,
): void {
  const queue = [...declared.keys()];
  for (let task = queue.shift(); task !== undefined; task = queue.shift()) {
    for (const [i, need] of (file.tasks[task]?.needs ?? []).entries()) {
      const path = ["tasks", task, "needs", i];
      if (!known(need, path)) continue;
      if (!declared.has(need)) queue.push(need);
      add(task, { name: need, path });
      add(need);
    }
  }
}

/** Kahn's algorithm; what is left over sits on a cycle, which we name in full. */
function orderOrThrow(declared: Map<string, Need[]>, locate: Locate): string[] {
  const remaining = new Map([...declared].map(([task, list]) => [task, new Set(list.map((n) => n.name))]));
  const order: string[] = [];
  for (let ready = readyTasks(remaining); ready.length; ready = readyTasks(remaining)) {
    for (const task of ready) {
      order.push(task);
      remaining.delete(task);
      for (const needs of remaining.values()) needs.delete(task);
    }
  }
  if (remaining.size === 0) return order;
  const cycle = findCycle(remaining);
  const [first, second] = cycle;
  const need = declared.get(second!)!.find((n) => n.name === first)!;
  throw [problemAt(locate, need.path, `cycle: ${cycle.join(" >> ")}`, need.offset)];
}

function readyTasks(remaining: Map<string, Set<string>>): string[] {
  return [...remaining].filter(([, needs]) => needs.size === 0).map(([task]) => task);
}

/** A path a >> b >> … >> a among tasks that all still wait on something. */
function findCycle(remaining: Map<string, Set<string>>): string[] {
  const start = remaining.keys().next().value!;
  const path = [start];
  for (;;) {
    const next = [...remaining.get(path.at(-1)!)!][0]!;
    const seen = path.indexOf(next);
    // `next` is a need of the last task, so it runs before it: print in run order.
    if (seen >= 0) return [...path.slice(seen), next].reverse();
    path.push(next);
  }
}
