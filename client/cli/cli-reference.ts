/**
 * docs/cli.md, generated from the commander program so the reference says exactly what
 * `--help` says. `npm run docs:cli` writes it; a test fails when the two drift apart.
 */
import type { Command } from "commander";
import { EXIT_CODE_TABLE } from "./exit-codes.ts";
import { createProgram } from "./program.ts";

const HELP_WIDTH = 100;

/** A Markdown table with padded columns, as the repository's formatter (biome) writes them. */
function markdownTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const SETTINGS = markdownTable(
  ["Setting", "Flag", "Environment", "`~/.flowy` key"],
  [
    ["Server URL (default `http://127.0.0.1:7411`)", "`--server`", "`FLOWY_SERVER`", "`server`"],
    ["API key", "`--api-key`", "`FLOWY_API_KEY`", "`api_key`"],
    ["API key in a file (mode 600)", "`--api-key-file`", "`FLOWY_API_KEY_FILE`", "`api_key_file`"],
  ],
);

const EXIT_CODES = markdownTable(
  ["Code", "Meaning"],
  EXIT_CODE_TABLE.map(([code, meaning]) => [String(code), meaning.replaceAll("|", "\\|")]),
);

const INTRO = `# flowy-client reference

\`flowy-client\` submits jobs to a flowy server, waits for them and shows what they did. It is a thin
layer over the \`FlowyClient\` SDK (\`import { FlowyClient } from "flowy-jobs"\`), so anything it does a
program can do too. New here? Start with [getting started](getting-started.md).

This page is generated from the program itself (\`npm run docs:cli\`); \`flowy-client COMMAND --help\`
prints the same text.

## Settings

${SETTINGS}

A flag beats the environment, which beats the file. \`~/.flowy\` is YAML or JSON and is shared with
\`daemon-flowy\` (each reads only its own keys); \`FLOWY_CONFIG=/path/to/file\` reads another file.

## Output

- On a terminal: friendly text with emoji, and a spinner while waiting.
- Piped, or with \`NO_COLOR\`, \`CI\` or \`--plain\`: the same text without emoji; progress is one
  line per change.
- \`--output json\`: one JSON document on stdout — the job (\`submit\`, \`show\`, \`wait\`, \`cancel\`,
  \`requeue\`, \`delete\`; with \`--wait\`, the finished job), \`{"jobs": [...]}\` (\`list\`),
  \`{"workers": [...]}\` (\`workers\`), the stats object (\`stats\`), or one \`{"attempt", "data"}\`
  object per line (\`logs\`). Jobs have the fields of the API's Job schema (\`GET /openapi.json\`);
  new fields may be added, existing ones keep their meaning. Errors are
  \`{"error": {"code", "message", "hint"}}\` on stderr.
- \`-q\` prints only job ids (\`submit\`, \`list\`) and no progress.

Results go to stdout; progress, errors and hints go to stderr.

## Exit codes

${EXIT_CODES}
`;

export function renderCliReference(): string {
  const program = createProgram(
    { stdout: { write: () => true }, stderr: { write: () => true }, env: {} },
    { exitCode: 0 },
    { helpWidth: HELP_WIDTH },
  );
  const sections = [
    section("flowy-client", program),
    ...program.commands.flatMap((c) => sectionsOf(`flowy-client ${c.name()}`, c)),
  ];
  return `${INTRO}\n## Commands\n\n${sections.join("\n")}`;
}

/** A command's section, then one for each of its subcommands (`limits set`, …). */
function sectionsOf(title: string, command: Command): string[] {
  return [section(title, command), ...command.commands.flatMap((c) => sectionsOf(`${title} ${c.name()}`, c))];
}

function section(title: string, command: Command): string {
  return `### ${title}\n\n\`\`\`text\n${command.helpInformation().trimEnd()}\n\`\`\`\n`;
}
