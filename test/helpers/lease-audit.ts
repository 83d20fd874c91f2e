/**
 * Checks a run's history for the lease guarantees: each attempt leased to one worker at a time
 * (no claim while a lease is held, attempts numbered 1, 2, … in order), and at most one completion
 * per job, made by the worker holding the lease of that attempt. Returns what it found wrong.
 */
export interface HistoryRow {
  job_id: string;
  event: string;
  from_state: string | null;
  to_state: string;
  worker_id: string | null;
  attempt: number;
}

const LEASED = new Set(["running", "cancelling"]);

/** `rows` ordered by job, then by when they happened. */
export function auditLeases(rows: HistoryRow[]): string[] {
  const problems: string[] = [];
  let job = "";
  let lease: { worker: string | null; attempt: number } | null = null;
  let lastAttempt = 0;
  let completions = 0;
  const finishJob = () => {
    if (job && completions > 1) problems.push(`${job}: completed ${completions} times`);
  };
  for (const row of rows) {
    if (row.job_id !== job) {
      finishJob();
      job = row.job_id;
      lease = null;
      lastAttempt = 0;
      completions = 0;
    }
    if (row.event === "claim") {
      if (lease)
        problems.push(
          `${job}: claimed by ${row.worker_id} while ${lease.worker} held attempt ${lease.attempt}`,
        );
      if (row.attempt !== lastAttempt + 1)
        problems.push(`${job}: attempt ${row.attempt} follows ${lastAttempt}`);
      lease = { worker: row.worker_id, attempt: row.attempt };
      lastAttempt = row.attempt;
      continue;
    }
    if (row.event === "complete") {
      completions++;
      if (!lease || lease.worker !== row.worker_id || lease.attempt !== row.attempt)
        problems.push(
          `${job}: completed by ${row.worker_id} (attempt ${row.attempt}) without holding the lease`,
        );
    }
    if (row.from_state && LEASED.has(row.from_state) && !LEASED.has(row.to_state)) lease = null;
  }
  finishJob();
  return problems;
}
