import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { isNodeTooOld, nodeVersionProblem, REQUIRED_NODE } from "../../../shared/node-version.ts";

it("refuses Node older than the required one, in one line that says what to install", () => {
  expect(isNodeTooOld("v20.20.2")).toBe(true);
  expect(isNodeTooOld("22.12.9")).toBe(true);
  expect(isNodeTooOld("22.13.0")).toBe(false);
  expect(isNodeTooOld("24.1.0")).toBe(false);
  expect(isNodeTooOld("23.0.0")).toBe(false);
  const problem = nodeVersionProblem("flowy-server", "v20.20.2");
  expect(problem).toMatch(
    /^flowy-server: needs Node\.js 22\.13\.0 or newer, but this is Node\.js 20\.20\.2 .*install/,
  );
  expect(problem).not.toContain("\n");
  expect(nodeVersionProblem("flowy-server", "24.0.0")).toBeUndefined();
});

it("asks for the Node that package.json's engines names", () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "..", "package.json"), "utf8"));
  expect(pkg.engines.node).toBe(`>=${REQUIRED_NODE.replace(/\.0$/, "")}`);
});
