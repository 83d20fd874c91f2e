/**
 * The records of jobs this server leased, as it last wrote them: a worker's report is decided on
 * the record its claim (or its last heartbeat) answered with, without reading the job again. A
 * stale record costs only a retry, never a wrong write: every transition is guarded by the
 * version it was decided on, so a job someone else changed meanwhile (a cancel, the reaper,
 * another replica) fails the guard and is decided again on a fresh read.
 */
import type { JobRecord } from "../store/store.ts";

/** Enough for every slot of a large fleet; a lease its worker never reports on ages out. */
const DEFAULT_LIMIT = 20_000;

export class LeasedRecords {
  private readonly records = new Map<string, JobRecord>();
  private readonly limit: number;

  constructor(limit = DEFAULT_LIMIT) {
    this.limit = limit;
  }

  get size(): number {
    return this.records.size;
  }

  remember(jobs: readonly JobRecord[]): void {
    for (const job of jobs) {
      // Re-inserted at the end, so the oldest entry is the first to go.
      this.records.delete(job.id);
      this.records.set(job.id, job);
    }
    for (const id of this.records.keys()) {
      if (this.records.size <= this.limit) break;
      this.records.delete(id);
    }
  }

  get(id: string): JobRecord | undefined {
    return this.records.get(id);
  }

  forget(id: string): void {
    this.records.delete(id);
  }
}
