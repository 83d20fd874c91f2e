import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildSubmitBody, parseParam, type SubmitFlags } from "../../../client/cli/job-input.ts";
import { isFlowyError } from "../../../shared/errors.ts";
import { tmpDir } from "../../helpers/tmp.ts";

function refusal(run: () => unknown): { message: string; hint: string | undefined } {
  try {
    run();
  } catch (error) {
    if (isFlowyError(error, "invalid-request")) return { message: error.message, hint: error.hint };
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("submit options -> SubmitJob", () => {
  it("builds a command job with its scheduling options", () => {
    const now = Date.parse("2030-01-01T00:00:00Z");
    const body = buildSubmitBody(
      ["echo", "hi"],
      { tag: ["a", "b", "a"], priority: -3, maxAttempts: 5, timeout: "2m", at: "+90s", after: "01parent" },
      now,
    );
    expect(body).toEqual({
      spec: { command: ["echo", "hi"] },
      tags: ["a", "b"],
      priority: -3,
      max_attempts: 5,
      timeout_s: 120,
      run_at: "2030-01-01T00:01:30.000Z",
      parent_id: "01parent",
    });
  });

  it("layers inputs: --params-file, then --params, then each --param (later wins), JSON-typing values", () => {
    const file = join(tmpDir(), "p.json");
    writeFileSync(file, JSON.stringify({ a: 1, b: 1, c: 1 }));
    const body = buildSubmitBody([], {
      shell: "env",
      paramsFile: file,
      params: '{"b": 2, "c": 2}',
      param: ["c=3", "list=[1,2]", "word=hello world", "c=4"],
    });
    expect(body.inputs).toEqual({ a: 1, b: 2, c: 4, list: [1, 2], word: "hello world" });
    expect(parseParam("eq=a=b")).toEqual(["eq", "a=b"]);
  });

  it("reads a workflow from YAML or JSON and sends the flow name", () => {
    const dir = tmpDir();
    writeFileSync(join(dir, "f.json"), JSON.stringify({ version: 1, tasks: { t: { run: "true" } } }));
    expect(buildSubmitBody([], { workflow: join(dir, "f.json"), flow: "main" }).spec).toEqual({
      workflow: { version: 1, tasks: { t: { run: "true" } } },
      flow: "main",
    });
  });

  it.each<[SubmitFlags, string[], RegExp, RegExp]>([
    [{}, [], /Nothing to run/, /submit --command -- echo hello/],
    [{ shell: "x", workflow: "f" }, [], /not --shell and --workflow/, /one of/],
    [{ flow: "main" }, ["true"], /--flow needs --workflow/, /--workflow flow.yaml --flow NAME/],
    [{ shell: "  " }, [], /--shell is empty/, /--shell 'make test'/],
    [{ params: "[1]" }, ["true"], /--params must be a JSON object, got \[1\]/, /--params '\{"n": 3\}'/],
    [{ params: "{'a': 1}" }, ["true"], /--params is not valid JSON/, /double quotes inside/],
    [{ param: ["=x"] }, ["true"], /--param "=x" is not key=value/, /--param name=value/],
    [{ timeout: "0" }, ["true"], /--timeout "0" is not a duration/, /--timeout 90/],
    [{ at: "next tuesday" }, ["true"], /--at "next tuesday" is not a time/, /--at 2030-01-31T09:00:00Z/],
  ])("refuses %j with a hint", (flags, argv, message, hint) => {
    const { message: got, hint: gotHint } = refusal(() => buildSubmitBody(argv, flags));
    expect(got).toMatch(message);
    expect(gotHint).toMatch(hint);
  });

  it("names the file and the line of a broken params file or workflow", () => {
    const dir = tmpDir();
    writeFileSync(join(dir, "bad.yaml"), "a: [1, 2\nb: 3\n");
    writeFileSync(join(dir, "list.yaml"), "- 1\n- 2\n");
    expect(refusal(() => buildSubmitBody(["x"], { paramsFile: join(dir, "bad.yaml") })).message).toMatch(
      /--params-file .*bad.yaml is neither YAML nor JSON/,
    );
    expect(refusal(() => buildSubmitBody(["x"], { paramsFile: join(dir, "list.yaml") })).message).toMatch(
      /must hold a mapping/,
    );
    expect(refusal(() => buildSubmitBody([], { workflow: join(dir, "list.yaml") })).message).toMatch(
      /does not hold a workflow/,
    );
  });
});
