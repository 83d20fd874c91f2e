/** `wait ID`, `show ID` and `logs ID [-f]`: one job, looked at. */
import type { Command } from "commander";
import { FlowyError } from "../../shared/errors.ts";
import type { Job } from "../../shared/protocol.ts";
import { isTerminal } from "../../shared/states.ts";
import type { CliContext } from "./context.ts";
import { requireDuration } from "./duration.ts";
import { EXIT } from "./exit-codes.ts";
import { formatJobDetails } from "./job-details.ts";
import { positiveInteger } from "./option-parsers.ts";
import { unmatchedTagsNote } from "./tag-coverage.ts";
import { checkTaskOf, TaskLogFilter } from "./task-log-filter.ts";
import type { Act } from "./act.ts";
import { waitForOutcome } from "./wait-for-outcome.ts";

export function registerJobCommands(program: Command, act: Act): void {
  program
    .command("wait")
    .summary("wait for a job to finish; exits with its outcome")
    .description(
      "Wait for a job to finish, showing its progress, and exit with its outcome (see exit codes).",
    )
    .argument("<id>", "job id")
    .option("--timeout <duration>", "stop waiting after this long (exit 6); the job keeps going")
    .option("-f, --follow", "stream the job's log while waiting")
    .action(
      act<[string, { timeout?: string; follow?: boolean }]>((ctx, id, options) =>
        waitForOutcome(ctx, id, {
          timeoutMs: options.timeout ? requireDuration(options.timeout, "--timeout") : undefined,
          follow: options.follow,
        }),
      ),
    );

  program
    .command("show")
    .summary("show a job: state, attempts, worker, timings, error, tasks, history")
    .argument("<id>", "job id")
    .action(act<[string]>(show));

  program
    .command("logs")
    .summary("print a job's log; -f follows it until the job ends")
    .argument("<id>", "job id")
    .option("-f, --follow", "keep printing as the log grows, across retries, until the job finishes")
    .option("--attempt <n>", "the log of this attempt (default: the latest)", positiveInteger)
    .option("--task <name>", "a workflow's job: only this task's output, without its name in front")
    .action(act<[string, LogsOptions]>(logs));
}

async function show(ctx: CliContext, id: string): Promise<number> {
  const job = await ctx.client.get(id);
  if (ctx.printer.style === "json") ctx.printer.json(job);
  else ctx.printer.out(formatJobDetails(job, ctx.printer.pretty));
  const note = await unmatchedTagsNote(ctx.client, job);
  if (note) ctx.printer.note(`${ctx.printer.icon("⚠️")}${note}`);
  return EXIT.succeeded;
}

interface LogsOptions {
  follow?: boolean;
  attempt?: number;
  task?: string;
}

/** Text as it is; with --output json one {"attempt", "data"} object per line (NDJSON). */
async function logs(ctx: CliContext, id: string, options: LogsOptions) {
  const { client, printer } = ctx;
  if (options.task !== undefined || options.attempt !== undefined) {
    const job = await client.get(id);
    if (options.task !== undefined) checkTaskOf(job, options.task);
    if (options.attempt !== undefined) checkAttemptOf(job, options.attempt, Boolean(options.follow));
  }
  const filter = options.task === undefined ? undefined : new TaskLogFilter(options.task);
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once("SIGINT", interrupt);
  let attempt: number | undefined;
  try {
    const chunks = client.logs(id, {
      follow: options.follow,
      attempt: options.attempt,
      signal: controller.signal,
    });
    for await (const { attempt: next, data: raw } of chunks) {
      const ended = attempt !== undefined && next !== attempt ? (filter?.flush() ?? "") : "";
      const data = filter ? filter.push(raw) : raw;
      if (printer.style === "json") {
        if (ended) printer.raw(`${JSON.stringify({ attempt, data: ended })}\n`);
        if (data || !filter) printer.raw(`${JSON.stringify({ attempt: next, data })}\n`);
      } else {
        printer.raw(ended);
        if (attempt !== undefined && next !== attempt) printer.note(`--- attempt ${next} ---`);
        printer.raw(data);
      }
      attempt = next;
    }
    const rest = filter?.flush();
    if (rest) printer.raw(printer.style === "json" ? `${JSON.stringify({ attempt, data: rest })}\n` : rest);
  } finally {
    process.off("SIGINT", interrupt);
  }
  return controller.signal.aborted ? EXIT.interrupted : EXIT.succeeded;
}

/** An attempt that never ran has no log: say so, with the range there is (a followed job may run it yet). */
function checkAttemptOf(job: Job, attempt: number, follow: boolean): void {
  if (attempt <= job.attempt || (follow && !isTerminal(job.state))) return;
  throw new FlowyError(
    "invalid-request",
    job.attempt === 0
      ? `Job ${job.id} has not run yet, so it has no attempt ${attempt}`
      : `Job ${job.id} has no attempt ${attempt}: it ran ${job.attempt === 1 ? "once" : `${job.attempt} times`}`,
    job.attempt === 0
      ? `Wait for it to start: flowy-client logs ${job.id} -f`
      : `Give --attempt 1 to ${job.attempt} (or leave it out for the latest).`,
    { job_id: job.id, attempts: job.attempt },
  );
}
