/** `workers` and `stats`: the state of the whole system. */
import type { Command } from "commander";
import type { Stats, Worker } from "../../shared/protocol.ts";
import { JOB_STATES, STATE_EMOJI } from "../../shared/states.ts";
import type { CliContext } from "./context.ts";
import { formatDuration } from "./duration.ts";
import { EXIT } from "./exit-codes.ts";
import type { Act } from "./act.ts";
import { renderTable } from "./table.ts";

export function registerCluster(program: Command, act: Act): void {
  const list = program
    .command("workers")
    .summary("list the workers the server knows")
    .action(act<[]>(workers));
  list
    .command("drain")
    .summary("ask a worker to drain: it stops claiming, finishes its running jobs and exits")
    .argument("<id>", "worker id (see `flowy-client workers`)")
    .action(act<[string]>(drain));
  program
    .command("stats")
    .summary("count jobs by state, queued jobs by tags, workers, and paused tags")
    .action(act<[]>(stats));
}

async function workers(ctx: CliContext): Promise<number> {
  const all = await ctx.client.workers();
  const { printer } = ctx;
  if (printer.style === "json") printer.json({ workers: all });
  else if (printer.quiet) for (const w of all) printer.out(w.id);
  else if (all.length === 0) printer.note("No workers yet. Start one with: daemon-flowy --server URL");
  else printer.out(workerTable(all, printer.pretty));
  return EXIT.succeeded;
}

export function workerTable(all: Worker[], pretty: boolean, now: number = Date.now()): string {
  const rows = all.map((w) => [
    w.id,
    workerStatus(w, pretty),
    `${w.running}/${w.capacity}`,
    w.tags.join(",") || "-",
    w.hostname,
    `${formatDuration(now - Date.parse(w.last_seen_at))} ago`,
  ]);
  return renderTable(["ID", "STATUS", "RUNNING", "TAGS", "HOST", "LAST SEEN"], rows);
}

async function drain(ctx: CliContext, id: string): Promise<number> {
  const worker = await ctx.client.drainWorker(id);
  const { printer } = ctx;
  if (printer.style === "json") printer.json(worker);
  else if (!printer.quiet) {
    printer.out(
      `${printer.icon("🚰")}Worker ${worker.id} is draining: no new jobs; it exits once its ${worker.running} running job(s) finish.`,
    );
  }
  return EXIT.succeeded;
}

function workerStatus(w: Worker, pretty: boolean): string {
  const status = w.draining && w.status === "active" ? "draining" : w.status;
  if (!pretty) return status;
  return `${status === "active" ? "🐜" : status === "draining" ? "🚰" : "💤"} ${status}`;
}

async function stats(ctx: CliContext): Promise<number> {
  const result = await ctx.client.stats();
  if (ctx.printer.style === "json") ctx.printer.json(result);
  else ctx.printer.out(formatStats(result, ctx.printer.pretty));
  return EXIT.succeeded;
}

export function formatStats(stats: Stats, pretty: boolean): string {
  const states = renderTable(
    ["STATE", "JOBS"],
    JOB_STATES.map((s) => [pretty ? `${STATE_EMOJI[s]} ${s}` : s, String(stats.states[s] ?? 0)]),
  );
  const paused = (stats.paused_tags ?? []).map((p) => p.tag);
  const queueName = (tags: string[]) =>
    (tags.join(",") || "(none)") + (tags.some((t) => paused.includes(t)) ? " (paused)" : "");
  const queues = stats.queues.length
    ? renderTable(
        ["TAGS", "PENDING"],
        stats.queues.map((q) => [queueName(q.tags), String(q.pending)]),
      )
    : "No jobs waiting for a worker.";
  const workers = `Workers: ${stats.workers.active} active, ${stats.workers.lost} lost`;
  const pausedLine = paused.length
    ? `${pretty ? "⏸️ " : ""}Paused tags: ${paused.join(", ")} (flowy-client resume --tag TAG)`
    : "Paused tags: none";
  return [states, "", queues, "", workers, pausedLine].join("\n");
}
