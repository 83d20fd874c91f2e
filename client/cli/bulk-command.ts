/**
 * The bulk form of `cancel`, `requeue` and `delete`: with search flags instead of a job id, every
 * matching job, on the server (POST /jobs/bulk). Counts first and asks "Requeue 1,204 jobs?"
 * (or takes --yes; without a terminal to ask, --yes is required), then shows the progress.
 */
import { createInterface } from "node:readline/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { FlowyError } from "../../shared/errors.ts";
import type { BulkAction, BulkProgressWire } from "../../shared/protocol.ts";
import type { CliContext } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import { type SearchOptions, searchFilter } from "./search-options.ts";

type Action = BulkAction["action"];
const VERB: Record<Action, [present: string, past: string]> = {
  cancel: ["Cancel", "Canceled"],
  requeue: ["Requeue", "Requeued"],
  delete: ["Delete", "Deleted"],
};
const PROGRESS_EVERY_MS = 500;

export interface BulkOptions extends SearchOptions {
  yes?: boolean;
}

export async function runBulk(ctx: CliContext, action: Action, options: BulkOptions): Promise<number> {
  const { printer, client } = ctx;
  const filter = searchFilter(options);
  const counted = await client.bulk(action, filter, { dryRun: true });
  if (counted.matched === 0) {
    printer.note("No jobs match.");
    return EXIT.succeeded;
  }
  const [verb, done] = VERB[action];
  const question = `${verb} ${counted.matched.toLocaleString("en-US")} job${counted.matched === 1 ? "" : "s"}?`;
  if (!options.yes && !(await confirm(question))) {
    printer.note("Nothing changed.");
    return EXIT.succeeded;
  }
  let progress = await client.bulk(action, filter);
  while (progress.state === "running") {
    if (printer.style !== "json") printer.note(`${done} ${progress.changed} of ${progress.matched}…`);
    await sleep(PROGRESS_EVERY_MS);
    progress = await client.bulkProgress(progress.id!);
  }
  report(ctx, progress, done);
  // Refusals are a mistake to fix (delete running jobs? cancel them first), as for one job.
  return progress.state === "finished" && progress.refused === 0 ? EXIT.succeeded : EXIT.usage;
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new FlowyError(
      "invalid-request",
      `${question} Not without a confirmation`,
      "Add --yes to act without being asked (there is no terminal here to ask on).",
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

function report(ctx: CliContext, progress: BulkProgressWire, done: string): void {
  const { printer } = ctx;
  if (printer.style === "json") {
    printer.json(progress);
    return;
  }
  const parts = [`${done} ${progress.changed} of ${progress.matched} jobs`];
  if (progress.unchanged) parts.push(`${progress.unchanged} already so or no longer matching`);
  if (progress.refused) parts.push(`${progress.refused} refused`);
  printer.out(`${parts.join("; ")}.`);
  for (const error of progress.errors) printer.note(`  ${error.job_id || "action"}: ${error.message}`);
  if (progress.state === "failed") printer.note("The action stopped early; run it again to finish the rest.");
}
