/** `flowy-client list`: a search over all jobs (the server filters), as a table, ids (-q) or JSON. */
import { type Command, Option } from "commander";
import type { Job } from "../../shared/protocol.ts";
import type { ListFilter } from "../flowy-client.ts";
import type { CliContext } from "./context.ts";
import { formatDuration } from "./duration.ts";
import { addSearchOptions, hasSearch, type SearchOptions, searchFilter } from "./search-options.ts";
import { EXIT } from "./exit-codes.ts";
import { jobDuration, stateLabel } from "./job-format.ts";
import { positiveInteger } from "./option-parsers.ts";
import type { Act } from "./act.ts";
import { renderTable } from "./table.ts";

interface ListOptions extends SearchOptions {
  sort?: "created" | "finished" | "duration";
  asc?: boolean;
  limit: number;
}

const MAX_PAGE = 500;

export function registerList(program: Command, act: Act): void {
  addSearchOptions(program.command("list").summary("search jobs (all of them, on the server), newest first"))
    .addOption(
      new Option("--sort <key>", "created, finished or duration (the last two: finished jobs only)").choices([
        "created",
        "finished",
        "duration",
      ]),
    )
    .option("--asc", "oldest, earliest or shortest first")
    .option("--limit <n>", "at most this many jobs", positiveInteger, 20)
    .action(act<[ListOptions]>(list));
}

async function list(ctx: CliContext, options: ListOptions): Promise<number> {
  const filter: ListFilter = {
    ...searchFilter(options),
    sort: options.sort,
    order: options.asc ? "asc" : undefined,
    pageSize: Math.min(options.limit, MAX_PAGE),
  };
  const jobs: Job[] = [];
  for await (const job of ctx.client.list(filter)) {
    jobs.push(job);
    if (jobs.length >= options.limit) break;
  }
  const { printer } = ctx;
  if (printer.style === "json") printer.json({ jobs });
  else if (printer.quiet) for (const job of jobs) printer.out(job.id);
  else if (jobs.length === 0) printer.note(emptyMessage(options));
  else printer.out(jobTable(jobs, printer.pretty));
  return EXIT.succeeded;
}

function emptyMessage(options: ListOptions): string {
  return hasSearch(options)
    ? "No jobs match."
    : "No jobs yet. Submit one with: flowy-client submit -- echo hello";
}

export function jobTable(jobs: Job[], pretty: boolean, now: number = Date.now()): string {
  const rows = jobs.map((job) => {
    const took = jobDuration(job, now);
    return [
      job.id,
      stateLabel(job.state, pretty),
      job.name,
      job.attempt > 0 ? `${job.attempt}/${job.max_attempts}` : "-",
      job.worker_id ?? "-",
      `${formatDuration(now - Date.parse(job.created_at))} ago`,
      took !== undefined ? formatDuration(took) : "-",
    ];
  });
  return renderTable(["ID", "STATE", "NAME", "ATTEMPT", "WORKER", "CREATED", "DURATION"], rows);
}
