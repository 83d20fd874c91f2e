/**
 * flowy-client's exit codes (DESIGN §7), one table for the code, --help and docs/cli.md. A wait
 * exits with the job's outcome so scripts can branch on it without parsing output.
 */
import { CommanderError } from "commander";
import { isFlowyError } from "../../shared/errors.ts";
import type { Job } from "../../shared/protocol.ts";
import { isOutage } from "../reconnect.ts";
import { WaitTimeoutError } from "../wait-for-job.ts";

export const EXIT = {
  succeeded: 0,
  usage: 1,
  failed: 2,
  timedOut: 3,
  canceled: 4,
  unreachable: 5,
  waitTimeout: 6,
  serverError: 7,
  interrupted: 130,
} as const;

export const EXIT_CODE_TABLE: ReadonlyArray<readonly [number, string]> = [
  [EXIT.succeeded, "success (with --wait / wait: the job succeeded)"],
  [EXIT.usage, "a mistake you can fix: bad option, bad --params, unknown job id... (hint on stderr)"],
  [EXIT.failed, "the job failed (its error is on stderr)"],
  [EXIT.timedOut, "the job timed out (execution timeout, or its lease expired on its last attempt)"],
  [EXIT.canceled, "the job was canceled (or deleted) before it finished"],
  [EXIT.unreachable, "the server could not be reached (or was not ready)"],
  [
    EXIT.waitTimeout,
    "--wait-timeout (or wait --timeout) passed before the job finished; the job keeps going",
  ],
  [EXIT.serverError, "the server answered with an internal error"],
  [EXIT.interrupted, "interrupted (Ctrl-C) while waiting; the job keeps going"],
];

export function exitCodeHelp(): string {
  return [
    "Exit codes:",
    ...EXIT_CODE_TABLE.map(([code, meaning]) => `  ${String(code).padStart(3)}  ${meaning}`),
  ].join("\n");
}

/** The exit code for a job that finished. */
export function exitCodeForJob(job: Job): number {
  switch (job.state) {
    case "succeeded":
      return EXIT.succeeded;
    case "failed":
      return EXIT.failed;
    case "timed_out":
      return EXIT.timedOut;
    default:
      return EXIT.canceled;
  }
}

export function exitCodeForError(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.succeeded : EXIT.usage;
  if (error instanceof WaitTimeoutError) return EXIT.waitTimeout;
  if (isOutage(error)) return EXIT.unreachable;
  if (isFlowyError(error)) return error.status >= 500 ? EXIT.serverError : EXIT.usage;
  return EXIT.serverError;
}
