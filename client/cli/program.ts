/**
 * The flowy-client command line (commander). `createProgram` builds it without touching the
 * process, so the same program serves the binary, shell completion and the generated CLI
 * reference in docs/cli.md.
 */
import { Command, Option } from "commander";
import { flowyVersion } from "../version.ts";
import { registerCompletion } from "./completion-command.ts";
import { createAct, type CliState } from "./act.ts";
import { createPrinter, type GlobalFlags } from "./context.ts";
import { registerControl } from "./control-commands.ts";
import { exitCodeHelp } from "./exit-codes.ts";
import { registerJobCommands } from "./job-commands.ts";
import { registerList } from "./list-command.ts";
import { registerCluster } from "./cluster-commands.ts";
import { registerBundleCommands } from "./bundle-commands.ts";
import { registerExplain } from "./explain-command.ts";
import { registerLimits } from "./limit-commands.ts";
import { registerPause } from "./pause-commands.ts";
import { registerSchedules } from "./schedule-commands.ts";
import type { Io } from "./output.ts";
import { reportError } from "./report-error.ts";
import { registerSubmit } from "./submit-command.ts";
import { registerRun } from "./run-command.ts";

export interface ProgramOptions {
  /** Fixed help width, for the generated reference (default: the terminal's). */
  helpWidth?: number;
}

const MORE_HELP = `
Settings come from flags, then FLOWY_SERVER / FLOWY_API_KEY / FLOWY_API_KEY_FILE, then ~/.flowy
(YAML or JSON; FLOWY_CONFIG names another file) with keys server, api_key, api_key_file.
Output has emoji on a terminal, plain text when piped or with NO_COLOR, CI or --plain, and
JSON with --output json. Results go to stdout; progress, errors and hints to stderr.

${exitCodeHelp()}`;

export function createProgram(io: Io, state: CliState, options: ProgramOptions = {}): Command {
  const program = new Command("flowy-client");
  program
    .description("Submit jobs to a flowy server, wait for them, and look at them.")
    .version(flowyVersion(), "-V, --version")
    .option("--server <url>", "flowy-server base URL (default: http://127.0.0.1:7411)")
    .option("--api-key <key>", "API key (client role), if the server requires keys")
    .option("--api-key-file <path>", "read the API key from this file (must be private: chmod 600)")
    .addOption(
      new Option("-o, --output <format>", "text (also: table) or json")
        .choices(["text", "table", "json"])
        .default("text"),
    )
    .option("--plain", "plain text, no emoji or spinner, even on a terminal")
    .option("--pretty", "emoji and a spinner even when not on a terminal")
    .option("-q, --quiet", "print only job ids, no progress")
    .option(
      "--raw",
      "print job names, outputs and logs as they are (escape sequences are shown escaped otherwise)",
    )
    .addHelpText("after", MORE_HELP)
    .showSuggestionAfterError()
    .configureHelp({
      showGlobalOptions: true,
      ...(options.helpWidth ? { helpWidth: options.helpWidth } : {}),
    })
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
    .hook("preSubcommand", (_program, sub) => {
      state.commandName = sub.name();
    });

  const act = createAct(io, state);
  registerSubmit(program, act);
  registerRun(program, act);
  registerJobCommands(program, act);
  registerList(program, act);
  registerControl(program, act);
  registerCluster(program, act);
  registerBundleCommands(program, act);
  registerExplain(program, act);
  registerPause(program, act);
  registerLimits(program, act);
  registerSchedules(program, act);
  registerCompletion(program, io);
  return program;
}

/** Runs flowy-client with `argv` (as process.argv: node, script, args…); resolves to the exit code. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  const state: CliState = { exitCode: 0 };
  const program = createProgram(io, state);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const flags = program.opts<GlobalFlags>();
    return reportError(error, createPrinter(flags, io), state.commandName);
  }
  return state.exitCode;
}
