import { describe, expect, it } from "vitest";
import { post } from "../../helpers/http.ts";
import { startServer } from "../../helpers/server.ts";

const SOURCE = `version: 1
flows:
  main:
    graph: fetch >> save
tasks:
  fetch: { run: "echo {{ inputs.day }}" }
  save:  { run: "true" }
`;

describe("workflow validation at submit", () => {
  it("accepts a valid workflow, as text or as an object", async () => {
    const { api } = await startServer();
    const asText = await post(`${api}/jobs`, {
      spec: { workflow: { source: SOURCE } },
      inputs: { day: "mon" },
    });
    expect(asText.status).toBe(201);
    expect(asText.body.name).toBe("workflow");
    const object = { version: 1, tasks: { a: { run: ["true"] } } };
    expect((await post(`${api}/jobs`, { spec: { workflow: object } })).status).toBe(201);
  });

  it.each([
    ["an unknown task", SOURCE.replace("fetch >> save", "fetch >> sav"), {}, 4, "'sav' is not a task"],
    [
      "a cycle",
      SOURCE.replace("save:  {", "save:  { needs: [save2], ").concat("  save2: { run: x, needs: [save] }\n"),
      {},
      8,
      "cycle",
    ],
    ["bad graph syntax", SOURCE.replace("fetch >> save", "fetch >>> save"), {}, 4, "bad graph"],
    ["an unset input", SOURCE, undefined, 6, "input 'day' is not set"],
  ])("refuses %s with a 400 naming the line", async (_what, source, inputs, line, message) => {
    const { api } = await startServer();
    const { status, body } = await post(`${api}/jobs`, {
      spec: { workflow: { source } },
      ...(inputs ? { inputs } : {}),
    });
    expect(status).toBe(400);
    expect(body.code).toBe("invalid-request");
    expect(body.detail).toContain(`line ${line}`);
    expect(body.detail).toContain(message);
    expect(body.problems[0].line).toBe(line);
  });

  it("refuses an unknown flow", async () => {
    const { api } = await startServer();
    const { status, body } = await post(`${api}/jobs`, {
      spec: { workflow: { source: SOURCE }, flow: "nightly" },
      inputs: { day: "mon" },
    });
    expect(status).toBe(400);
    expect(body.detail).toContain("there is no flow 'nightly'; flows: main");
  });
});
