/** `limits set KEY --concurrency N`, `limits list`, `limits delete KEY`: declared concurrency limits. */
import type { Command } from "commander";
import type { Limit } from "../../shared/protocol.ts";
import type { Act } from "./act.ts";
import type { CliContext } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import { integer } from "./option-parsers.ts";
import { renderTable } from "./table.ts";

export function registerLimits(program: Command, act: Act): void {
  const limits = program
    .command("limits")
    .summary("declare how many jobs of a concurrency key run at once")
    .description(
      "A job submitted with --concurrency-key K runs only while fewer than K's limit of K's jobs run, " +
        "across all workers and servers. The limit is the job's own --concurrency-limit, else the limit " +
        "declared here for the most specific pattern matching K (the exact key, then the longest glob), else 1.",
    );
  limits
    .command("set")
    .summary("declare (or change) the limit of the keys a pattern matches")
    .argument("<key>", "a concurrency key, or a glob with * (quote it: 'customer-*')")
    .requiredOption("--concurrency <n>", "how many jobs of each matching key may run at once", integer)
    .action(act<[string, { concurrency: number }]>(setLimit));
  limits.command("list").summary("list the declared limits").action(act<[]>(listLimits));
  limits
    .command("delete")
    .summary("delete a declared limit")
    .argument("<key>", "the pattern, as it was set")
    .action(act<[string]>(deleteLimit));
}

async function setLimit(ctx: CliContext, key: string, flags: { concurrency: number }): Promise<number> {
  const limit = await ctx.client.setLimit({ key, concurrency: flags.concurrency });
  const { printer } = ctx;
  if (printer.style === "json") printer.json(limit);
  else if (!printer.quiet) {
    printer.out(
      `${printer.icon("🚦")}At most ${limit.concurrency} running at once per key matching ${limit.key}.`,
    );
  }
  return EXIT.succeeded;
}

async function listLimits(ctx: CliContext): Promise<number> {
  const all = await ctx.client.limits();
  const { printer } = ctx;
  if (printer.style === "json") printer.json({ limits: all });
  else if (printer.quiet) for (const l of all) printer.out(l.key);
  else if (all.length === 0)
    printer.note("No limits declared. Declare one with: flowy-client limits set 'KEY-*' --concurrency N");
  else printer.out(limitTable(all));
  return EXIT.succeeded;
}

function limitTable(all: Limit[]): string {
  return renderTable(
    ["KEY", "CONCURRENCY"],
    all.map((l) => [l.key, String(l.concurrency)]),
  );
}

async function deleteLimit(ctx: CliContext, key: string): Promise<number> {
  const deleted = await ctx.client.deleteLimit(key);
  const { printer } = ctx;
  if (printer.style === "json") printer.json({ key, deleted });
  else if (!deleted) printer.note(`No limit was declared for ${key}; nothing to delete.`);
  else if (!printer.quiet) printer.out(`${printer.icon("🗑️")}Limit for ${key} deleted.`);
  return EXIT.succeeded;
}
