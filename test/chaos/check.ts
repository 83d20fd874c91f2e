/**
 * The chaos suite's verdict, decided on data alone (no timing): what the clients were told
 * (acknowledged submits), what the server says now (each job and its history), what the jobs
 * themselves wrote (the ledger: `id attempt start` when an attempt starts, `id attempt start end`
 * when it finishes) and when each daemon was stopped or dead (the fault log).
 */

import { isLeased, TERMINAL_STATES, transitionTable } from "../../shared/states.ts";

export interface HistoryEntry {
  event: string;
  worker_id?: string | null;
  at?: string;
}

export interface FinalJob {
  id: string;
  state: string;
  attempt: number;
  history: HistoryEntry[];
}

export interface LedgerRun {
  id: string;
  attempt: number;
  start: number;
  end?: number;
}

/** A span of time during which a daemon could not fence its jobs (SIGSTOPped, or dead). */
export interface Blackout {
  workerId: string;
  from: number;
  to: number;
}

export interface Row {
  name: string;
  count: number;
  /** Counted for information only: not a violation. */
  reportedOnly?: boolean;
}

const TERMINAL = new Set<string>(TERMINAL_STATES);
/** Events that end a lease: from a leased state to one that is not (shared/states.ts decides). */
const ENDS_LEASE = new Set<string>(
  transitionTable()
    .filter((t) => isLeased(t.from) && !isLeased(t.to))
    .map((t) => t.event),
);

export function parseLedger(text: string): LedgerRun[] {
  const runs = new Map<string, LedgerRun>();
  for (const line of text.split("\n")) {
    const [id, attempt, start, end] = line.trim().split(" ");
    if (!id || !attempt || !start) continue;
    const key = `${id} ${attempt}`;
    const run = runs.get(key) ?? { id, attempt: Number(attempt), start: Number(start) };
    if (end !== undefined) run.end = Number(end);
    runs.set(key, run);
  }
  return [...runs.values()];
}

/** Which worker ran each attempt, from the claims in the history (a release gives the attempt back). */
export function attemptWorkers(job: FinalJob): Map<number, string> {
  const workers = new Map<number, string>();
  let attempt = 0;
  for (const entry of job.history) {
    if (entry.event === "claim") workers.set(++attempt, entry.worker_id ?? "");
    else if (entry.event === "release") attempt--;
    else if (entry.event === "requeue") attempt = 0;
  }
  return workers;
}

/** Completions the server accepted from a worker that no longer held the lease. */
export function staleCompletions(job: FinalJob): number {
  let holder: string | null = null;
  let stale = 0;
  for (const entry of job.history) {
    if (entry.event === "claim") holder = entry.worker_id ?? null;
    else if (entry.event === "complete") {
      if (holder === null || holder !== entry.worker_id) stale++;
      holder = null;
    } else if (ENDS_LEASE.has(entry.event)) holder = null;
  }
  return stale;
}

export interface Overlaps {
  fenced: number;
  excused: number;
}

/**
 * Pairs of attempts of one job whose ledger intervals overlap. One is excused when the worker of
 * the earlier attempt was stopped or dead during it: nothing could fence that process (a known
 * gap, reported only); any other overlap is a violation.
 */
export function overlaps(runs: LedgerRun[], jobs: Map<string, FinalJob>, blackouts: Blackout[]): Overlaps {
  const byJob = new Map<string, LedgerRun[]>();
  for (const run of runs) byJob.set(run.id, [...(byJob.get(run.id) ?? []), run]);
  const result = { fenced: 0, excused: 0 };
  for (const [id, list] of byJob) {
    const workers = jobs.get(id) ? attemptWorkers(jobs.get(id)!) : new Map<number, string>();
    const finished = list.filter((r) => r.end !== undefined).sort((a, b) => a.start - b.start);
    for (let i = 0; i < finished.length; i++) {
      for (let j = i + 1; j < finished.length; j++) {
        const [a, b] = [finished[i]!, finished[j]!];
        if (b.start >= a.end!) continue;
        const worker = workers.get(a.attempt);
        const excused = blackouts.some((x) => x.workerId === worker && x.from < a.end! && x.to > a.start);
        if (excused) result.excused++;
        else result.fenced++;
      }
    }
  }
  return result;
}

export function verdict(input: {
  acknowledged: Set<string>;
  jobs: Map<string, FinalJob>;
  ledger: LedgerRun[];
  blackouts: Blackout[];
}): Row[] {
  const { acknowledged, jobs, ledger, blackouts } = input;
  const lost = [...acknowledged].filter((id) => !jobs.has(id)).length;
  const unacknowledged = new Set(ledger.filter((r) => !acknowledged.has(r.id)).map((r) => r.id)).size;
  let stale = 0;
  let notTerminal = 0;
  let succeededUnrun = 0;
  for (const job of jobs.values()) {
    stale += staleCompletions(job);
    if (!TERMINAL.has(job.state)) notTerminal++;
    if (
      job.state === "succeeded" &&
      !ledger.some((r) => r.id === job.id && r.attempt === job.attempt && r.end)
    ) {
      succeededUnrun++;
    }
  }
  const overlap = overlaps(ledger, jobs, blackouts);
  return [
    { name: "acknowledged jobs lost", count: lost },
    { name: "ledger jobs never acknowledged", count: unacknowledged },
    { name: "completions accepted on a stale lease", count: stale },
    { name: "overlapping attempts while the daemon could fence", count: overlap.fenced },
    { name: "jobs not terminal", count: notTerminal },
    { name: "succeeded without a finished run of that attempt", count: succeededUnrun },
    {
      name: "overlapping attempts, daemon stopped or dead (known gap)",
      count: overlap.excused,
      reportedOnly: true,
    },
    {
      name: "attempts started, never finished (killed)",
      count: ledger.filter((r) => !r.end).length,
      reportedOnly: true,
    },
  ];
}

export function formatTable(rows: Row[]): string {
  const width = Math.max(...rows.map((r) => r.name.length));
  const lines = [
    `| ${"invariant".padEnd(width)} | count | verdict       |`,
    `| ${"-".repeat(width)} | ----- | ------------- |`,
  ];
  for (const row of rows) {
    const verdictText = row.reportedOnly ? "reported only" : row.count === 0 ? "ok" : "VIOLATED";
    lines.push(
      `| ${row.name.padEnd(width)} | ${String(row.count).padStart(5)} | ${verdictText.padEnd(13)} |`,
    );
  }
  return lines.join("\n");
}
