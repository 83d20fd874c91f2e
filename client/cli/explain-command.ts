/** `flowy-client explain ID`: why a job is not running, in one sentence. */
import type { Command } from "commander";
import type { Act } from "./act.ts";
import type { CliContext } from "./context.ts";
import { EXIT } from "./exit-codes.ts";

export function registerExplain(program: Command, act: Act): void {
  program
    .command("explain")
    .summary("say why a job is not running (paused tag, no worker with its tags, key at its limit, …)")
    .argument("<id>", "job id")
    .action(act<[string]>(explain));
}

async function explain(ctx: CliContext, id: string): Promise<number> {
  const answer = await ctx.client.explain(id);
  const { printer } = ctx;
  if (printer.style === "json") printer.json(answer);
  else printer.out(`${printer.icon("🔎")}${answer.message}`);
  return EXIT.succeeded;
}
