/**
 * What the service tells observers (the metrics) about jobs as it writes them. Calls are made
 * after the write committed and must be cheap and never throw: they sit on the hot path.
 */
import type { JobRecord, Transition } from "../store/store.ts";

export interface JobObserver {
  /** A new job was stored (not a repeated idempotent submit). */
  submitted(job: JobRecord): void;
  /** One claim statement ran for `seconds` and leased `jobs` (possibly none) at `now`. */
  claimed(jobs: JobRecord[], seconds: number, now: number): void;
  /** A guarded transition was applied; `job` is the job after it. */
  transitioned(transition: Transition, job: JobRecord): void;
}

export const NO_OBSERVER: JobObserver = {
  submitted() {},
  claimed() {},
  transitioned() {},
};
