/**
 * Job counters and histograms, fed by the service through the JobObserver interface. Each call
 * is a counter increment or a histogram observation: nothing here waits or allocates much.
 */
import { Counter, Histogram, type Registry } from "prom-client";
import { isLeased, isTerminal } from "../../shared/states.ts";
import type { JobObserver } from "../service/job-observer.ts";

const CLAIM_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 21_600];
const RUN_BUCKETS = [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14_400];

export function createJobMetrics(registry: Registry): JobObserver {
  const registers = [registry];
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name, help, labelNames, registers });
  const histogram = (name: string, help: string, buckets: number[], labelNames: string[] = []) =>
    new Histogram({ name, help, buckets, labelNames, registers });
  const submitted = counter(
    "flowy_jobs_submitted_total",
    "Jobs submitted (a repeated idempotent submit is not counted again).",
  );
  const claimed = counter("flowy_jobs_claimed_total", "Jobs leased to workers.");
  const finished = counter(
    "flowy_jobs_finished_total",
    "Jobs that reached a terminal state, by outcome (succeeded, failed, timed_out, canceled).",
    ["outcome"],
  );
  const retries = counter(
    "flowy_job_retries_total",
    "Attempts that ended and were scheduled to run again, by why the attempt ended.",
    ["reason"],
  );
  const leaseExpiries = counter(
    "flowy_lease_expiries_total",
    "Leases that expired because the worker stopped heartbeating.",
  );
  const claimSeconds = histogram(
    "flowy_claim_duration_seconds",
    "Time one claim statement takes in the store (not the long-poll wait).",
    CLAIM_BUCKETS,
  );
  const queueWait = histogram(
    "flowy_queue_wait_seconds",
    "From when a job could run (submitted, or its run_at) to when a worker claimed it.",
    WAIT_BUCKETS,
  );
  const runSeconds = histogram(
    "flowy_job_run_seconds",
    "Run time of one attempt, from claim to its end, by outcome (or retried).",
    RUN_BUCKETS,
    ["outcome"],
  );

  return {
    submitted() {
      submitted.inc();
    },
    claimed(jobs, seconds, now) {
      claimSeconds.observe(seconds);
      if (jobs.length === 0) return;
      claimed.inc(jobs.length);
      for (const job of jobs)
        queueWait.observe(Math.max(0, now - Math.max(job.createdAt, job.runAt ?? 0)) / 1000);
    },
    transitioned(transition, job) {
      const history = transition.history;
      if (!history) return;
      if (history.event.startsWith("lease_expired")) leaseExpiries.inc();
      const endedRun = history.from !== null && isLeased(history.from) && !isLeased(history.to);
      if (history.to === "scheduled" && endedRun) {
        retries.inc({ reason: history.event.startsWith("lease_expired") ? "lease_expired" : "failed" });
      }
      const finishedNow = isTerminal(history.to) && (history.from === null || !isTerminal(history.from));
      if (finishedNow) finished.inc({ outcome: history.to });
      if (endedRun && job.startedAt !== null) {
        const outcome = history.to === "scheduled" ? "retried" : history.to;
        // The store stamps updatedAt with the transition's time: the moment the attempt ended.
        runSeconds.observe({ outcome }, Math.max(0, job.updatedAt - job.startedAt) / 1000);
      }
    },
  };
}
