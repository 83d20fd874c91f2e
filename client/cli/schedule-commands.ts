/**
 * `schedule create|list|show|pause|resume|trigger|delete`: recurring jobs. `create` takes the same
 * options as `submit` for what the job runs (job-options.ts), plus when it runs.
 */
import { type Command, Option } from "commander";
import {
  CATCH_UP_POLICIES,
  type CreateSchedule,
  OVERLAP_POLICIES,
  type Schedule,
} from "../../shared/protocol.ts";
import type { Act } from "./act.ts";
import type { CliContext } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import { buildSubmitBody, type SubmitFlags } from "./job-input.ts";
import { addJobOptions } from "./job-options.ts";
import { positiveInteger } from "./option-parsers.ts";
import { renderTable } from "./table.ts";

interface CreateFlags extends SubmitFlags {
  cron: string;
  tz?: string;
  overlap?: CreateSchedule["overlap"];
  catchUp?: CreateSchedule["catch_up"];
  catchUpMax?: number;
  paused?: boolean;
}

export function registerSchedules(program: Command, act: Act): void {
  const schedule = program
    .command("schedule")
    .summary("recurring jobs: a cron expression and the job each tick enqueues")
    .description(
      "A schedule enqueues its job at each tick of a cron expression, read in a time zone (DST as croner " +
        "handles it). Each tick enqueues exactly one job, however many servers run and across restarts.",
    );
  addJobOptions(
    schedule
      .command("create")
      .summary("create a schedule")
      .argument("<name>", "the schedule's name (letters, digits, _ . : -)")
      .argument("[argv...]", "the command to run and its arguments (after --)")
      .requiredOption(
        "--cron <expr>",
        'five fields ("0 3 * * *"), or six with seconds first ("*/10 * * * * *")',
      ),
  )
    .option("--tz <zone>", "the IANA time zone the expression is read in (default UTC)")
    .addOption(
      new Option(
        "--overlap <policy>",
        "when the previous job has not finished: skip the tick (default), allow a second, or cancel-previous",
      ).choices(OVERLAP_POLICIES),
    )
    .addOption(
      new Option(
        "--catch-up <policy>",
        "ticks missed while the server was down: none, one (the latest; default) or all",
      ).choices(CATCH_UP_POLICIES),
    )
    .option(
      "--catch-up-max <n>",
      "with --catch-up all: at most this many missed ticks run (default 10)",
      positiveInteger,
    )
    .option("--paused", "create it paused (resume starts it)")
    .addHelpText(
      "after",
      '\nExample: flowy-client schedule create nightly --cron "0 3 * * *" --tz Europe/Berlin --tag etl -- ./etl.sh',
    )
    .action(act<[string, string[], CreateFlags]>(create));
  schedule.command("list").summary("list the schedules with their last and next ticks").action(act<[]>(list));
  schedule
    .command("show")
    .summary("a schedule: its next runs, its recent ticks and their jobs")
    .argument("<name>")
    .action(act<[string]>(show));
  for (const [verb, summary] of [
    ["pause", "stop a schedule's ticks (trigger still runs it)"],
    ["resume", "start a paused schedule again from its next tick"],
  ] as const) {
    schedule
      .command(verb)
      .summary(summary)
      .argument("<name>")
      .action(act<[string]>((ctx, name) => change(ctx, verb, name)));
  }
  schedule
    .command("trigger")
    .summary("enqueue the schedule's job now")
    .argument("<name>")
    .action(act<[string]>(trigger));
  schedule
    .command("delete")
    .summary("delete a schedule (its jobs stay)")
    .argument("<name>")
    .action(act<[string]>(remove));
}

async function create(ctx: CliContext, name: string, argv: string[], flags: CreateFlags): Promise<number> {
  const job = buildSubmitBody(argv, flags);
  const body: CreateSchedule = {
    name,
    cron: flags.cron,
    job,
    ...(flags.tz ? { tz: flags.tz } : {}),
    ...(flags.overlap ? { overlap: flags.overlap } : {}),
    ...(flags.catchUp ? { catch_up: flags.catchUp } : {}),
    ...(flags.catchUpMax !== undefined ? { catch_up_max: flags.catchUpMax } : {}),
    ...(flags.paused ? { paused: true } : {}),
  };
  const created = await ctx.client.createSchedule(body);
  const { printer } = ctx;
  if (printer.style === "json") printer.json(created);
  else if (printer.quiet) printer.out(created.name);
  else {
    printer.out(`${printer.icon("🗓️")}Schedule ${created.name} created: ${describe(created)}`);
    printer.out(`${printer.icon("📋")}View it: flowy-client schedule show ${created.name}`);
  }
  return EXIT.succeeded;
}

function describe(s: Schedule): string {
  const when = s.paused ? "paused" : `next run ${s.next_tick_at ?? "never"}`;
  return `"${s.cron}" in ${s.tz}, ${when} (overlap ${s.overlap}, catch-up ${s.catch_up})`;
}

async function list(ctx: CliContext): Promise<number> {
  const all = await ctx.client.schedules();
  const { printer } = ctx;
  if (printer.style === "json") printer.json({ schedules: all });
  else if (printer.quiet) for (const s of all) printer.out(s.name);
  else if (all.length === 0)
    printer.note(
      'No schedules. Create one with: flowy-client schedule create NAME --cron "0 3 * * *" -- CMD',
    );
  else
    printer.out(
      renderTable(
        ["NAME", "CRON", "TZ", "LAST", "NEXT", "LAST JOB"],
        all.map((s) => [
          s.name,
          s.cron,
          s.tz,
          s.last_tick_at ?? "-",
          s.paused ? "paused" : (s.next_tick_at ?? "-"),
          s.last_job_id ?? "-",
        ]),
      ),
    );
  return EXIT.succeeded;
}

async function show(ctx: CliContext, name: string): Promise<number> {
  const s = await ctx.client.schedule(name);
  const { printer } = ctx;
  if (printer.style === "json") {
    printer.json(s);
    return EXIT.succeeded;
  }
  const lines = [
    `${printer.icon("🗓️")}Schedule ${s.name}: ${describe(s)}`,
    `Last tick: ${s.last_tick_at ?? "none yet"}`,
    `Last job: ${s.last_job_id ? `${s.last_job_id} (${s.last_job_state ?? "removed"})` : "none yet"}`,
    `Next runs: ${s.next_runs?.length ? s.next_runs.join(", ") : "none (paused)"}`,
  ];
  for (const line of lines) printer.out(line);
  const recent = s.recent ?? [];
  if (recent.length > 0) {
    printer.out(
      renderTable(
        ["TICK", "JOB", "NOTE"],
        recent.map((t) => [`${t.tick_at}${t.manual ? " (trigger)" : ""}`, t.job_id ?? "-", t.note ?? ""]),
      ),
    );
  }
  return EXIT.succeeded;
}

async function change(ctx: CliContext, verb: "pause" | "resume", name: string): Promise<number> {
  const s = verb === "pause" ? await ctx.client.pauseSchedule(name) : await ctx.client.resumeSchedule(name);
  const { printer } = ctx;
  if (printer.style === "json") printer.json(s);
  else if (!printer.quiet)
    printer.out(`${printer.icon(verb === "pause" ? "⏸️" : "▶️")}Schedule ${s.name}: ${describe(s)}`);
  return EXIT.succeeded;
}

async function trigger(ctx: CliContext, name: string): Promise<number> {
  const job = await ctx.client.triggerSchedule(name);
  const { printer } = ctx;
  if (printer.style === "json") printer.json(job);
  else if (printer.quiet) printer.out(job.id);
  else
    printer.out(
      `${printer.icon("🚀")}Schedule ${name} triggered: job ${job.id} (flowy-client show ${job.id})`,
    );
  return EXIT.succeeded;
}

async function remove(ctx: CliContext, name: string): Promise<number> {
  const deleted = await ctx.client.deleteSchedule(name);
  const { printer } = ctx;
  if (printer.style === "json") printer.json({ name, deleted });
  else if (!deleted) printer.note(`No schedule named ${name}; nothing to delete.`);
  else if (!printer.quiet) printer.out(`${printer.icon("🗑️")}Schedule ${name} deleted (its jobs stay).`);
  return EXIT.succeeded;
}
