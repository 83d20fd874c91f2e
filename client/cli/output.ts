/**
 * How flowy-client talks: "pretty" (emoji, a spinner) for a person at a terminal, "plain" text
 * for pipes, CI, NO_COLOR and --plain, and "json" (--output json) for programs. Results go to
 * stdout; progress, errors and hints go to stderr, so stdout stays clean for pipes.
 */
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

  constructor(style: Style, quiet: boolean, io: Io) {
    this.style = style;
    this.quiet = quiet;
    this.io = io;
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
    this.io.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  /** A message for the person, not the pipe (stderr). */
  note(text: string): void {
    this.io.stderr.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Writes raw text to stdout as it comes (logs). */
  raw(text: string): void {
    this.io.stdout.write(text);
  }

  get stderr(): OutputStream {
    return this.io.stderr;
  }
}
