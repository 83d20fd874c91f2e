import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderCliReference } from "../../../client/cli/cli-reference.ts";
import { bashCompletion } from "../../../client/cli/completion.ts";
import { createProgram } from "../../../client/cli/program.ts";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const quiet = { stdout: { write: () => true }, stderr: { write: () => true }, env: {} };

describe("docs/cli.md", () => {
  it("is what the program's --help says (regenerate with: npm run docs:cli)", () => {
    const onDisk = readFileSync(join(ROOT, "docs", "cli.md"), "utf8");
    expect(onDisk, "docs/cli.md is stale: run npm run docs:cli").toBe(renderCliReference());
  });

  it("covers every command", () => {
    const reference = renderCliReference();
    const program = createProgram(quiet, { exitCode: 0 });
    for (const command of program.commands)
      expect(reference).toContain(`### flowy-client ${command.name()}\n`);
    for (const code of [0, 1, 2, 3, 4, 5]) expect(reference).toMatch(new RegExp(`^\\| ${code} +\\| `, "m"));
  });
});

describe("shell completion", () => {
  /** Runs the bash completion function for a command line typed so far. */
  function complete(words: string[]): string[] {
    const script = bashCompletion(createProgram(quiet, { exitCode: 0 }));
    const program = `${script}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}
_flowy_client; printf '%s\\n' "\${COMPREPLY[@]}"`;
    // flowy-client itself is not on PATH here, so job-id completion yields nothing.
    return execFileSync("bash", ["-c", program], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } })
      .split("\n")
      .filter(Boolean);
  }

  it("completes commands, their options, option values and files", () => {
    expect(complete(["flowy-client", "s"])).toEqual(["submit", "show", "stats", "schedule"]);
    expect(complete(["flowy-client", "--server", "http://x", "list", "--st"])).toEqual(["--state"]);
    expect(complete(["flowy-client", "submit", "--wa"])).toEqual(["--wait", "--wait-timeout"]);
    expect(complete(["flowy-client", "list", "--state", "ti"])).toEqual(["timed_out"]);
    expect(complete(["flowy-client", "-o", "j"])).toEqual(["json"]);
    expect(complete(["flowy-client", "completion", ""])).toEqual(["bash", "zsh"]);
    expect(complete(["flowy-client", "submit", "--workflow", join(ROOT, "package.js")])).toEqual([
      join(ROOT, "package.json"),
    ]);
  });

  it("prints a zsh script that defines and registers the completion function", () => {
    const out: string[] = [];
    const program = createProgram({ ...quiet, stdout: { write: (t) => out.push(t) } }, { exitCode: 0 });
    program.parse(["node", "flowy-client", "completion", "zsh"]);
    const script = out.join("");
    expect(script).toMatch(/^#compdef flowy-client\n/);
    expect(script).toContain("compdef _flowy-client flowy-client");
    expect(script).toContain("'submit:submit a job\\: a command, a shell line or a workflow'");
    expect(script).toContain("'1:job id:_flowy_client_jobs'");
  });
});
