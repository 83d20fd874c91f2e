/**
 * `limits set KEY [--concurrency N] [--rate N/min]`, `limits list`, `limits delete KEY`: declared
 * limits per concurrency key.
 */
import type { Command } from "commander";
import { FlowyError } from "../../shared/errors.ts";
import type { Limit } from "../../shared/protocol.ts";
import type { Act } from "./act.ts";
import type { CliContext } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import { integer, rate } from "./option-parsers.ts";
import { renderTable } from "./table.ts";

export function registerLimits(program: Command, act: Act): void {
  const limits = program
    .command("limits")
    .summary("declare how many jobs of a concurrency key run at once, and how often they start")
    .description(
      "A job submitted with --concurrency-key K runs only while fewer than K's limit of K's jobs run, " +
        "across all workers and servers. The limit is the job's own --concurrency-limit, else the limit " +
        "declared here for the most specific pattern matching K (the exact key, then the longest glob), else 1. " +
        "A rate (--rate 100/min) lets at most that many of K's jobs start in any window of that length; " +
        "jobs over it wait, and start when the window frees a start.",
    );
  limits
    .command("set")
    .summary("declare (or replace) the limit of the keys a pattern matches")
    .argument("<key>", "a concurrency key, or a glob with * (quote it: 'customer-*')")
    .option("--concurrency <n>", "how many jobs of each matching key may run at once", integer)
    .option("--rate <n/unit>", "how many jobs of each matching key may start per s, min or h (100/min)", rate)
    .action(act<[string, LimitFlags]>(setLimit));
  limits.command("list").summary("list the declared limits").action(act<[]>(listLimits));
  limits
    .command("delete")
    .summary("delete a declared limit")
    .argument("<key>", "the pattern, as it was set")
    .action(act<[string]>(deleteLimit));
}

interface LimitFlags {
  concurrency?: number;
  rate?: string;
}

async function setLimit(ctx: CliContext, key: string, flags: LimitFlags): Promise<number> {
  const { printer } = ctx;
  if (flags.concurrency === undefined && flags.rate === undefined) {
    throw new FlowyError(
      "invalid-request",
      "A limit needs --concurrency N, --rate N/min, or both",
      `flowy-client limits set '${key}' --rate 100/min`,
    );
  }
  const limit = await ctx.client.setLimit({ key, concurrency: flags.concurrency, rate: flags.rate });
  if (printer.style === "json") printer.json(limit);
  else if (!printer.quiet) printer.out(`${printer.icon("🚦")}${describeLimit(limit)}`);
  return EXIT.succeeded;
}

function describeLimit(limit: Limit): string {
  const parts = [];
  if (limit.concurrency !== null) parts.push(`at most ${limit.concurrency} running at once`);
  if (limit.rate !== null) parts.push(`at most ${limit.rate.replace("/", " starts per ")}`);
  const what = parts.join(" and ");
  return `${what.charAt(0).toUpperCase()}${what.slice(1)} per key matching ${limit.key}.`;
}

async function listLimits(ctx: CliContext): Promise<number> {
  const all = await ctx.client.limits();
  const { printer } = ctx;
  if (printer.style === "json") printer.json({ limits: all });
  else if (printer.quiet) for (const l of all) printer.out(l.key);
  else if (all.length === 0)
    printer.note(
      "No limits declared. Declare one with: flowy-client limits set 'KEY-*' --concurrency N (or --rate N/min)",
    );
  else printer.out(limitTable(all));
  return EXIT.succeeded;
}

function limitTable(all: Limit[]): string {
  return renderTable(
    ["KEY", "CONCURRENCY", "RATE", "STARTS IN WINDOW"],
    all.map((l) => [
      l.key,
      l.concurrency === null ? "-" : String(l.concurrency),
      l.rate ?? "-",
      l.rate === null ? "-" : windowStarts(l),
    ]),
  );
}

/** The busiest matching key's starts in its current window, of the rate's limit. */
function windowStarts(l: Limit): string {
  const of = `${l.window_starts ?? 0}/${l.rate!.split("/")[0]}`;
  return l.window_key ? `${of} (${l.window_key})` : of;
}

async function deleteLimit(ctx: CliContext, key: string): Promise<number> {
  const deleted = await ctx.client.deleteLimit(key);
  const { printer } = ctx;
  if (printer.style === "json") printer.json({ key, deleted });
  else if (!deleted) printer.note(`No limit was declared for ${key}; nothing to delete.`);
  else if (!printer.quiet) printer.out(`${printer.icon("🗑️")}Limit for ${key} deleted.`);
  return EXIT.succeeded;
}
