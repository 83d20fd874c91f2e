/**
 * `cancel ID`, `requeue ID`, `delete ID`: change a job's course; with search flags instead of an
 * id (`requeue --state failed --tag etl --since 1h`), every matching job (bulk-command.ts).
 */
import type { Command } from "commander";
import type { Job } from "../../shared/protocol.ts";
import { cancelDelayNote } from "./cancel-delay.ts";
import type { CliContext } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import type { Act } from "./act.ts";
import { type BulkOptions, runBulk } from "./bulk-command.ts";
import { addSearchOptions, hasSearch } from "./search-options.ts";
import { FlowyError } from "../../shared/errors.ts";

interface Control {
  name: "cancel" | "requeue" | "delete";
  summary: string;
  call: (ctx: CliContext, id: string) => Promise<Job>;
  done: (job: Job) => [emoji: string, text: string];
}

const CONTROLS: Control[] = [
  {
    name: "cancel",
    summary: "cancel a job (a running one is asked to stop)",
    call: (ctx, id) => ctx.client.cancel(id),
    done: (job) =>
      job.state === "cancelling"
        ? ["🛑", `Cancellation requested for job ${job.id}: ${cancelDelayNote(job)}.`]
        : job.state === "succeeded"
          ? ["✅", `Job ${job.id} had already succeeded.`]
          : ["🛑", `Job ${job.id} canceled.`],
  },
  {
    name: "requeue",
    summary: "run a finished (or deleted) job again",
    call: (ctx, id) => ctx.client.requeue(id),
    done: (job) => ["🔁", `Job ${job.id} requeued: ${job.state}.`],
  },
  {
    name: "delete",
    summary: "delete a job that is not running (requeue brings it back)",
    call: (ctx, id) => ctx.client.delete(id),
    done: (job) => ["🗑️", `Job ${job.id} deleted.`],
  },
];

export function registerControl(program: Command, act: Act): void {
  for (const control of CONTROLS) {
    const command = program
      .command(control.name)
      .summary(`${control.summary}; with search flags, every matching job`)
      .argument("[id]", "job id (or none, with search flags)");
    addSearchOptions(command, "--id-prefix <prefix>")
      .option("--yes", "with search flags: act without asking for confirmation")
      .action(
        act<[string | undefined, BulkOptions & { idPrefix?: string }]>(async (ctx, id, options) => {
          const search = { ...options, id: options.idPrefix };
          if (id !== undefined && hasSearch(search)) {
            throw new FlowyError(
              "invalid-request",
              `Give a job id or search flags, not both`,
              `${control.name} ${id} acts on that job; ${control.name} --state … acts on every match.`,
            );
          }
          if (id === undefined) {
            if (!hasSearch(search)) {
              throw new FlowyError(
                "invalid-request",
                `${control.name} needs a job id, or search flags for every matching job`,
                `E.g. flowy-client ${control.name} 01k9…, or flowy-client ${control.name} --state failed --since 1h`,
              );
            }
            return runBulk(ctx, control.name, search);
          }
          const job = await control.call(ctx, id);
          const { printer } = ctx;
          if (printer.style === "json") printer.json(job);
          else if (!printer.quiet) {
            const [emoji, text] = control.done(job);
            printer.out(`${printer.icon(emoji)}${text}`);
          }
          return EXIT.succeeded;
        }),
      );
  }
}
