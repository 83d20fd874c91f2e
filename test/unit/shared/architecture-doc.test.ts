import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { transitionTable } from "../../../shared/states.ts";

it("docs/architecture.md lists exactly the transitions of the state machine", () => {
  const doc = readFileSync(join(import.meta.dirname, "..", "..", "..", "docs", "architecture.md"), "utf8");
  const rows = [...doc.matchAll(/^\| *(\w+) *\| *(\w+) *\| *(\w+) *\|$/gm)]
    .map((m) => `${m[1]} ${m[2]} ${m[3]}`)
    .filter((row) => row !== "from event to");
  expect(rows.sort()).toEqual(
    transitionTable()
      .map((t) => `${t.from} ${t.event} ${t.to}`)
      .sort(),
  );
});
