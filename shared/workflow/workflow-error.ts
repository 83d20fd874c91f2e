/**
 * Problems in a workflow file, each tied to where it is: a line (and column) when we have the
 * source text, and always the path of the value (`tasks.save.needs[0]`).
 */
import { FlowyError } from "../errors.ts";

export type PathSegment = string | number;

export interface SourcePosition {
  line: number;
  column?: number;
}

export interface WorkflowProblem {
  message: string;
  path: string;
  line?: number;
  column?: number;
}

/**
 * A mistake at a character offset inside one value of the file (a graph, a template); whoever
 * parsed that value knows where it sits and turns the offset into a line and column.
 */
export class OffsetError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

export function formatPath(path: readonly PathSegment[]): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

export function formatProblem(problem: WorkflowProblem): string {
  const where =
    problem.line === undefined
      ? problem.path
      : `line ${problem.line}${problem.column === undefined ? "" : `:${problem.column}`}${problem.path ? ` (${problem.path})` : ""}`;
  return `${where}: ${problem.message}`;
}

/** Later problems often follow from the first (YAML errors cascade): show a few, keep all. */
const MORE_SHOWN = 2;
const HINT = "Fix the workflow file; docs/workflows.md describes the format.";

export class WorkflowError extends FlowyError {
  readonly problems: WorkflowProblem[];

  constructor(problems: WorkflowProblem[], hint = HINT) {
    const [first, ...rest] = problems;
    const shown = rest.slice(0, MORE_SHOWN).map(formatProblem).join("; ");
    const more = rest.length
      ? ` (and ${rest.length} more: ${shown}${rest.length > MORE_SHOWN ? "; …" : ""})`
      : "";
    super("invalid-request", `workflow ${first ? formatProblem(first) : "is not valid"}${more}`, hint, {
      problems,
    });
    this.name = "WorkflowError";
    this.problems = problems;
  }
}
