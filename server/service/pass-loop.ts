/**
 * The loop behind the server's background passes (the reaper, the schedule ticker): one pass at a
 * time, the next armed only once the last has ended, after the delay its owner asks for then. A
 * failed pass is logged and the loop goes on; stop() calls off the next pass and waits for the
 * running one, so a server that stops leaves no pass writing behind it.
 */
import type { Logger } from "pino";

/** Runs the next pass after `delayMs` and answers how to call it off; tests drive passes by hand. */
export type SchedulePass = (run: () => void, delayMs: number) => () => void;

function scheduleWithTimer(run: () => void, delayMs: number): () => void {
  const timer = setTimeout(run, delayMs);
  timer.unref();
  return () => clearTimeout(timer);
}

export interface PassLoopOptions {
  logger: Logger;
  /** The log message when a pass fails ("reaper tick failed"). */
  failureMessage: string;
  schedule?: SchedulePass;
}

/** A subclass says what one pass is (`tick`) and how long to wait after one (`nextDelay`). */
export abstract class PassLoop {
  private readonly loopOptions: PassLoopOptions;
  private cancelNext: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(options: PassLoopOptions) {
    this.loopOptions = options;
  }

  /** One pass; the loop does not use its answer. */
  abstract tick(): Promise<unknown>;

  /** How long after a pass has ended the next one starts. */
  protected abstract nextDelay(): Promise<number>;

  start(): void {
    this.stopped = false;
    this.arm(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelNext?.();
    await this.running;
  }

  /** Runs a pass now, unless one is running (it arms the next itself) or the loop is stopped. */
  poke(): void {
    if (!this.stopped && !this.running) this.arm(0);
  }

  private arm(delayMs: number): void {
    const { logger, failureMessage, schedule = scheduleWithTimer } = this.loopOptions;
    this.cancelNext?.();
    this.cancelNext = schedule(() => {
      this.running = this.tick()
        .then(() => undefined)
        .catch((error: unknown) => logger.error({ err: error }, failureMessage))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) void this.nextDelay().then((ms) => this.stopped || this.arm(ms));
        });
    }, delayMs);
  }
}
