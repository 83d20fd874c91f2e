/**
 * What workers ask of the lease service, and what it answers, as records: camelCase, times as epoch
 * ms, failures as Error values. server/http/wire.ts maps them from and to the wire.
 */
import type { Task } from "../../shared/protocol.ts";
import type { JobRecord } from "./records.ts";

export interface WorkerRegistration {
  /** Absent on a worker's first registration: the service names it. */
  workerId?: string;
  hostname?: string;
  tags: string[];
  capacity: number;
  version: string | null;
}

export interface ClaimQuery {
  workerId: string;
  tags: string[];
  capacity: number;
  /** How long to wait for a job when none is pending (0: answer at once). */
  waitMs: number;
  claimId: string | null;
  /** How long the worker waits between SIGTERM and SIGKILL (the reaper waits it out after a timeout). */
  killGraceMs: number | null;
  /** The bundles the worker has installed (name@version), which jobs with spec.bundle need. */
  bundles: string[];
}

export type Outcome =
  | {
      kind: "complete";
      exitCode: number | null;
      outputs: Record<string, unknown>;
      durationMs: number | null;
      tasks: Task[] | null;
    }
  | {
      kind: "failed";
      message: string;
      exitCode: number | null;
      stderrTail: string | null;
      durationMs: number | null;
      /** The worker stopped the job at its timeout. */
      timedOut: boolean;
      retryable: boolean;
      tasks: Task[] | null;
    };

/** One entry of a worker's batched report: a heartbeat or an outcome, each under its own lease. */
export type ReportEntry =
  | { kind: "heartbeat"; jobId: string; leaseToken: string; tasks: Task[] | null }
  | { kind: "outcome"; jobId: string; leaseToken: string; outcome: Outcome };

/** A report entry's answer: the job as written, or why it was refused. */
export type ReportAnswer =
  | { jobId: string; ok: true; job: JobRecord; cancelRequested?: boolean }
  | { jobId: string; ok: false; error: unknown };

export interface HeartbeatAnswer {
  job: JobRecord;
  cancelRequested: boolean;
}
