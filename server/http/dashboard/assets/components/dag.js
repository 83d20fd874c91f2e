/**
 * A workflow's tasks as a left-to-right DAG: a task sits one column right of the deepest task it
 * needs; within a column tasks are ordered by where their needs sit, which keeps edges from
 * crossing in the usual fan-out/fan-in shapes. Each node is coloured by its task state.
 */
import { s } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { stateIcon } from "./icons.js";

const NODE_W = 170;
const NODE_H = 38;
const GAP_X = 54;
const GAP_Y = 16;
const PAD = 8;

/** @typedef {{name: string, state: string, needs?: string[]}} Task */

/**
 * Column of every task: 0 without needs, else 1 + the deepest need (a cycle is cut, not looped).
 * @param {Task[]} tasks
 */
export function columnsOf(tasks) {
  const byName = new Map(tasks.map((task) => [task.name, task]));
  /** @type {Map<string, number>} */
  const column = new Map();
  /** @param {string} name @param {Set<string>} path @returns {number} */
  const depth = (name, path) => {
    const known = column.get(name);
    if (known !== undefined) return known;
    const needs = (byName.get(name)?.needs ?? []).filter((n) => byName.has(n) && !path.has(n));
    const next = new Set(path).add(name);
    const value = needs.length ? 1 + Math.max(...needs.map((n) => depth(n, next))) : 0;
    column.set(name, value);
    return value;
  };
  for (const task of tasks) depth(task.name, new Set());
  return column;
}

/**
 * Rows within each column, ordered by the mean row of each task's needs (barycentre).
 * @param {Task[]} tasks
 * @param {Map<string, number>} column
 */
function rowsOf(tasks, column) {
  /** @type {Map<string, number>} */
  const row = new Map();
  const columns = Math.max(0, ...column.values()) + 1;
  for (let c = 0; c < columns; c++) {
    const here = tasks.filter((task) => column.get(task.name) === c);
    const weight = (/** @type {Task} */ task) => {
      const rows = (task.needs ?? []).map((n) => row.get(n)).filter((r) => r !== undefined);
      return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : tasks.indexOf(task);
    };
    here.sort((a, b) => weight(a) - weight(b));
    for (const [i, task] of here.entries()) row.set(task.name, i);
  }
  return row;
}

/** @param {string} name */
function shorten(name) {
  return name.length > 18 ? `${name.slice(0, 17)}…` : name;
}

/** @param {Task[]} tasks */
export function taskDag(tasks) {
  const column = columnsOf(tasks);
  const row = rowsOf(tasks, column);
  const pos = (/** @type {string} */ name) => ({
    x: PAD + (column.get(name) ?? 0) * (NODE_W + GAP_X),
    y: PAD + (row.get(name) ?? 0) * (NODE_H + GAP_Y),
  });
  const width = PAD * 2 + (Math.max(0, ...column.values()) + 1) * (NODE_W + GAP_X) - GAP_X;
  const height = PAD * 2 + (Math.max(0, ...row.values()) + 1) * (NODE_H + GAP_Y) - GAP_Y;
  const names = new Set(tasks.map((task) => task.name));
  const edges = tasks.flatMap((task) =>
    (task.needs ?? [])
      .filter((need) => names.has(need))
      .map((need) => {
        const a = pos(need);
        const b = pos(task.name);
        const x1 = a.x + NODE_W;
        const y1 = a.y + NODE_H / 2;
        const y2 = b.y + NODE_H / 2;
        const mid = (x1 + b.x) / 2;
        return s("path", {
          class: "edge",
          d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${b.x - 4},${y2}`,
          "marker-end": "url(#arrow)",
        });
      }),
  );
  const nodes = tasks.map((task) => {
    const { x, y } = pos(task.name);
    return s(
      "g",
      {
        class: `node st-${task.state}`,
        "data-task": task.name,
        "data-state": task.state,
        transform: `translate(${x},${y})`,
      },
      s("title", {}, `${task.name}: ${t(`state.${task.state}`)}`),
      s("rect", { width: NODE_W, height: NODE_H, rx: 8 }),
      stateIcon(task.state, { x: 10, y: (NODE_H - 16) / 2 }),
      s("text", { x: 32, y: NODE_H / 2 + 5 }, shorten(task.name)),
    );
  });
  return s(
    "svg",
    {
      class: "dag",
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: "img",
      "aria-label": t("job.tasks"),
    },
    s(
      "defs",
      {},
      s(
        "marker",
        {
          id: "arrow",
          viewBox: "0 0 8 8",
          refX: 7,
          refY: 4,
          markerWidth: 8,
          markerHeight: 8,
          orient: "auto",
        },
        s("path", { d: "M0,0 L8,4 L0,8 z", class: "arrow" }),
      ),
    ),
    ...edges,
    ...nodes,
  );
}
