/**
 * Runs the schedule service's passes: it wakes at the soonest next tick it knows of, and at least
 * every `intervalMs` (a schedule created on another replica is then seen within that time). It
 * runs on every replica without an election: a tick is fired by whichever pass writes it first
 * (schedule-store.ts), so running it everywhere is correct and a dead replica stops nothing.
 */
import type { Logger } from "pino";
import type { JobRecord } from "../store/store.ts";
import type { Clock } from "./clock.ts";
import { PassLoop, type SchedulePass } from "./pass-loop.ts";
import type { ScheduleService } from "./schedule-service.ts";

export interface ScheduleTickerOptions {
  intervalMs: number;
  logger: Logger;
  schedule?: SchedulePass;
}

const RETRY_MS = 250;

export class ScheduleTicker extends PassLoop {
  private readonly schedules: ScheduleService;
  private readonly clock: Clock;
  private readonly options: ScheduleTickerOptions;

  constructor(schedules: ScheduleService, clock: Clock, options: ScheduleTickerOptions) {
    super({ ...options, failureMessage: "schedule pass failed" });
    this.schedules = schedules;
    this.clock = clock;
    this.options = options;
  }

  /** One pass; returns the jobs it enqueued. */
  tick(): Promise<JobRecord[]> {
    return this.schedules.fireDue();
  }

  protected async nextDelay(): Promise<number> {
    const next = await this.schedules.nextTickAt().catch(() => null);
    const untilNext = next === null ? Number.POSITIVE_INFINITY : next - this.clock();
    // Still due after a pass means the pass failed on it (it logged why): try again soon, not at once.
    return Math.min(this.options.intervalMs, untilNext <= 0 ? RETRY_MS : untilNext);
  }
}
