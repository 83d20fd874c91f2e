/**
 * Turns `submit`'s options into a SubmitJob body: what to run (argv, --shell or --workflow FILE),
 * the inputs (--params-file, then --params, then each --param, later ones winning) and the
 * scheduling options. Every mistake is a FlowyError with a hint that shows the right form.
 */
import { readFileSync } from "node:fs";
import { basename, extname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { FlowyError } from "../../shared/errors.ts";
import type { JobSpec, SubmitJob } from "../../shared/protocol.ts";
import { loadWorkflowFile } from "./workflow-file.ts";
import { parseAt, requireDuration } from "./duration.ts";

export interface SubmitFlags {
  command?: boolean;
  shell?: string;
  workflow?: string;
  flow?: string;
  params?: string;
  paramsFile?: string;
  param?: string[];
  name?: string;
  tag?: string[];
  priority?: number;
  maxAttempts?: number;
  timeout?: string;
  at?: string;
  after?: string;
  cwd?: string;
  concurrencyKey?: string;
  concurrencyLimit?: number;
  bundle?: string;
}

const usage = (detail: string, hint: string) => new FlowyError("invalid-request", detail, hint);

export function buildSubmitBody(argv: string[], flags: SubmitFlags, now: number = Date.now()): SubmitJob {
  const inputs = collectInputs(flags);
  const body: SubmitJob = {
    spec: withBundle(withCwd(buildSpec(argv, flags, inputs), flags.cwd, flags.bundle), flags.bundle),
    ...(flags.name ? { name: flags.name } : flags.workflow ? { name: workflowJobName(flags) } : {}),
    ...(flags.tag?.length ? { tags: [...new Set(flags.tag)] } : {}),
    ...(flags.priority !== undefined ? { priority: flags.priority } : {}),
    ...(flags.maxAttempts !== undefined ? { max_attempts: flags.maxAttempts } : {}),
    ...(flags.timeout ? { timeout_s: requireDuration(flags.timeout, "--timeout") / 1000 } : {}),
    ...(flags.at ? { run_at: parseAt(flags.at, now) } : {}),
    ...(flags.after ? { parent_id: flags.after } : {}),
    ...(flags.concurrencyKey ? { concurrency_key: flags.concurrencyKey } : {}),
    ...(flags.concurrencyLimit !== undefined ? { concurrency_limit: flags.concurrencyLimit } : {}),
    ...(Object.keys(inputs).length ? { inputs } : {}),
  };
  return body;
}

function buildSpec(argv: string[], flags: SubmitFlags, inputs: Record<string, unknown>): JobSpec {
  const given = [
    argv.length > 0 && "a command",
    flags.shell !== undefined && "--shell",
    flags.workflow && "--workflow",
  ];
  const kinds = given.filter(Boolean);
  if (kinds.length > 1) {
    throw usage(
      `Give one thing to run, not ${kinds.join(" and ")}`,
      "Use one of: flowy-client submit -- ARGV…  |  --shell 'CMD'  |  --workflow FILE",
    );
  }
  if (flags.flow && !flags.workflow) {
    throw usage(
      "--flow needs --workflow",
      "Name the file too: flowy-client submit --workflow flow.yaml --flow NAME",
    );
  }
  if (argv.length) return { command: argv };
  if (flags.shell !== undefined) {
    if (!flags.shell.trim()) throw usage("--shell is empty", "Give it a command line: --shell 'make test'");
    return { shell: flags.shell };
  }
  if (flags.workflow) {
    // Checked here with the file's lines; sent as its text so the server can name lines too.
    const { source } = loadWorkflowFile(flags.workflow, { flow: flags.flow, inputs });
    return { workflow: { source }, ...(flags.flow ? { flow: flags.flow } : {}) };
  }
  throw usage(
    flags.command ? "--command needs the command after --" : "Nothing to run",
    "Put the command after --: flowy-client submit --command -- echo hello  (or --shell 'CMD', or --workflow FILE)",
  );
}

/** A workflow job is named after its file (`report.yaml` → `report`), and its flow when one is picked. */
function workflowJobName(flags: Pick<SubmitFlags, "workflow" | "flow">): string {
  const file = basename(flags.workflow!, extname(flags.workflow!));
  return flags.flow ? `${file}/${flags.flow}` : file;
}

/**
 * --cwd: made absolute here, so `--cwd .` means this directory; the worker runs the job there (a
 * local daemon sees the same path; a remote one needs it to exist on its host). With --bundle a
 * relative one is kept: the worker takes it from the bundle's directory.
 */
function withCwd(spec: JobSpec, cwd: string | undefined, bundle: string | undefined): JobSpec {
  if (cwd === undefined) return spec;
  if (spec.workflow) {
    throw usage("--cwd applies to a command or a shell line", "Set `cwd:` on the workflow's tasks instead.");
  }
  return { ...spec, cwd: bundle === undefined ? resolve(cwd) : cwd };
}

/** --bundle NAME or NAME@VERSION: the job runs from that bundle (the server checks the form). */
function withBundle(spec: JobSpec, bundle: string | undefined): JobSpec {
  return bundle === undefined ? spec : { ...spec, bundle };
}

/** --params-file, then --params, then each --param (later ones win); `run` takes the same. */
export function collectInputs(
  flags: Pick<SubmitFlags, "params" | "paramsFile" | "param">,
): Record<string, unknown> {
  const fromFile = flags.paramsFile ? readParamsFile(flags.paramsFile) : {};
  const fromJson = flags.params !== undefined ? parseParamsJson(flags.params) : {};
  const fromPairs = Object.fromEntries((flags.param ?? []).map(parseParam));
  return { ...fromFile, ...fromJson, ...fromPairs };
}

export function parseParamsJson(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw usage(
      `--params is not valid JSON: ${(error as Error).message}`,
      `Quote the whole object for the shell and use double quotes inside: --params '{"name": "ada", "n": 3}'`,
    );
  }
  if (!isObject(value)) {
    throw usage(
      `--params must be a JSON object, got ${JSON.stringify(value)}`,
      `Wrap it in an object: --params '{"n": 3}'`,
    );
  }
  return value;
}

function readParamsFile(path: string): Record<string, unknown> {
  const value = readStructuredFile(path, "--params-file");
  if (value === null || value === undefined) return {};
  if (!isObject(value)) {
    throw usage(
      `--params-file ${path} must hold a mapping of names to values`,
      "Write it as `name: value` lines (YAML) or one JSON object.",
    );
  }
  return value;
}

/** `k=v`: the value is JSON when it parses as JSON (`n=3`, `ok=true`, `xs=[1,2]`), else a string. */
export function parseParam(pair: string): [string, unknown] {
  const at = pair.indexOf("=");
  if (at <= 0)
    throw usage(
      `--param ${JSON.stringify(pair)} is not key=value`,
      "Write it as --param name=value (repeat it for more).",
    );
  const raw = pair.slice(at + 1);
  try {
    return [pair.slice(0, at), JSON.parse(raw)];
  } catch {
    return [pair.slice(0, at), raw];
  }
}

function readStructuredFile(path: string, option: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw usage(
      `Cannot read ${option} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      "Check the path (it is relative to the current directory).",
    );
  }
  try {
    return parseYaml(text);
  } catch (error) {
    throw usage(
      `${option} ${path} is neither YAML nor JSON: ${(error as Error).message.split("\n")[0]}`,
      "Fix the syntax at the line named above.",
    );
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
