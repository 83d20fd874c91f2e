/**
 * The daemon's end of the control request: one long poll at a time, so the server can tell it at
 * once that a job it runs is being canceled, or that it should drain — a cancel then reaches the
 * job's process in well under a second instead of at the next heartbeat (lease_s/2). Heartbeats
 * still carry cancel_requested, so a lost control answer only costs that wait.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { isFlowyError } from "../../shared/errors.ts";
import type { ControlAnswer } from "../../shared/protocol.ts";
import { retryDelayMs } from "../../shared/retry-policy.ts";

export interface ControlChannelOptions {
  control: (known: ControlAnswer, waitS: number, signal: AbortSignal) => Promise<ControlAnswer>;
  /** The server is canceling this job: stop it. */
  onCancel: (jobId: string) => void;
  /** An operator asked this worker to drain. Called once. */
  onDrain: () => void;
  logger: Logger;
  waitS?: number;
}

const BACKOFF = { initial_s: 0.5, max_s: 15, factor: 2 };

export class ControlChannel {
  private readonly options: ControlChannelOptions;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(options: ControlChannelOptions) {
    this.options = options;
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { control, onCancel, onDrain, logger } = this.options;
    let known: ControlAnswer = { cancel: [], drain: false };
    let failures = 0;
    while (!this.abort.signal.aborted) {
      try {
        const answer = await control(known, this.options.waitS ?? 30, this.abort.signal);
        failures = 0;
        const seen = new Set(known.cancel);
        for (const id of answer.cancel) if (!seen.has(id)) onCancel(id);
        if (answer.drain && !known.drain) onDrain();
        known = { cancel: answer.cancel, drain: known.drain || answer.drain };
      } catch (error) {
        if (this.abort.signal.aborted) break;
        if (isFlowyError(error, "not-found")) {
          logger.warn("the server has no control request (an older version): cancels wait for heartbeats");
          break;
        }
        failures++;
        const delay = retryDelayMs(failures, BACKOFF);
        logger.warn(
          { err: (error as Error).message, retry_in_ms: delay },
          "control request failed; retrying",
        );
        await sleep(delay, undefined, { signal: this.abort.signal }).catch(() => undefined);
      }
    }
  }
}
