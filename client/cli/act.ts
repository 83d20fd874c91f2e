/**
 * How a command's handler is run: build its context from the merged global and local options,
 * run it, and turn any error into a message and an exit code (kept in `state`; actions never
 * exit the process themselves).
 */
import type { Command } from "commander";
import { type CliContext, createContext, createPrinter, type GlobalFlags } from "./context.ts";
import type { Io } from "./output.ts";
import { reportError } from "./report-error.ts";

export interface CliState {
  exitCode: number;
  /** The subcommand being run, for hints on commander's own errors. */
  commandName?: string;
}

/** Wraps a command handler; the handler gets its positional arguments, then all options. */
export type Act = <A extends unknown[]>(
  handler: (ctx: CliContext, ...args: A) => Promise<number>,
) => (...args: unknown[]) => Promise<void>;

export function createAct(io: Io, state: CliState): Act {
  return (handler) =>
    async (...args) => {
      // commander calls an action with (...positionals, options, command).
      const command = args.at(-1) as Command;
      const flags = command.optsWithGlobals<GlobalFlags>();
      const printer = createPrinter(flags, io);
      try {
        const ctx = await createContext(flags, printer, io);
        const positionals = args.slice(0, -2);
        state.exitCode = await handler(ctx, ...([...positionals, flags] as never));
      } catch (error) {
        state.exitCode = reportError(error, printer, command.name());
      }
    };
}
