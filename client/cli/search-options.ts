/**
 * The search flags `list` shares with the bulk forms of `cancel`, `requeue` and `delete`: which
 * jobs, as the server's search takes them (GET /jobs, POST /jobs/bulk).
 */
import type { Command } from "commander";
import { FlowyError } from "../../shared/errors.ts";
import { JOB_STATES, type JobState } from "../../shared/states.ts";
import type { ListFilter } from "../flowy-client.ts";
import { parseSince } from "./duration.ts";
import { collectList } from "./option-parsers.ts";

export interface SearchOptions {
  state?: string[];
  tag?: string[];
  id?: string;
  name?: string;
  worker?: string;
  concurrencyKey?: string;
  schedule?: string;
  error?: string;
  since?: string;
  until?: string;
  finishedSince?: string;
  finishedUntil?: string;
}

const SEARCH_KEYS: Array<keyof SearchOptions> = [
  "state",
  "tag",
  "id",
  "name",
  "worker",
  "concurrencyKey",
  "schedule",
  "error",
  "since",
  "until",
  "finishedSince",
  "finishedUntil",
];

export function addSearchOptions(command: Command, idFlag = "--id <prefix>"): Command {
  return command
    .option(
      "--state <state>",
      `only jobs in these states (repeatable or comma-separated: ${JOB_STATES.join(", ")})`,
      collectList,
    )
    .option("--tag <tag>", "only jobs with all these tags (repeatable or comma-separated)", collectList)
    .option(idFlag, "only jobs whose id starts with this")
    .option("--name <text>", "only jobs whose name contains this (case-insensitive)")
    .option("--worker <id>", "only jobs of this worker")
    .option("--concurrency-key <key>", "only jobs of this concurrency key")
    .option("--schedule <name>", "only jobs this schedule enqueued (of the newest 100 runs it keeps)")
    .option("--error <text>", "only jobs whose error contains this (case-insensitive)")
    .option("--since <when>", "created at or after: how long ago (1h, 2d) or an ISO-8601 time")
    .option("--until <when>", "created before: how long ago or an ISO-8601 time")
    .option("--finished-since <when>", "finished at or after: how long ago or an ISO-8601 time")
    .option("--finished-until <when>", "finished before: how long ago or an ISO-8601 time");
}

/** Whether any search flag was given. */
export function hasSearch(options: SearchOptions): boolean {
  return SEARCH_KEYS.some((key) => {
    const value = options[key];
    return Array.isArray(value) ? value.length > 0 : Boolean(value);
  });
}

export function searchFilter(options: SearchOptions, now = Date.now()): ListFilter {
  const when = (text: string | undefined, option: string) =>
    text ? parseSince(text, option, now) : undefined;
  return {
    state: checkStates(options.state ?? []),
    tag: options.tag?.length ? options.tag : undefined,
    idPrefix: options.id?.toLowerCase(),
    name: options.name,
    workerId: options.worker,
    concurrencyKey: options.concurrencyKey,
    schedule: options.schedule,
    error: options.error,
    createdAfter: when(options.since, "--since"),
    createdBefore: when(options.until, "--until"),
    finishedAfter: when(options.finishedSince, "--finished-since"),
    finishedBefore: when(options.finishedUntil, "--finished-until"),
  };
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
