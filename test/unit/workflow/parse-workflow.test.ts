import { describe, expect, it } from "vitest";
import { checkWorkflow, loadFlow } from "../../../shared/workflow/plan.ts";
import { WorkflowError, type WorkflowProblem } from "../../../shared/workflow/workflow-error.ts";

const FILE = `version: 1
flows:
  main:
    graph: fetch >> (clean & enrich) >> save
    defaults: { day: today }
  quick:
    tasks: [fetch]
tasks:
  fetch:  { run: "curl -fsS https://example.test/{{ inputs.day }} -o data.json" }
  clean:  { run: ["python3", "clean.py"], timeout: 10m, retries: 2 }
  enrich: { run: "./enrich.sh", env: { MODE: fast } }
  save:   { run: "./save.sh {{ tasks.clean.outputs.path }}" }
`;

function problemsOf(fn: () => unknown): WorkflowProblem[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof WorkflowError) return err.problems;
    throw err;
  }
  throw new Error("expected a WorkflowError");
}

describe("workflow parsing and planning", () => {
  it("plans a flow from its graph: run order, needs, durations, inputs over defaults", () => {
    const plan = loadFlow(FILE, { inputs: { day: "2024-01-02" } });
    expect(plan.flow).toBe("main");
    expect(plan.tasks.map((t) => [t.name, t.needs])).toEqual([
      ["fetch", []],
      ["clean", ["fetch"]],
      ["enrich", ["fetch"]],
      ["save", ["clean", "enrich"]],
    ]);
    expect(plan.tasks[1]).toMatchObject({ run: ["python3", "clean.py"], timeoutMs: 600_000, retries: 2 });
    expect(plan.tasks[2]!.env).toEqual({ MODE: "fast" });
    expect(plan.inputs).toEqual({ day: "2024-01-02" });
  });

  it("reads the same workflow from JSON and from an object", () => {
    const object = {
      version: 1,
      tasks: { a: { run: "echo a" }, b: { run: ["echo", "b"], needs: ["a"] } },
    };
    for (const input of [JSON.stringify(object, null, 2), object, { source: JSON.stringify(object) }]) {
      expect(loadFlow(input).tasks.map((t) => [t.name, t.needs])).toEqual([
        ["a", []],
        ["b", ["a"]],
      ]);
    }
  });

  it("pulls a task's needs into the flow even when its graph leaves them out", () => {
    const plan = loadFlow(
      "version: 1\nflows: {only: {graph: c}}\ntasks:\n  a: {run: x}\n  b: {run: x, needs: [a]}\n  c: {run: x, needs: [b]}\n",
    );
    expect(plan.tasks.map((t) => t.name)).toEqual(["a", "b", "c"]);
  });

  it("names the line of an unknown task in the graph, with its column", () => {
    const [problem] = problemsOf(() => loadFlow(FILE.replace("(clean & enrich)", "(clean & enrch)")));
    expect(problem).toMatchObject({ line: 4, column: 30, path: "flows.main.graph" });
    expect(problem!.message).toContain("'enrch' is not a task");
  });

  it("names the line of an unknown need", () => {
    const [problem] = problemsOf(() =>
      loadFlow(FILE.replace("save:   { run:", "save:   { needs: [sav], run:")),
    );
    expect(problem).toMatchObject({ line: 12, path: "tasks.save.needs[0]" });
  });

  it("names the line of bad graph syntax inside a block scalar", () => {
    const text = FILE.replace(
      "graph: fetch >> (clean & enrich) >> save",
      "graph: |\n      fetch >> clean\n      clean >> > save",
    );
    const [problem] = problemsOf(() => loadFlow(text));
    expect(problem).toMatchObject({ line: 6, path: "flows.main.graph" });
    expect(problem!.message).toContain("'>' is not an operator");
  });

  it("finds a cycle through needs and names every task on it", () => {
    const text =
      "version: 1\ntasks:\n  a: {run: x, needs: [c]}\n  b: {run: x, needs: [a]}\n  c: {run: x, needs: [b]}\n  d: {run: x}\n";
    const [problem] = problemsOf(() => loadFlow(text));
    expect(problem!.message).toMatch(/^cycle: (a >> b >> c >> a|b >> c >> a >> b|c >> a >> b >> c)$/);
    expect(problem!.line).toBeGreaterThanOrEqual(3);
  });

  it("finds a cycle made by a graph", () => {
    const text =
      "version: 1\nflows:\n  main:\n    graph: [a >> b, b >> a]\ntasks:\n  a: {run: x}\n  b: {run: x}\n";
    const [problem] = problemsOf(() => loadFlow(text));
    expect(problem).toMatchObject({ line: 4 });
    expect(problem!.message).toMatch(/cycle: (a >> b >> a|b >> a >> b)/);
  });

  it("names an unknown flow and lists the flows there are", () => {
    const [problem] = problemsOf(() => loadFlow(FILE, { flow: "nightly" }));
    expect(problem).toMatchObject({ line: 2 });
    expect(problem!.message).toBe("there is no flow 'nightly'; flows: main, quick");
  });

  it("reports shape problems with their lines: unknown field, bad duration, bad name, wrong version", () => {
    const text = FILE.replace("timeout: 10m", "timeout: 10 minutes, timout: 3")
      .replace("version: 1", "version: 2")
      .replace("enrich: {", "'en rich': {");
    const problems = problemsOf(() => loadFlow(text));
    expect(problems.map((p) => [p.line, p.path])).toEqual(
      expect.arrayContaining([
        [1, "version"],
        [10, "tasks.clean.timeout"],
        [10, "tasks.clean.timout"],
        [11, "tasks.en rich"],
      ]),
    );
  });

  it("reports YAML syntax errors with their line", () => {
    const [problem] = problemsOf(() => loadFlow("version: 1\ntasks:\n  a: {run: x}\n  a: {run: y}\n"));
    expect(problem).toMatchObject({ line: 4 });
    expect(problem!.message).toContain("unique");
  });

  it("checks templates: unset inputs, outputs of a task that does not run first, unknown forms", () => {
    const text = FILE.replace("{{ inputs.day }}", "{{ inputs.dya }}")
      .replace("./enrich.sh", "./enrich.sh {{ tasks.save.outputs.x }}")
      .replace('"python3"', '"{{ env.HOME }}"');
    const problems = problemsOf(() => loadFlow(text, { inputs: {} }));
    expect(problems.map((p) => [p.line, p.message.split(":")[0]])).toEqual([
      [9, "{{ inputs.dya }}"],
      [10, "'{{ env.HOME }}' is not a template flowy knows"],
      [11, "{{ tasks.save.outputs.x }}"],
    ]);
    // Without inputs (nothing known yet) input names are not checked.
    expect(() => loadFlow(FILE.replace("{{ inputs.day }}", "{{ inputs.dya }}"))).not.toThrow();
  });

  it("checkWorkflow checks every flow, not only the one that runs", () => {
    const text = FILE.replace("tasks: [fetch]", "tasks: [fetch, nope]");
    expect(() => loadFlow(text)).not.toThrow();
    expect(problemsOf(() => checkWorkflow(text))[0]).toMatchObject({ path: "flows.quick.tasks[1]", line: 7 });
  });

  it("asks for a flow name when there are several and none is main", () => {
    const text = "version: 1\nflows: {a: {tasks: [x]}, b: {tasks: [x]}}\ntasks:\n  x: {run: x}\n";
    expect(problemsOf(() => loadFlow(text))[0]!.message).toContain("name one");
    expect(loadFlow(text, { flow: "b" }).flow).toBe("b");
  });
});
