/**
 * Turns how a job's process ended (and why, if the daemon stopped it) into the complete or
 * failed report item the server gets: exit code, duration, outputs, the output tail.
 */
import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { ClaimedJob, ReportItem } from "../shared/protocol.ts";
import type { ExitInfo } from "./process/executor.ts";
import type { JobDir } from "./process/job-dir.ts";
import { readTail } from "./leases/log-shipper.ts";

/** Why the daemon stopped a job before it ended by itself. */
export type StopReason =
  | { kind: "timeout" }
  | { kind: "cancel" }
  | { kind: "lease"; detail: string }
  | { kind: "shutdown"; detail: string }
  | { kind: "vanished" };

const MAX_OUTPUTS_BYTES = 1_048_576;
const TAIL_BYTES = 4096;

export async function decideOutcome(
  dir: JobDir,
  job: ClaimedJob,
  exit: ExitInfo,
  stopped: StopReason | undefined,
  durationMs: number,
): Promise<ReportItem> {
  const base = { job_id: job.id, lease_token: job.lease_token, duration_ms: Math.max(0, durationMs) };
  if (!stopped && exit.exitCode === 0) {
    const outputs = await readOutputs(dir);
    if (outputs.ok) return { ...base, kind: "complete", exit_code: 0, outputs: outputs.value };
    return { ...base, kind: "failed", exit_code: 0, message: outputs.message, retryable: false };
  }
  const failure = describeFailure(job, exit, stopped);
  return {
    ...base,
    kind: "failed",
    exit_code: exit.exitCode,
    stderr_tail: (await readTail(dir.file("log"), TAIL_BYTES)) || null,
    ...failure,
  };
}

/** A failure this daemon decided on before the job ran at all (bad spec, missing cwd...). */
export function setupFailure(job: ClaimedJob, message: string, retryable: boolean): ReportItem {
  return { kind: "failed", job_id: job.id, lease_token: job.lease_token, message, retryable, duration_ms: 0 };
}

function describeFailure(
  job: ClaimedJob,
  exit: ExitInfo,
  stopped: StopReason | undefined,
): { message: string; retryable?: boolean; timed_out?: boolean } {
  switch (stopped?.kind) {
    case "timeout":
      return {
        message: `timed out after ${job.timeout_s}s: the job's process group was stopped (SIGTERM, then SIGKILL)`,
        timed_out: true,
      };
    case "cancel":
      return { message: "canceled: the job's process group was stopped", retryable: false };
    case "lease":
      return { message: `stopped because its lease was lost: ${stopped.detail}`, retryable: true };
    case "shutdown":
      return { message: stopped.detail, retryable: true };
    case "vanished":
      return {
        message:
          "the job's process was gone when daemon-flowy restarted and it left no exit status " +
          "(killed along with the daemon, or the host rebooted)",
        retryable: true,
      };
    default:
      break;
  }
  if (exit.exitCode !== null) return { message: `exited with status ${exit.exitCode}` };
  if (exit.signal) return { message: `killed by ${exit.signal}` };
  return { message: "ended without recording an exit status (killed by a signal)" };
}

type Outputs = { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

async function readOutputs(dir: JobDir): Promise<Outputs> {
  const path = dir.file("outputs");
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info) return { ok: true, value: {} };
  if (info.size > MAX_OUTPUTS_BYTES) {
    return { ok: false, message: `$FLOWY_OUTPUTS is ${info.size} bytes; outputs are limited to 1 MiB` };
  }
  const text = await readFile(path, "utf8");
  if (text.trim() === "") return { ok: true, value: {} };
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === "object" && !Array.isArray(value)) {
      return { ok: true, value: value as Record<string, unknown> };
    }
    return { ok: false, message: '$FLOWY_OUTPUTS must hold a JSON object, like {"key": "value"}' };
  } catch (error) {
    return { ok: false, message: `$FLOWY_OUTPUTS is not valid JSON: ${(error as Error).message}` };
  }
}
