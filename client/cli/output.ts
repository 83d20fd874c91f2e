/**
 * How flowy-client talks: "pretty" (emoji, a spinner) for a person at a terminal, "plain" text
 * for pipes, CI, NO_COLOR and --plain, and "json" (--output json) for programs. Results go to
 * stdout; progress, errors and hints go to stderr, so stdout stays clean for pipes.
 */
import { neutralize } from "./terminal-text.ts";

export type Style = "pretty" | "plain" | "json";

export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Io {
  stdout: OutputStream;
  stderr: OutputStream;
  env: NodeJS.ProcessEnv;
}

export interface OutputFlags {
  output?: "text" | "table" | "json";
  /** Print job names, outputs and logs as they are, escape sequences included. */
  raw?: boolean;
  plain?: boolean;
  pretty?: boolean;
  quiet?: boolean;
}

export function chooseStyle(flags: OutputFlags, io: Io): Style {
  if (flags.output === "json") return "json";
  if (flags.plain) return "plain";
  if (flags.pretty) return "pretty";
  const { env } = io;
  const person = io.stdout.isTTY === true && !env.NO_COLOR && !env.CI && env.TERM !== "dumb";
  return person ? "pretty" : "plain";
}

export class Printer {
  readonly style: Style;
  readonly quiet: boolean;
  private readonly io: Io;

  /** Text from jobs reaches the terminal as it is (--raw), not escaped (terminal-text.ts). */
  private readonly rawText: boolean;

  constructor(style: Style, quiet: boolean, io: Io, rawText = false) {
    this.style = style;
    this.quiet = quiet;
    this.io = io;
    this.rawText = rawText;
  }

  private safe(text: string): string {
    return this.rawText ? text : neutralize(text);
  }

  get pretty(): boolean {
    return this.style === "pretty";
  }

  /** `emoji ` in pretty mode, nothing otherwise. */
  icon(emoji: string): string {
    return this.pretty ? `${emoji} ` : "";
  }

  /** A result line (stdout). */
  out(text: string): void {
    const line = this.safe(text);
    this.io.stdout.write(line.endsWith("\n") ? line : `${line}\n`);
  }

  /** A message for the person, not the pipe (stderr). */
  note(text: string): void {
    this.io.stderr.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Writes text to stdout as it comes (logs), escaped unless --raw. */
  raw(text: string): void {
    this.io.stdout.write(this.safe(text));
  }

  get stderr(): OutputStream {
    return this.io.stderr;
  }
}
