/**
 * The sample output of `npm start` shown in docs/getting-started.md, taken from a real run, as
 * docs/cli.md is taken from the program: `npm run docs:start` writes it, and the quickstart test
 * fails when a real run no longer gives the same text. What varies between runs is normalised:
 * ids, durations, the port, the data directory; the live progress lines (their number depends on
 * timing) are left out; the lines of tasks running side by side are put in the flow's order.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..");
export const DOC = join(ROOT, "docs", "getting-started.md");
const START = "<!-- npm-start-output: written by `npm run docs:start` from a real run; do not edit -->";
const END = "<!-- /npm-start-output -->";

/** `npm start` with stdout and stderr in one pipe, so its lines keep the order they were written in. */
export function spawnQuickstart(env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const node = join(ROOT, "node_modules", ".bin", "node");
  const script = join(ROOT, "scripts", "quickstart.ts");
  const child = spawn("/bin/sh", ["-c", 'exec "$0" "$1" 2>&1', node, script], {
    env,
    stdio: ["ignore", "pipe", "ignore"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { child, output: () => output };
}

/** True once the run has printed everything the sample shows. */
export const sampleIsComplete = (output: string) => output.includes("Ctrl-C stops the server");

const ID = /\b01[0-9a-hjkmnp-tv-z]{24}\b/g;
const PROGRESS = /^01k9… \S+ · /;

export function normaliseQuickstartOutput(raw: string): string {
  const end = raw.indexOf("\n", raw.indexOf("Ctrl-C stops the server"));
  const lines = raw
    .slice(0, end < 0 ? undefined : end)
    .replace(ID, "01k9…")
    .replace(/\b\d+(\.\d+)?(ms|s)\b/g, "0.1s")
    .replace(/http:\/\/127\.0\.0\.1:\d+/g, "http://127.0.0.1:7411")
    .replace(/ --server http:\/\/127\.0\.0\.1:7411/g, "")
    .replace(/^( +data +)\S+/m, "$1.flowy-dev/")
    .split("\n")
    .filter((line) => !PROGRESS.test(line));
  return inFlowOrder(lines).join("\n").trimEnd();
}

/** The workflow's lines (`task: state`, `task | output`) grouped by task, in the flow's order. */
function inFlowOrder(lines: string[]): string[] {
  const flowAt = lines.findIndex((l) => l.startsWith("flow "));
  const endAt = lines.findIndex((l) => /^workflow \S+$/.test(l));
  if (flowAt < 0 || endAt < flowAt) return lines;
  const tasks = lines[flowAt]!.replace(/^flow \S+: /, "").split(", ");
  const rank = (line: string) => tasks.indexOf(/^([^:| ]+)/.exec(line)?.[1] ?? "");
  const block = lines.slice(flowAt + 1, endAt).map((line, i) => ({ line, i }));
  block.sort((a, b) => rank(a.line) - rank(b.line) || a.i - b.i);
  const after = lines
    .slice(endAt)
    .map((line) => (line.startsWith("outputs: ") ? outputsInOrder(line, tasks) : line));
  return [...lines.slice(0, flowAt + 1), ...block.map((b) => b.line), ...after];
}

/** `outputs: {…}` with the tasks in the flow's order (they are added as the tasks end). */
function outputsInOrder(line: string, tasks: string[]): string {
  const outputs = JSON.parse(line.slice("outputs: ".length)) as Record<string, unknown>;
  const keys = Object.keys(outputs).sort((a, b) => tasks.indexOf(a) - tasks.indexOf(b));
  return `outputs: ${JSON.stringify(Object.fromEntries(keys.map((k) => [k, outputs[k]])))}`;
}

export function sampleInDoc(doc: string): string | undefined {
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) return undefined;
  return /```text\n([\s\S]*?)\n```/.exec(doc.slice(from, to))?.[1];
}

export function withSample(doc: string, sample: string): string {
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${DOC} has no ${START} … ${END} markers`);
  return `${doc.slice(0, from)}${START}\n\n\`\`\`text\n${sample}\n\`\`\`\n\n${doc.slice(to)}`;
}
