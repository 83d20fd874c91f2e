/** `cancel ID`, `requeue ID`, `delete ID`: change a job's course. */
import type { Command } from "commander";
import type { Job } from "../../shared/protocol.ts";
import { cancelDelayNote } from "./cancel-delay.ts";
import type { CliContext } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import type { Act } from "./act.ts";

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
    program
      .command(control.name)
      .summary(control.summary)
      .argument("<id>", "job id")
      .action(
        act<[string]>(async (ctx, id) => {
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
