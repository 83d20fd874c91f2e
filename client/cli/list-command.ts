/** `flowy-client list`: jobs, newest first, as a table, ids (-q) or JSON. */
import type { Command } from "commander";
import type { Job } from "../../shared/protocol.ts";
import { JOB_STATES, type JobState } from "../../shared/states.ts";
import type { ListFilter } from "../flowy-client.ts";
import type { CliContext } from "./context.ts";
import { formatDuration } from "./duration.ts";
import { EXIT } from "./exit-codes.ts";
import { jobDuration, stateLabel } from "./job-format.ts";
import { collectList, positiveInteger } from "./option-parsers.ts";
import type { Act } from "./act.ts";
import { renderTable } from "./table.ts";
import { FlowyError } from "../../shared/errors.ts";

interface ListOptions {
  state?: string[];
  tag?: string;
  name?: string;
  worker?: string;
  limit: number;
}

const MAX_PAGE = 500;

export function registerList(program: Command, act: Act): void {
  program
    .command("list")
    .summary("list jobs, newest first")
    .option(
      "--state <state>",
      `only jobs in these states (repeatable or comma-separated: ${JOB_STATES.join(", ")})`,
      collectList,
    )
    .option("--tag <tag>", "only jobs with this tag")
    .option("--name <name>", "only jobs with this name")
    .option("--worker <id>", "only jobs of this worker")
    .option("--limit <n>", "at most this many jobs", positiveInteger, 20)
    .action(act<[ListOptions]>(list));
}

async function list(ctx: CliContext, options: ListOptions): Promise<number> {
  const filter: ListFilter = {
    state: checkStates(options.state ?? []),
    tag: options.tag,
    name: options.name,
    workerId: options.worker,
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

function checkStates(states: string[]): JobState[] | undefined {
  const unknown = states.filter((s) => !(JOB_STATES as readonly string[]).includes(s));
  if (unknown.length) {
    throw new FlowyError(
      "invalid-request",
      `Unknown state: ${unknown.join(", ")}`,
      `States are: ${JOB_STATES.join(", ")}`,
    );
  }
  return states.length ? (states as JobState[]) : undefined;
}

function emptyMessage(options: ListOptions): string {
  const filtered = options.state?.length || options.tag || options.name || options.worker;
  return filtered ? "No jobs match." : "No jobs yet. Submit one with: flowy-client submit -- echo hello";
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
