/**
 * What `submit --wait` and `wait` share: wait for the job with live progress (and its log with
 * --follow), then say how it ended and exit with its outcome. Ctrl-C stops the waiting, not the
 * job, and says how to pick it up again.
 */
import type { Job } from "../../shared/protocol.ts";
import type { CliContext } from "./context.ts";
import { EXIT, exitCodeForJob } from "./exit-codes.ts";
import { errorLines, outcomeLine } from "./job-format.ts";
import type { Printer } from "./output.ts";
import { createProgress, type ProgressMode } from "./progress.ts";
import { unmatchedTagsNote } from "./tag-coverage.ts";

export interface WaitFlags {
  timeoutMs?: number;
  follow?: boolean;
  /** The job as just submitted, so the wait starts from it. */
  initial?: Job;
}

export async function waitForOutcome(ctx: CliContext, id: string, flags: WaitFlags): Promise<number> {
  const { client, printer } = ctx;
  const initial = flags.initial ?? (await client.get(id));
  const note = await unmatchedTagsNote(client, initial);
  if (note) printer.note(`${printer.icon("⚠️")}${note}`);
  const progress = createProgress(progressMode(printer, flags), printer.stderr);
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once("SIGINT", interrupt);
  try {
    const logs = flags.follow ? printLogs(ctx, id, controller.signal) : undefined;
    const job = await client.wait(id, {
      timeoutMs: flags.timeoutMs,
      initial,
      signal: controller.signal,
      onProgress: (next) => progress.update(next),
      onReconnect: ({ error, delayMs }) => progress.reconnecting(error, delayMs),
    });
    await logs;
    progress.stop();
    return reportOutcome(printer, job);
  } catch (error) {
    progress.stop();
    if (!controller.signal.aborted) throw error;
    printer.note(`Stopped waiting; job ${id} keeps going. Wait again with: flowy-client wait ${id}`);
    return EXIT.interrupted;
  } finally {
    process.off("SIGINT", interrupt);
  }
}

function progressMode(printer: Printer, flags: WaitFlags): ProgressMode {
  if (printer.quiet) return "off";
  // A spinner redrawn over a streaming log would garble both.
  return printer.pretty && !flags.follow ? "spinner" : "lines";
}

/** Streams the job's log to stdout (stderr with --output json, which keeps stdout for the job). */
async function printLogs(ctx: CliContext, id: string, signal: AbortSignal): Promise<void> {
  const { client, printer } = ctx;
  const write =
    printer.style === "json" ? (t: string) => printer.stderr.write(t) : (t: string) => printer.raw(t);
  let attempt: number | undefined;
  try {
    for await (const chunk of client.logs(id, { follow: true, signal })) {
      if (attempt !== undefined && chunk.attempt !== attempt)
        printer.note(`--- attempt ${chunk.attempt} ---`);
      attempt = chunk.attempt;
      write(chunk.data);
    }
  } catch (error) {
    if (!signal.aborted) printer.note(`(stopped following the log: ${(error as Error).message})`);
  }
}

/** Says how the job ended — success on stdout, anything else with its error on stderr. */
export function reportOutcome(printer: Printer, job: Job): number {
  const code = exitCodeForJob(job);
  if (printer.style === "json") printer.json(job);
  if (code === EXIT.succeeded) {
    if (printer.style === "json" || printer.quiet) return code;
    printer.out(outcomeLine(job, printer.pretty));
    const outputs = job.result?.outputs;
    if (outputs && Object.keys(outputs).length) printer.out(`outputs: ${JSON.stringify(outputs)}`);
    return code;
  }
  printer.note(outcomeLine(job, printer.pretty));
  for (const line of errorLines(job)) printer.note(line);
  if (printer.style !== "json") {
    printer.note(
      `${printer.pretty ? "📋 " : ""}Details: flowy-client show ${job.id}   Log: flowy-client logs ${job.id}`,
    );
  }
  return code;
}
