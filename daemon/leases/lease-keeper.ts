/**
 * Keeps the leases of the jobs this daemon runs: a heartbeat per job every lease_s/2 (through the
 * batching reporter, so many jobs share one call), retried with backoff when it fails.
 *
 * The rule that matters: two workers never run one job. The lease keeper counts each lease down
 * on the monotonic clock (a step of the wall clock changes nothing) from when the request that
 * granted or renewed it was *sent* (claim, heartbeat, the re-adoption's /jobs/running): the server
 * stamped it later than that, never earlier. It counts the time the server says is left
 * (`lease_ms`, as of its answer), so a slow answer or a server that was slow to commit only makes
 * the local deadline earlier. When a lease cannot be renewed in time it tells the job to stop
 * `killMargin` before the lease would run out, so the job is gone before the server can hand it
 * to someone else. A `lease-lost` answer or `cancel_requested` stops the job too.
 *
 * Time is injected (`now`, monotonic by default), and `tick()` is public, so tests drive it
 * without sleeping.
 */
import type { Logger } from "pino";
import { isFlowyError } from "../../shared/errors.ts";
import type { ReportItem, ReportResult, Task } from "../../shared/protocol.ts";
import { retryDelayMs } from "../../shared/retry-policy.ts";

export type LossReason = "lease-lost" | "unrenewable";

export interface LeaseHandlers {
  /** The server asked for the job to be canceled. Called once. */
  onCancel(): void;
  /** The lease is gone or about to be: stop the job now. Called once, with the local expiry. */
  onLost(reason: LossReason, detail: string, expiresAt: number): void;
}

/** Workflows: the task states each heartbeat carries. */
export type TasksSource = () => Task[];

export interface LeaseKeeperOptions {
  send: (item: ReportItem) => Promise<ReportResult>;
  now?: () => number;
  logger?: Logger;
  tickMs?: number;
  /**
   * Told each lease's end on the keeper's clock whenever it is set or moves (undefined: the job
   * is no longer kept): the lease watchdog's deadlines (daemon/process/lease-watchdog.ts).
   */
  onDeadline?: (jobId: string, expiresAt: number | undefined, leaseMs: number) => void;
}

interface Lease {
  jobId: string;
  leaseToken: string;
  leaseMs: number;
  expiresAt: number;
  nextBeatAt: number;
  inFlight: boolean;
  failures: number;
  done: boolean;
  cancelSeen: boolean;
  handlers: LeaseHandlers;
  tasks?: TasksSource;
  /** Task states changed after the last heartbeat was sent: send the next one at once. */
  changed: boolean;
}

/** How long before a lease runs out a job whose lease cannot be renewed is stopped. */
export function killMargin(leaseMs: number): number {
  return Math.min(5_000, Math.max(250, leaseMs * 0.25));
}

/**
 * Where the lease watchdog (daemon/process/lease-watchdog.ts) kills a job the daemon did not stop:
 * after the daemon's own stop (which begins `killMargin` before the lease ends and ends in SIGKILL
 * by `killMargin / 2`), before the server can lease the job again.
 */
export function watchdogKillPoint(expiresAt: number, leaseMs: number): number {
  return expiresAt - killMargin(leaseMs) / 4;
}

/** Item errors that say nothing about the lease: try again. */
const TRANSIENT_CODES = new Set(["internal", "unavailable", "rate-limited"]);
const HEARTBEAT_BACKOFF = { initial_s: 0.1, max_s: 5, factor: 2 };

export class LeaseKeeper {
  private readonly leases = new Map<string, Lease>();
  private readonly options: LeaseKeeperOptions;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private started = false;

  constructor(options: LeaseKeeperOptions) {
    this.options = options;
    this.now = options.now ?? (() => performance.now());
  }

  /** The keeper's clock: lease deadlines (`expiresAt`) are on it; take `sentAt` times from it. */
  clock(): number {
    return this.now();
  }

  /** Keeps the leases from now on; the clock only ticks while there are leases to keep. */
  start(): void {
    this.started = true;
    this.schedule();
  }

  stop(): void {
    this.started = false;
    this.schedule();
  }

  /** An idle daemon must not wake up 20 times a second for nothing. */
  private schedule(): void {
    const wanted = this.started && this.leases.size > 0;
    if (wanted && !this.timer) this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 50);
    else if (!wanted && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /**
   * Starts keeping a lease granted (or renewed) no earlier than `sentAt` (on `clock()`), with
   * `leftMs` of it left as of then (the server's `lease_ms`; the whole lease when it said nothing).
   */
  track(
    jobId: string,
    leaseToken: string,
    leaseS: number,
    sentAt: number,
    handlers: LeaseHandlers,
    leftMs = leaseS * 1000,
  ): void {
    const leaseMs = leaseS * 1000;
    this.leases.set(jobId, {
      jobId,
      leaseToken,
      leaseMs,
      expiresAt: sentAt + leftMs,
      // Half a lease before it runs out (a long-poll claim's lease may run longer than lease_s from the send).
      nextBeatAt: sentAt + leftMs - leaseMs / 2,
      inFlight: false,
      failures: 0,
      done: false,
      cancelSeen: false,
      handlers,
      changed: false,
    });
    this.options.onDeadline?.(jobId, sentAt + leftMs, leaseMs);
    this.schedule();
  }

  /** From now on the job's heartbeats carry its task states. */
  attachTasks(jobId: string, tasks: TasksSource): void {
    const lease = this.leases.get(jobId);
    if (lease) lease.tasks = tasks;
  }

  /**
   * Heartbeat on the next tick instead of at lease_s/2: task states changed and people watch
   * them. The reporter batches heartbeats, so a burst of changes costs few calls.
   */
  beatSoon(jobId: string): void {
    const lease = this.leases.get(jobId);
    if (!lease) return;
    lease.changed = true;
    lease.nextBeatAt = Math.min(lease.nextBeatAt, this.now());
  }

  untrack(jobId: string): void {
    const lease = this.leases.get(jobId);
    if (lease) lease.done = true;
    this.leases.delete(jobId);
    this.options.onDeadline?.(jobId, undefined, lease?.leaseMs ?? 0);
    this.schedule();
  }

  /** When the lease runs out on the local clock; undefined when not kept (any more). */
  expiresAt(jobId: string): number | undefined {
    return this.leases.get(jobId)?.expiresAt;
  }

  get size(): number {
    return this.leases.size;
  }

  tick(): void {
    const now = this.now();
    for (const lease of this.leases.values()) {
      if (now >= lease.expiresAt - killMargin(lease.leaseMs)) {
        const left = Math.max(0, lease.expiresAt - now);
        this.lose(
          lease,
          "unrenewable",
          `the lease could not be renewed (${lease.failures} heartbeat failures); it runs out in ${left} ms`,
        );
      } else if (now >= lease.nextBeatAt && !lease.inFlight) {
        void this.beat(lease);
      }
    }
  }

  private async beat(lease: Lease): Promise<void> {
    const sentAt = this.now();
    lease.inFlight = true;
    try {
      lease.changed = false;
      const tasks = lease.tasks?.();
      const result = await this.options.send({
        kind: "heartbeat",
        job_id: lease.jobId,
        lease_token: lease.leaseToken,
        ...(tasks?.length ? { tasks } : {}),
      });
      if (lease.done) return;
      if (result.ok) this.renewed(lease, sentAt, result);
      else this.refused(lease, result);
    } catch (error) {
      if (!lease.done) this.failed(lease, error);
    } finally {
      lease.inFlight = false;
    }
  }

  private failed(lease: Lease, error: unknown): void {
    lease.failures++;
    const untilKill = lease.expiresAt - killMargin(lease.leaseMs) - this.now();
    // Back off, but keep trying a few times before the kill point.
    const delay = Math.min(retryDelayMs(lease.failures, HEARTBEAT_BACKOFF), Math.max(10, untilKill / 3));
    lease.nextBeatAt = this.now() + delay;
    this.options.logger?.warn(
      { job_id: lease.jobId, lease_token: lease.leaseToken, failures: lease.failures, err: errorText(error) },
      "heartbeat failed",
    );
  }

  private renewed(lease: Lease, sentAt: number, result: ReportResult): void {
    const cancelRequested = result.cancel_requested === true;
    lease.expiresAt = Math.max(lease.expiresAt, sentAt + (result.lease_ms ?? lease.leaseMs));
    this.options.onDeadline?.(lease.jobId, lease.expiresAt, lease.leaseMs);
    // A change that came while this heartbeat was on its way goes out on the next tick.
    lease.nextBeatAt = lease.changed ? this.now() : sentAt + lease.leaseMs / 2;
    lease.failures = 0;
    if (cancelRequested && !lease.cancelSeen) {
      lease.cancelSeen = true;
      lease.handlers.onCancel();
    }
  }

  private refused(lease: Lease, result: ReportResult): void {
    const code = result.error?.code ?? "internal";
    const detail = result.error?.detail ?? "the server refused the heartbeat";
    if (TRANSIENT_CODES.has(code)) {
      this.failed(lease, new Error(`${code}: ${detail}`));
      return;
    }
    // lease-lost, not-found (deleted), illegal-transition: the job is not ours any more.
    this.lose(lease, "lease-lost", `${code}: ${detail}`);
  }

  private lose(lease: Lease, reason: LossReason, detail: string): void {
    this.leases.delete(lease.jobId);
    this.schedule();
    lease.done = true;
    lease.handlers.onLost(reason, detail, lease.expiresAt);
  }
}

function errorText(error: unknown): string {
  if (isFlowyError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
