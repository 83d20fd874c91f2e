/** `flowy-client show`: everything a person asks about one job, in the order they ask it. */
import type { HistoryEntry, Job } from "../../shared/protocol.ts";
import { formatDuration } from "./duration.ts";
import { describeSpec, errorLines, jobDuration, stateLabel, tasksDone } from "./job-format.ts";
import { renderTaskTree } from "./task-tree.ts";

export function formatJobDetails(job: Job, pretty: boolean, now: number = Date.now()): string {
  const took = jobDuration(job, now);
  const fields: Array<[string, string | null | undefined]> = [
    ["State", stateLabel(job.state, pretty)],
    ["Runs", describeSpec(job.spec)],
    ["Attempt", `${job.attempt} of ${job.max_attempts}`],
    ["Worker", job.worker_id],
    ["Tags", job.tags.length ? job.tags.join(", ") : null],
    ["Priority", job.priority !== 0 ? String(job.priority) : null],
    ["Inputs", Object.keys(job.inputs).length ? JSON.stringify(job.inputs) : null],
    ["After", job.parent_id],
    ["Created", timeAndAge(job.created_at, now)],
    ["Run at", job.run_at && job.state === "scheduled" ? timeAndAge(job.run_at, now) : null],
    ["Started", job.started_at ? timeAndAge(job.started_at, now) : null],
    ["Finished", job.finished_at ? timeAndAge(job.finished_at, now) : null],
    ["Duration", took !== undefined ? formatDuration(took) : null],
    ["Lease until", job.lease_expires_at],
    ["Exit code", job.result?.exit_code != null ? String(job.result.exit_code) : null],
    [
      "Outputs",
      job.result?.outputs && Object.keys(job.result.outputs).length
        ? JSON.stringify(job.result.outputs)
        : null,
    ],
  ];
  const shown = fields.filter((f): f is [string, string] => Boolean(f[1]));
  const width = Math.max(...shown.map(([k]) => k.length)) + 1;
  const lines = [
    `${pretty ? "🐇 " : ""}Job ${job.id} (${job.name})`,
    ...shown.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`),
  ];
  const error = errorLines(job);
  if (error.length) lines.push("", ...error);
  const progress = tasksDone(job);
  if (job.tasks?.length && progress) {
    lines.push("", `Tasks (${progress.done}/${progress.total} done):`);
    lines.push(...renderTaskTree(job.tasks, pretty).map((l) => `  ${l}`));
  }
  if (job.history?.length) lines.push("", "History:", ...job.history.map((h) => `  ${historyLine(h)}`));
  return lines.join("\n");
}

function historyLine(entry: HistoryEntry): string {
  const move = entry.from ? `${entry.from} -> ${entry.to}` : `-> ${entry.to}`;
  const who = [
    entry.attempt > 0 ? `attempt ${entry.attempt}` : "",
    entry.worker_id ? `worker ${entry.worker_id}` : "",
  ].filter(Boolean);
  const reason = entry.reason ? `: ${entry.reason}` : "";
  return `${entry.at}  ${move.padEnd(24)} ${entry.event}${who.length ? ` (${who.join(", ")})` : ""}${reason}`;
}

function timeAndAge(iso: string, now: number): string {
  const delta = now - Date.parse(iso);
  const age = delta >= 0 ? `${formatDuration(delta)} ago` : `in ${formatDuration(-delta)}`;
  return `${iso} (${age})`;
}
