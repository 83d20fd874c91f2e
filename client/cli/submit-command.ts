/** `flowy-client submit`: send a command, a shell line or a workflow file; optionally wait for it. */
import type { Command } from "commander";
import type { Job } from "../../shared/protocol.ts";
import type { CliContext } from "./context.ts";
import { requireDuration } from "./duration.ts";
import { EXIT } from "./exit-codes.ts";
import { buildSubmitBody, type SubmitFlags } from "./job-input.ts";
import { collect, collectList, integer } from "./option-parsers.ts";
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
  program
    .command("submit")
    .summary("submit a job: a command, a shell line or a workflow")
    .description(
      "Submit a job. Put a command and its arguments after -- (it runs without a shell), or use --shell 'CMD' " +
        "or --workflow FILE. Prints the job id; with --wait, waits and exits with the job's outcome.",
    )
    .argument("[argv...]", "the command to run and its arguments (after --)")
    .option("--command", "run the arguments after -- as the command (the default when there are some)")
    .option("--shell <cmd>", "run this line with /bin/sh -c")
    .option("--workflow <file>", "run this workflow file (YAML or JSON)")
    .option("--flow <name>", "which flow of the workflow file to run")
    .option("--params <json>", "inputs as a JSON object")
    .option("--params-file <file>", "inputs from a JSON or YAML file")
    .option(
      "--param <key=value>",
      "one input (repeatable; later ones win; 3, true, [1] are JSON-typed)",
      collect,
    )
    .option(
      "--cwd <dir>",
      "run it in this directory on the worker (default: a fresh directory per job under the daemon's state dir)",
    )
    .option(
      "--bundle <name[@version]>",
      "run it from this bundle (latest, or a pinned version), in the bundle's directory (see: bundle)",
    )
    .option("--name <name>", "a name for the job (default: from what it runs)")
    .option("--tag <tag>", "a tag the worker must have (repeatable, or comma-separated)", collectList)
    .option("--priority <n>", "higher runs first (-1000..1000, default 0)", integer)
    .option("--max-attempts <n>", "how many times to try it (default: the server's, 3)", integer)
    .option("--timeout <duration>", "stop it after this long when it runs (e.g. 90s, 10m, 2h)")
    .option("--at <time>", "run it at this time (ISO-8601) or after a delay (+10m)")
    .option("--after <job-id>", "run it after this job succeeds (canceled if that one does not)")
    .option("--concurrency-key <key>", "at most a limit of the jobs with this key run at once (see: limits)")
    .option(
      "--concurrency-limit <n>",
      "this job's limit for its key (default: a declared limit, else 1)",
      integer,
    )
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
