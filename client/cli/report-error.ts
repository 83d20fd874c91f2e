/**
 * Every error ends the same way: what went wrong and, when we know it, how to fix it, on
 * stderr; as a JSON object with --output json. Returns the exit code (exit-codes.ts).
 */
import { CommanderError } from "commander";
import { isFlowyError } from "../../shared/errors.ts";
import { WaitTimeoutError } from "../wait-for-job.ts";
import { exitCodeForError } from "./exit-codes.ts";
import type { Printer } from "./output.ts";

export function reportError(error: unknown, printer: Printer, commandName?: string): number {
  const code = exitCodeForError(error);
  if (error instanceof CommanderError) {
    // Commander already printed its message; add the way out.
    if (code !== 0) printer.note(hintLine(printer, commanderHint(error, commandName)));
    return code;
  }
  const message = error instanceof Error ? error.message : String(error);
  const hint = isFlowyError(error)
    ? error.hint
    : error instanceof WaitTimeoutError
      ? waitHint(error)
      : undefined;
  if (printer.style === "json") {
    const kind = isFlowyError(error)
      ? error.code
      : error instanceof WaitTimeoutError
        ? "wait-timeout"
        : "error";
    printer.note(JSON.stringify({ error: { code: kind, message, ...(hint ? { hint } : {}) } }));
    return code;
  }
  printer.note(`${printer.pretty ? "❌ " : "error: "}${message}`);
  if (hint) printer.note(hintLine(printer, hint));
  if (!isFlowyError(error) && !(error instanceof WaitTimeoutError) && error instanceof Error && error.stack) {
    printer.note(`This looks like a bug in flowy-client; please report it with this trace:\n${error.stack}`);
  }
  return code;
}

function hintLine(printer: Printer, hint: string): string {
  return `${printer.pretty ? "💡 " : "hint: "}${hint}`;
}

function waitHint(error: WaitTimeoutError): string {
  const id = error.job?.id;
  return id ? `The job keeps going. Wait again with: flowy-client wait ${id}` : "The job keeps going.";
}

function commanderHint(error: CommanderError, commandName: string | undefined): string {
  const name = commandName ? `flowy-client ${commandName}` : "flowy-client";
  if (error.code === "commander.unknownOption" && commandName === "submit") {
    return "To run a command that has options of its own, put it after --: flowy-client submit -- ls -la";
  }
  if (error.code === "commander.unknownCommand") return "See the commands with: flowy-client --help";
  return `See the options with: ${name} --help`;
}
