/**
 * Runs the schedule service's passes: it wakes at the soonest next tick it knows of, and at least
 * every `intervalMs` (a schedule created on another replica is then seen within that time). It
 * runs on every replica without an election: a tick is fired by whichever pass writes it first
 * (schedule-store.ts), so running it everywhere is correct and a dead replica stops nothing.
 */
import type { Logger } from "pino";
import type { JobRecord } from "../store/store.ts";
import type { Clock } from "./clock.ts";
import type { ScheduleService } from "./schedule-service.ts";

export interface ScheduleTickerOptions {
  intervalMs: number;
  logger: Logger;
  /** Runs the next pass after `delayMs` and answers how to call it off; tests drive passes by hand. */
  schedule?: (run: () => void, delayMs: number) => () => void;
}

const RETRY_MS = 250;

function scheduleWithTimer(run: () => void, delayMs: number): () => void {
  const timer = setTimeout(run, delayMs);
  timer.unref();
  return () => clearTimeout(timer);
}

export class ScheduleTicker {
  private readonly schedules: ScheduleService;
  private readonly clock: Clock;
  private readonly options: ScheduleTickerOptions;
  private cancelNext: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(schedules: ScheduleService, clock: Clock, options: ScheduleTickerOptions) {
    this.schedules = schedules;
    this.clock = clock;
    this.options = options;
  }

  start(): void {
    this.stopped = false;
    this.arm(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelNext?.();
    await this.running;
  }

  /** Wakes the ticker now (a schedule was created or resumed here): its first tick may be soon. */
  poke(): void {
    if (!this.stopped && !this.running) this.arm(0);
  }

  /** One pass; returns the jobs it enqueued. */
  tick(): Promise<JobRecord[]> {
    return this.schedules.fireDue();
  }

  private arm(delayMs: number): void {
    this.cancelNext?.();
    this.cancelNext = (this.options.schedule ?? scheduleWithTimer)(() => {
      this.running = this.tick()
        .then(() => undefined)
        .catch((error: unknown) => this.options.logger.error({ err: error }, "schedule pass failed"))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) void this.nextDelay().then((ms) => this.stopped || this.arm(ms));
        });
    }, delayMs);
  }

  private async nextDelay(): Promise<number> {
    const next = await this.schedules.nextTickAt().catch(() => null);
    const untilNext = next === null ? Number.POSITIVE_INFINITY : next - this.clock();
    // Still due after a pass means the pass failed on it (it logged why): try again soon, not at once.
    return Math.min(this.options.intervalMs, untilNext <= 0 ? RETRY_MS : untilNext);
  }
}
