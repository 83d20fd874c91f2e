/**
 * Riding out a server that went away (a restart, a deploy, a network blip) in the loops that
 * outlive one request: waiting for a job and following its log. The transport already retries
 * each request a few times; this keeps trying beyond that, with capped backoff, for as long as
 * the caller allows. A server that was never reached is not waited for: that is more likely a
 * wrong URL than a restart, and the person should hear it at once.
 */
import { type FlowyError, isFlowyError } from "../shared/errors.ts";
import { sleep } from "../shared/sleep.ts";

/** Errors that mean "try again later", not "this request is wrong". */
export function isOutage(error: unknown): error is FlowyError {
  return (
    isFlowyError(error, "unreachable") ||
    isFlowyError(error, "unavailable") ||
    isFlowyError(error, "rate-limited")
  );
}

export interface ReconnectOptions {
  /** Keep trying this long after the server was first missed (ms; default 10 minutes). */
  reconnectForMs?: number;
  /** Called before each wait for the server to come back. */
  onReconnect?: (info: { error: FlowyError; attempt: number; delayMs: number }) => void;
  signal?: AbortSignal;
}

export const DEFAULT_RECONNECT_FOR_MS = 10 * 60_000;
const MIN_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;

export class Reconnector {
  private firstMissedAt: number | undefined;
  private attempt = 0;
  private everConnected: boolean;
  private readonly options: ReconnectOptions;

  constructor(options: ReconnectOptions = {}, everConnected = false) {
    this.options = options;
    this.everConnected = everConnected;
  }

  /** The server answered: the next outage starts its own clock. */
  connected(): void {
    this.everConnected = true;
    this.firstMissedAt = undefined;
    this.attempt = 0;
  }

  /** Rethrows `error` unless it is an outage still within budget; else waits before the retry. */
  async recover(error: unknown): Promise<void> {
    if (!isOutage(error) || !this.everConnected || this.options.signal?.aborted) throw error;
    const now = Date.now();
    this.firstMissedAt ??= now;
    if (now - this.firstMissedAt > (this.options.reconnectForMs ?? DEFAULT_RECONNECT_FOR_MS)) throw error;
    this.attempt += 1;
    const base = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** (this.attempt - 1));
    const delayMs = Math.round(base / 2 + Math.random() * (base / 2));
    this.options.onReconnect?.({ error, attempt: this.attempt, delayMs });
    await sleep(delayMs, this.options.signal);
  }
}
