import { describe, expect, it } from "vitest";
import { GraphSyntaxError, parseGraph } from "../../../shared/workflow/graph-syntax.ts";

const edges = (text: string) =>
  parseGraph(text)
    .edges.map((e) => `${e.from.name}>${e.to.name}`)
    .sort();

function syntaxError(text: string): GraphSyntaxError {
  try {
    parseGraph(text);
  } catch (err) {
    if (err instanceof GraphSyntaxError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(text)} not to parse`);
}

describe("graph syntax", () => {
  it("connects every last task of the left to every first task of the right", () => {
    expect(edges("fetch >> (clean & enrich) >> save")).toEqual([
      "clean>save",
      "enrich>save",
      "fetch>clean",
      "fetch>enrich",
    ]);
  });

  it("binds >> tighter than &, as Python does", () => {
    expect(edges("a & b >> c")).toEqual(["b>c"]);
    expect(edges("(a & b) >> c")).toEqual(["a>c", "b>c"]);
  });

  it("nests groups and chains inside groups", () => {
    expect(edges("a >> (b >> c & d) >> e")).toEqual(["a>b", "a>d", "b>c", "c>e", "d>e"]);
  });

  it("reads one statement per line, ignores comments, and continues lines after operators", () => {
    const graph = parseGraph("a >> b   # first\nc >>\n  d\n(e &\n f)\n");
    expect(graph.edges.map((e) => `${e.from.name}>${e.to.name}`)).toEqual(["a>b", "c>d"]);
    expect(graph.names.map((n) => n.name)).toEqual(["a", "b", "c", "d", "e", "f"]);
  });

  it("keeps the offset of each name so errors can point at it", () => {
    const graph = parseGraph("fetch >> save-all");
    expect(graph.names).toEqual([
      { name: "fetch", offset: 0 },
      { name: "save-all", offset: 9 },
    ]);
  });

  it.each([
    ["a >> (b & c", "expected ')' but found the end of the graph", 11],
    ["a >> >> b", "expected a task name or '(' but found '>>'", 5],
    ["a > b", "'>' is not an operator", 2],
    ["a | b", "'|' is not supported", 2],
    ["a b", "expected '>>', '&' or a new line but found 'b'", 2],
    ["a >> b)", "found ')'", 6],
    ["# only a comment", "the graph names no task", 0],
    ["a >> $x", "unexpected character '$'", 5],
  ])("rejects %j", (text, message, offset) => {
    const err = syntaxError(text);
    expect(err.message).toContain(message);
    expect(err.offset).toBe(offset);
  });
});
