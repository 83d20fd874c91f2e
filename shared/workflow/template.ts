/**
 * `{{ inputs.day }}` and `{{ tasks.fetch.outputs.path }}` in a task's run, env and cwd.
 *
 * Values are data, never code. In an argv, env value or cwd the value is put in as text (nothing
 * parses it again). In a shell string the value is NOT put into the script at all: the reference
 * becomes a parameter expansion of an environment variable that holds the value (`"${FLOWY_T_0}"`),
 * and the shell never re-parses what a parameter expands to, so `$(touch /tmp/pwned)` or
 * `'; rm -rf x` in an input stays a string, whatever quotes surround the reference.
 */
import { OffsetError } from "./workflow-error.ts";

export type TemplateRef =
  | { kind: "input"; name: string; path: string[]; text: string }
  | { kind: "output"; task: string; path: string[]; text: string };

export interface TemplateMatch {
  ref: TemplateRef;
  start: number;
  end: number;
}

export class TemplateError extends OffsetError {
  override readonly name = "TemplateError";
}

const TEMPLATE = /\{\{(.*?)\}\}/g;
const SEGMENT = "[A-Za-z0-9_-]+";
const INPUT_REF = new RegExp(`^inputs((?:\\.${SEGMENT})+)$`);
const OUTPUT_REF = new RegExp(`^tasks\\.(${SEGMENT})\\.outputs((?:\\.${SEGMENT})+)$`);

/** Every `{{ … }}` in the text; throws TemplateError for one that names nothing we know. */
export function findTemplates(text: string): TemplateMatch[] {
  const matches: TemplateMatch[] = [];
  for (const match of text.matchAll(TEMPLATE)) {
    const expr = match[1]!.trim();
    const start = match.index;
    matches.push({ ref: parseRef(expr, start), start, end: start + match[0].length });
  }
  return matches;
}

function parseRef(expr: string, offset: number): TemplateRef {
  const input = INPUT_REF.exec(expr);
  if (input) {
    const [name, ...path] = input[1]!.slice(1).split(".");
    return { kind: "input", name: name!, path, text: expr };
  }
  const output = OUTPUT_REF.exec(expr);
  if (output) return { kind: "output", task: output[1]!, path: output[2]!.slice(1).split("."), text: expr };
  throw new TemplateError(
    `'{{ ${expr} }}' is not a template flowy knows: use {{ inputs.NAME }} or {{ tasks.TASK.outputs.KEY }}`,
    offset,
  );
}

/** What a reference stands for; a missing value is an error the task fails with. */
export type Resolve = (ref: TemplateRef) => unknown;

export function valueText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** For argv elements, env values and cwd: the value goes in as text. */
export function renderText(text: string, resolve: Resolve): string {
  let out = "";
  let last = 0;
  for (const { ref, start, end } of findTemplates(text)) {
    out += text.slice(last, start) + valueText(resolve(ref));
    last = end;
  }
  return out + text.slice(last);
}

export interface RenderedShell {
  script: string;
  /** Variables the script expands; they hold the values, so the script holds none. */
  env: Record<string, string>;
}

export const TEMPLATE_ENV_PREFIX = "FLOWY_T_";

/** For `run: "…"` strings: each reference becomes an expansion of a variable holding its value. */
export function renderShell(script: string, resolve: Resolve): RenderedShell {
  const env: Record<string, string> = {};
  let out = "";
  let last = 0;
  for (const [index, { ref, start, end }] of findTemplates(script).entries()) {
    const variable = `${TEMPLATE_ENV_PREFIX}${index}`;
    env[variable] = valueText(resolve(ref));
    out += script.slice(last, start) + expansion(variable, quoteStateAt(script, start));
    last = end;
  }
  return { script: out + script.slice(last), env };
}

type QuoteState = "none" | "single" | "double";

/** Double quotes stop word splitting and globbing of the value; inside '…' we step out and back. */
function expansion(variable: string, state: QuoteState): string {
  if (state === "double") return `\${${variable}}`;
  if (state === "single") return `'"\${${variable}}"'`;
  return `"\${${variable}}"`;
}

/**
 * Which quotes are open at `offset` of a POSIX shell script. Backslash escapes count, and `$( … )`
 * starts afresh (quotes inside a command substitution are its own), so `"$(echo {{ x }})"` is
 * seen as unquoted there. Getting this wrong costs word splitting, never code: see the top.
 */
function quoteStateAt(script: string, offset: number): QuoteState {
  // One frame per open `$(`: the quote state outside it, and parentheses opened inside it.
  const outer: { state: QuoteState; parens: number }[] = [];
  let state: QuoteState = "none";
  let parens = 0;
  for (let i = 0; i < offset; i++) {
    const ch = script[i];
    if (state === "single") {
      if (ch === "'") state = "none";
    } else if (ch === "\\") {
      i++;
    } else if (ch === "$" && script[i + 1] === "(") {
      outer.push({ state, parens });
      state = "none";
      parens = 0;
      i++;
    } else if (ch === '"') {
      state = state === "double" ? "none" : "double";
    } else if (state === "none" && ch === "'") {
      state = "single";
    } else if (state === "none" && ch === "(") {
      parens++;
    } else if (state === "none" && ch === ")") {
      if (parens > 0) parens--;
      else if (outer.length) ({ state, parens } = outer.pop()!);
    }
  }
  return state;
}
