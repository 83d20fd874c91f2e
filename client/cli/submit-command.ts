/** `flowy-client submit`: send a command, a shell line or a workflow file; optionally wait for it. */
import type { Command } from "commander";
import type { Job } from "../../shared/protocol.ts";
import type { CliContext } from "./context.ts";
import { requireDuration } from "./duration.ts";
import { EXIT } from "./exit-codes.ts";
import { buildSubmitBody, type SubmitFlags } from "./job-input.ts";
import { addJobOptions } from "./job-options.ts";
import type { Printer } from "./output.ts";
import type { Act } from "./act.ts";
import { waitForOutcome } from "./wait-for-outcome.ts";

interface SubmitOptions extends SubmitFlags {
  idempotencyKey?: string;
  wait?: boolean;
  waitTimeout?: string;
  follow?: boolean;
}

export function registerSubmit(program: Command, act: Act): void {
  addJobOptions(
    program
      .command("submit")
      .summary("submit a job: a command, a shell line or a workflow")
      .description(
        "Submit a job. Put a command and its arguments after -- (it runs without a shell), or use --shell 'CMD' " +
          "or --workflow FILE. Prints the job id; with --wait, waits and exits with the job's outcome.",
      )
      .argument("[argv...]", "the command to run and its arguments (after --)"),
  )
    .option("--at <time>", "run it at this time (ISO-8601) or after a delay (+10m)")
    .option("--after <job-id>", "run it after this job succeeds (canceled if that one does not)")
    .option("--idempotency-key <key>", "submitting again with the same key returns the first job")
    .option("--wait", "wait for the job and exit with its outcome (see exit codes)")
    .option("-f, --follow", "stream the job's log while waiting (implies --wait)")
    .option("--wait-timeout <duration>", "stop waiting after this long (exit 6); the job keeps going")
    .action(act<[string[], SubmitOptions]>(submit));
}

async function submit(ctx: CliContext, argv: string[], options: SubmitOptions): Promise<number> {
  const body = buildSubmitBody(argv, options);
  const waitTimeoutMs = options.waitTimeout
    ? requireDuration(options.waitTimeout, "--wait-timeout")
    : undefined;
  const job = await ctx.client.submit(body, { idempotencyKey: options.idempotencyKey });
  const waiting = Boolean(options.wait || options.follow);
  printSubmitted(ctx.printer, job, waiting);
  if (!waiting) return EXIT.succeeded;
  return waitForOutcome(ctx, job.id, { timeoutMs: waitTimeoutMs, follow: options.follow, initial: job });
}

function printSubmitted(printer: Printer, job: Job, waiting: boolean): void {
  if (printer.quiet) {
    printer.out(job.id);
    return;
  }
  if (printer.style === "json") {
    // With --wait, the one JSON document on stdout is the finished job.
    if (!waiting) printer.json(job);
    return;
  }
  const when =
    job.state === "pending"
      ? ""
      : ` — ${job.state}${job.run_at && job.state === "scheduled" ? ` until ${job.run_at}` : ""}`;
  const lines = [`${printer.icon("🚀")}Job submitted: ${job.id} (${job.name})${when}`];
  if (!waiting) lines.push(`${printer.icon("📋")}View status: flowy-client show ${job.id}`);
  // While waiting, stdout may be a log (--follow): keep these notes on stderr then.
  for (const line of lines) {
    if (waiting) printer.note(line);
    else printer.out(line);
  }
}
