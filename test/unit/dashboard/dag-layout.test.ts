import { describe, expect, it } from "vitest";

type Task = { name: string; state: string; needs?: string[] };
// The dashboard's browser module (plain JS, typechecked on its own): its layout is a pure function.
const DAG_MODULE = "../../../server/http/dashboard/assets/components/dag.js";
const { columnsOf } = (await import(DAG_MODULE)) as { columnsOf: (tasks: Task[]) => Map<string, number> };

describe("workflow DAG layout", () => {
  it("puts each task one column right of the deepest task it needs", () => {
    const columns = columnsOf([
      { name: "save", state: "pending", needs: ["clean", "enrich"] },
      { name: "fetch", state: "succeeded" },
      { name: "clean", state: "running", needs: ["fetch"] },
      { name: "enrich", state: "running", needs: ["fetch", "clean"] },
    ]);
    expect(Object.fromEntries(columns)).toEqual({ fetch: 0, clean: 1, enrich: 2, save: 3 });
  });

  it("ignores unknown needs and cuts cycles instead of looping", () => {
    const columns = columnsOf([
      { name: "a", state: "pending", needs: ["b", "missing"] },
      { name: "b", state: "pending", needs: ["a"] },
    ]);
    expect([...columns.keys()].sort()).toEqual(["a", "b"]);
    expect(Math.max(...columns.values())).toBeLessThanOrEqual(1);
  });
});
