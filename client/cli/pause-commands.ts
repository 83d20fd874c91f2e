/** `pause --tag T` and `resume --tag T`: hold back (or let go) every job carrying a tag. */
import type { Command } from "commander";
import type { Act } from "./act.ts";
import type { CliContext } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import { collectList } from "./option-parsers.ts";

interface TagFlags {
  tag?: string[];
}

export function registerPause(program: Command, act: Act): void {
  program
    .command("pause")
    .summary("stop claims of jobs carrying a tag (running ones finish)")
    .requiredOption("--tag <tag>", "the tag to pause (repeatable, or comma-separated)", collectList)
    .addHelpText("after", "\nPaused tags are listed by `flowy-client stats`; `resume --tag` undoes it.")
    .action(act<[TagFlags]>(pause));
  program
    .command("resume")
    .summary("let jobs carrying a paused tag be claimed again")
    .requiredOption("--tag <tag>", "the tag to resume (repeatable, or comma-separated)", collectList)
    .action(act<[TagFlags]>(resume));
}

async function pause(ctx: CliContext, flags: TagFlags): Promise<number> {
  const paused = [];
  for (const tag of flags.tag ?? []) paused.push(await ctx.client.pause(tag));
  const { printer } = ctx;
  if (printer.style === "json") printer.json({ paused_tags: paused });
  else if (!printer.quiet) {
    for (const p of paused) {
      printer.out(`${printer.icon("⏸️")}Tag ${p.tag} paused (since ${p.paused_at}): its jobs wait.`);
    }
  }
  return EXIT.succeeded;
}

async function resume(ctx: CliContext, flags: TagFlags): Promise<number> {
  const results = [];
  for (const tag of flags.tag ?? []) results.push({ tag, resumed: await ctx.client.resume(tag) });
  const { printer } = ctx;
  if (printer.style === "json") printer.json({ resumed: results });
  else if (!printer.quiet) {
    for (const r of results) {
      printer.out(
        r.resumed
          ? `${printer.icon("▶️")}Tag ${r.tag} resumed: its jobs can be claimed again.`
          : `Tag ${r.tag} was not paused.`,
      );
    }
  }
  return EXIT.succeeded;
}
