/** `flowy-client submit`: send a command, a shell line or a workflow file; optionally wait for it. */
import type { Command } from "commander";
import type { Job } from "../../shared/protocol.ts";
import type { CliContext } from "./context.ts";
import { FlowyError } from "../../shared/errors.ts";
import { requireDuration } from "./duration.ts";
import { EXIT } from "./exit-codes.ts";
import { buildSubmitBody, type SubmitFlags } from "./job-input.ts";
import { addJobOptions } from "./job-options.ts";
import type { Printer } from "./output.ts";
import type { Act } from "./act.ts";
import { submitFile } from "./submit-file.ts";
import { waitForOutcome } from "./wait-for-outcome.ts";

interface SubmitOptions extends SubmitFlags {
  fromFile?: string;
  idempotencyKey?: string;
  wait?: boolean;
  waitTimeout?: string;
  follow?: boolean;
}

/** The submit command's own flags (the handler gets the global ones too). */
const ownFlags = new Set<string>();

export function registerSubmit(program: Command, act: Act): void {
  const command = addJobOptions(
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
    .option(
      "--from-file <file>",
      "submit every job of a JSON Lines file (- for stdin), one POST /jobs body per line, 1,000 per request",
    )
    .option("--wait", "wait for the job and exit with its outcome (see exit codes)")
    .option("-f, --follow", "stream the job's log while waiting (implies --wait)")
    .option("--wait-timeout <duration>", "stop waiting after this long (exit 6); the job keeps going")
    .action(act<[string[], SubmitOptions]>(submit));
  for (const option of command.options) ownFlags.add(option.attributeName());
}

async function submit(ctx: CliContext, argv: string[], options: SubmitOptions): Promise<number> {
  if (options.fromFile !== undefined) {
    refuseWithFile(argv, options);
    return submitFile(ctx, options.fromFile);
  }
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

/** With --from-file each line is the whole job: a flag beside it would be silently lost. */
function refuseWithFile(argv: string[], options: SubmitOptions): void {
  const others = Object.entries(options)
    .filter(([name, value]) => ownFlags.has(name) && name !== "fromFile" && value !== undefined)
    .map(([name]) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  if (argv.length) others.unshift("a command after --");
  if (others.length === 0) return;
  throw new FlowyError(
    "invalid-request",
    `--from-file takes each job whole from its line; ${others.join(", ")} cannot be added to it`,
    'Put those fields in each line instead, e.g. {"spec": {...}, "tags": ["gpu"], "priority": 5}.',
  );
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
