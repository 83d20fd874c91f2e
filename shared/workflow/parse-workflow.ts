/**
 * Reads a workflow from YAML or JSON text (JSON is YAML, so one parser; it keeps line positions)
 * or from an already-parsed object (e.g. spec.workflow), and checks its shape against the schema.
 * Every problem comes back with its line when there is text to point into.
 */
import { Value } from "@sinclair/typebox/value";
import { isMap, isScalar, LineCounter, type Node, parseDocument, type Document } from "yaml";
import { NAME_PATTERN, type WorkflowFile, WorkflowFileSchema } from "./schema.ts";
import {
  formatPath,
  type PathSegment,
  type SourcePosition,
  WorkflowError,
  type WorkflowProblem,
} from "./workflow-error.ts";

/** Where a value is in the source: `offset` points into a string value, `key` at a map key. */
export type Locate = (
  path: readonly PathSegment[],
  at?: { offset?: number; key?: boolean },
) => SourcePosition | undefined;

export interface ParsedWorkflow {
  file: WorkflowFile;
  locate: Locate;
}

/** The form spec.workflow takes when the client sends the file's text, so errors can name lines. */
export interface WorkflowSource {
  source: string;
}

export type WorkflowInput = string | WorkflowSource | Record<string, unknown>;

export function problemAt(
  locate: Locate,
  path: readonly PathSegment[],
  message: string,
  at?: number | { key: true },
) {
  const position = locate(path, typeof at === "number" ? { offset: at } : at);
  return { message, path: formatPath(path), ...position } satisfies WorkflowProblem;
}

export function parseWorkflow(input: WorkflowInput): ParsedWorkflow {
  const text = typeof input === "string" ? input : isSource(input) ? input.source : undefined;
  if (text === undefined) return checkShape(input, () => undefined);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new WorkflowError(
      doc.errors.slice(0, 5).map((e) => ({
        message: `YAML: ${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
        path: "",
        line: e.linePos?.[0].line,
        column: e.linePos?.[0].col,
      })),
    );
  }
  return checkShape(doc.toJS({ maxAliasCount: 100 }), yamlLocator(doc, lineCounter));
}

function isSource(input: object): input is WorkflowSource {
  return typeof (input as WorkflowSource).source === "string" && !("tasks" in input);
}

function checkShape(value: unknown, locate: Locate): ParsedWorkflow {
  const problems: WorkflowProblem[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(WorkflowFileSchema, value)) {
    const path = error.path
      .split("/")
      .slice(1)
      .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
    const key = path.join("/");
    if ([...seen].some((s) => key === s || key.startsWith(`${s}/`))) continue;
    seen.add(key);
    problems.push(problemAt(locate, path, shapeMessage(path, error.message, error.value)));
  }
  problems.push(...badNames(value, locate));
  if (problems.length) throw new WorkflowError(problems.slice(0, 20));
  return { file: value as WorkflowFile, locate };
}

const UNION_MESSAGES: Record<string, string> = {
  run: "run must be a shell command (a string) or an argv (a list of strings)",
  timeout: "timeout must be a duration such as 30s, 10m or 1h30m, or a number of seconds",
  graph: "graph must be a string such as 'a >> (b & c)', or a list of such strings",
};

function shapeMessage(path: string[], message: string, value: unknown): string {
  const last = path.at(-1) ?? "";
  if (path.length === 0) return `the workflow must be a mapping with version: 1 and tasks: (${message})`;
  if (last === "version") return `version must be 1 (found ${JSON.stringify(value)})`;
  if (message === "Unexpected property") return `'${last}' is not a known field here`;
  if (message.startsWith("Expected required property")) return `${last} is required`;
  return UNION_MESSAGES[last] && message.includes("union") ? UNION_MESSAGES[last] : `${last}: ${message}`;
}

/** Record keys are names; the schema's key pattern is not reported by TypeBox, so check here. */
function badNames(value: unknown, locate: Locate): WorkflowProblem[] {
  const problems: WorkflowProblem[] = [];
  const pattern = new RegExp(NAME_PATTERN);
  for (const section of ["tasks", "flows"] as const) {
    const entries = (value as Record<string, unknown> | null)?.[section];
    if (!entries || typeof entries !== "object") continue;
    for (const name of Object.keys(entries)) {
      if (pattern.test(name)) continue;
      problems.push({
        message: `'${name}' is not a valid ${section === "tasks" ? "task" : "flow"} name: use letters, digits, _ and -, starting with a letter`,
        path: formatPath([section, name]),
        ...locate([section, name], { key: true }),
      });
    }
  }
  return problems;
}

function yamlLocator(doc: Document, lineCounter: LineCounter): Locate {
  return (path, at = {}) => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = nodeAt(doc, path.slice(0, depth), at.key === true && depth === path.length);
      if (node?.range) return position(node, lineCounter, depth === path.length ? at.offset : undefined);
    }
    return undefined;
  };
}

function nodeAt(doc: Document, path: readonly PathSegment[], key: boolean): Node | undefined {
  if (!key || path.length === 0)
    return (path.length ? doc.getIn(path, true) : doc.contents) as Node | undefined;
  const parent = doc.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path.at(-1));
  return (pair?.key as Node | undefined) ?? undefined;
}

/** Line (and column when the string sits on one line) of `offset` characters into a node's value. */
function position(node: Node, lineCounter: LineCounter, offset?: number): SourcePosition {
  const start = lineCounter.linePos(node.range![0]);
  if (offset === undefined || !isScalar(node)) return { line: start.line, column: start.col };
  const value = String(node.value);
  if (node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED") {
    return { line: start.line + 1 + (value.slice(0, offset).match(/\n/g)?.length ?? 0) };
  }
  if (value.includes("\n")) return { line: start.line };
  const quote = node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE" ? 1 : 0;
  return { line: start.line, column: start.col + quote + offset };
}
