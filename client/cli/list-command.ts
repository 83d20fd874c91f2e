/** `flowy-client list`: a search over all jobs (the server filters), as a table, ids (-q) or JSON. */
import { type Command, Option } from "commander";
import type { Job } from "../../shared/protocol.ts";
import { JOB_STATES, type JobState } from "../../shared/states.ts";
import type { ListFilter } from "../flowy-client.ts";
import type { CliContext } from "./context.ts";
import { formatDuration, parseSince } from "./duration.ts";
import { EXIT } from "./exit-codes.ts";
import { jobDuration, stateLabel } from "./job-format.ts";
import { collectList, positiveInteger } from "./option-parsers.ts";
import type { Act } from "./act.ts";
import { renderTable } from "./table.ts";
import { FlowyError } from "../../shared/errors.ts";

interface ListOptions {
  state?: string[];
  tag?: string[];
  id?: string;
  name?: string;
  worker?: string;
  error?: string;
  since?: string;
  until?: string;
  finishedSince?: string;
  finishedUntil?: string;
  sort?: "created" | "finished" | "duration";
  asc?: boolean;
  limit: number;
}

const MAX_PAGE = 500;

export function registerList(program: Command, act: Act): void {
  program
    .command("list")
    .summary("search jobs (all of them, on the server), newest first")
    .option(
      "--state <state>",
      `only jobs in these states (repeatable or comma-separated: ${JOB_STATES.join(", ")})`,
      collectList,
    )
    .option("--tag <tag>", "only jobs with all these tags (repeatable or comma-separated)", collectList)
    .option("--id <prefix>", "only jobs whose id starts with this")
    .option("--name <text>", "only jobs whose name contains this (case-insensitive)")
    .option("--worker <id>", "only jobs of this worker")
    .option("--error <text>", "only jobs whose error contains this (case-insensitive)")
    .option("--since <when>", "created at or after: how long ago (1h, 2d) or an ISO-8601 time")
    .option("--until <when>", "created before: how long ago or an ISO-8601 time")
    .option("--finished-since <when>", "finished at or after: how long ago or an ISO-8601 time")
    .option("--finished-until <when>", "finished before: how long ago or an ISO-8601 time")
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
  const when = (text: string | undefined, option: string) => (text ? parseSince(text, option) : undefined);
  const filter: ListFilter = {
    state: checkStates(options.state ?? []),
    tag: options.tag?.length ? options.tag : undefined,
    idPrefix: options.id?.toLowerCase(),
    name: options.name,
    workerId: options.worker,
    error: options.error,
    createdAfter: when(options.since, "--since"),
    createdBefore: when(options.until, "--until"),
    finishedAfter: when(options.finishedSince, "--finished-since"),
    finishedBefore: when(options.finishedUntil, "--finished-until"),
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
  const { limit: _limit, sort: _sort, asc: _asc, ...filters } = options;
  const filtered = Object.values(filters).some((v) => (Array.isArray(v) ? v.length : v));
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
