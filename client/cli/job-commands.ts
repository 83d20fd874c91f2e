/** `wait ID`, `show ID` and `logs ID [-f]`: one job, looked at. */
import type { Command } from "commander";
import type { CliContext } from "./context.ts";
import { requireDuration } from "./duration.ts";
import { EXIT } from "./exit-codes.ts";
import { formatJobDetails } from "./job-details.ts";
import { positiveInteger } from "./option-parsers.ts";
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
    .action(act<[string, { follow?: boolean; attempt?: number }]>(logs));
}

async function show(ctx: CliContext, id: string): Promise<number> {
  const job = await ctx.client.get(id);
  if (ctx.printer.style === "json") ctx.printer.json(job);
  else ctx.printer.out(formatJobDetails(job, ctx.printer.pretty));
  return EXIT.succeeded;
}

/** Text as it is; with --output json one {"attempt", "data"} object per line (NDJSON). */
async function logs(ctx: CliContext, id: string, options: { follow?: boolean; attempt?: number }) {
  const { client, printer } = ctx;
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
    for await (const chunk of chunks) {
      if (printer.style === "json") {
        printer.raw(`${JSON.stringify(chunk)}\n`);
        continue;
      }
      if (attempt !== undefined && chunk.attempt !== attempt)
        printer.note(`--- attempt ${chunk.attempt} ---`);
      attempt = chunk.attempt;
      printer.raw(chunk.data);
    }
  } finally {
    process.off("SIGINT", interrupt);
  }
  return controller.signal.aborted ? EXIT.interrupted : EXIT.succeeded;
}
