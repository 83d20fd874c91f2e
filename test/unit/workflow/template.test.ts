import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderShell, renderText, type TemplateRef } from "../../../shared/workflow/template.ts";
import { tmpDir } from "../../helpers/tmp.ts";

const values: Record<string, unknown> = { day: "2024-01-02", n: 3, obj: { a: 1 } };
const resolve = (ref: TemplateRef) =>
  ref.kind === "input" ? values[ref.name] : `out:${ref.task}.${ref.path.join(".")}`;

/** Runs a rendered script through the real /bin/sh and returns what it printed. */
function runShell(script: string, value: string, dir: string): string {
  const rendered = renderShell(script, () => value);
  expect(rendered.script).not.toContain(value);
  return execFileSync("/bin/sh", ["-c", rendered.script], {
    cwd: dir,
    env: { PATH: process.env.PATH, ...rendered.env },
    encoding: "utf8",
  });
}

describe("templates", () => {
  it("puts values in as text where nothing parses them again", () => {
    expect(renderText("data-{{ inputs.day }}.json", resolve)).toBe("data-2024-01-02.json");
    expect(renderText("{{inputs.n}}/{{ inputs.obj }}", resolve)).toBe('3/{"a":1}');
    expect(renderText("{{ tasks.fetch.outputs.file.path }}", resolve)).toBe("out:fetch.file.path");
  });

  it("keeps values out of shell scripts: the script only expands variables holding them", () => {
    const rendered = renderShell(`echo {{ inputs.day }} "{{ inputs.n }}" 'x{{ inputs.day }}'`, resolve);
    expect(rendered.script).toBe(`echo "\${FLOWY_T_0}" "\${FLOWY_T_1}" 'x'"\${FLOWY_T_2}"''`);
    expect(rendered.env).toEqual({ FLOWY_T_0: "2024-01-02", FLOWY_T_1: "3", FLOWY_T_2: "2024-01-02" });
  });

  const hostile = [
    "$(touch pwned)",
    "`touch pwned`",
    "'; touch pwned; echo '",
    '"; touch pwned; echo "',
    "x && touch pwned",
    "a\nb; touch pwned",
    "* ?",
  ];

  it.each(hostile)("a hostile value stays data in every quoting context: %j", (value) => {
    const dir = tmpDir();
    const scripts = [
      "printf '%s|' {{ inputs.v }}",
      `printf '%s|' "{{ inputs.v }}"`,
      "printf '%s|' 'pre {{ inputs.v }} post'",
      `printf '%s|' "pre \\"{{ inputs.v }}\\" post"`,
      "printf '%s|' $(printf '%s' {{ inputs.v }})",
      `printf '%s|' "$(printf '%s' "(" {{ inputs.v }} ")")"`,
    ];
    const printed = scripts.map((script) => runShell(script, value, dir));
    expect(existsSync(join(dir, "pwned"))).toBe(false);
    expect(printed[0]).toBe(`${value}|`);
    expect(printed[1]).toBe(`${value}|`);
    expect(printed[2]).toBe(`pre ${value} post|`);
    expect(printed[3]).toBe(`pre "${value}" post|`);
    // Inside "$( … )" the reference is quoted again, so the value stays one word.
    expect(printed[5]).toBe(`(${value})|`);
  });

  it("rejects a template it does not know", () => {
    expect(() => renderText("{{ secrets.x }}", resolve)).toThrow(/not a template flowy knows/);
  });
});
