/**
 * A workflow's tasks as a tree a person can scan: in order, indented by depth in the graph, with
 * a state icon each (the icons users of the earlier `runs show` know), and the other tasks a
 * task waits for when it has more than one.
 */
import type { Task } from "../../shared/protocol.ts";
import { STATE_EMOJI } from "../../shared/states.ts";

export const TASK_ICONS: Readonly<Record<Task["state"], string>> = STATE_EMOJI;

export function renderTaskTree(tasks: readonly Task[], pretty: boolean): string[] {
  const depth = new Map<string, number>();
  const ordered = topologicalOrder(tasks);
  const nameWidth = Math.max(0, ...tasks.map((t) => t.name.length));
  return ordered.map((task) => {
    const level = Math.max(0, ...(task.needs ?? []).map((n) => (depth.get(n) ?? 0) + 1));
    depth.set(task.name, level);
    const mark = pretty ? `[${TASK_ICONS[task.state]}]` : `[${task.state}]`.padEnd(11);
    const needs = (task.needs?.length ?? 0) > 1 ? `  <- ${task.needs!.join(", ")}` : "";
    const note = task.message && task.state !== "succeeded" ? `  ${task.message}` : "";
    return `${"  ".repeat(level)}${mark} ${task.name.padEnd(nameWidth)}${needs}${note}`.trimEnd();
  });
}

/** Tasks after the ones they need, otherwise in the order the server sent them. */
function topologicalOrder(tasks: readonly Task[]): Task[] {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const placed = new Set<string>();
  const out: Task[] = [];
  const place = (task: Task, path: Set<string>) => {
    if (placed.has(task.name) || path.has(task.name)) return;
    path.add(task.name);
    for (const need of task.needs ?? []) {
      const dep = byName.get(need);
      if (dep) place(dep, path);
    }
    placed.add(task.name);
    out.push(task);
  };
  for (const task of tasks) place(task, new Set());
  return out;
}
