/**
 * The options that say what a job runs and how (everything a submit body holds but when it runs and
 * after what): shared by `submit` and `schedule create`, so a schedule's job is written exactly as
 * a submitted one. buildSubmitBody (job-input.ts) reads them.
 */
import type { Command } from "commander";
import { collect, collectList, integer } from "./option-parsers.ts";

export function addJobOptions(command: Command): Command {
  return command
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
    .option("--concurrency-key <key>", "at most a limit of the jobs with this key run at once (see: limits)")
    .option(
      "--concurrency-limit <n>",
      "this job's limit for its key (default: a declared limit, else 1)",
      integer,
    );
}
