/**
 * One job on this worker, from claim (or re-adoption) to an outcome the server accepted:
 * stage its directory, start its executor, keep its lease, enforce its timeout, ship its log,
 * stop it when asked (cancel, lease lost, shutdown), and report how it ended.
 */
import type { Logger } from "pino";
import { isFlowyError } from "../shared/errors.ts";
import type { ClaimedJob, ReportItem, ReportResult } from "../shared/protocol.ts";
import { retryDelayMs } from "../shared/retry-policy.ts";
import {
  adoptExecution,
  type Execution,
  type ExecutionReport,
  type ExitInfo,
  UnrunnableJobError,
} from "./process/executor.ts";
import type { Containment } from "./process/cgroup.ts";
import type { JobUser } from "./process/job-user.ts";
import { JobDir } from "./process/job-dir.ts";
import { killMargin, type LeaseHandlers, type LeaseKeeper, type LossReason } from "./leases/lease-keeper.ts";
import { LogShipper } from "./leases/log-shipper.ts";
import type { LeaseWatchdog } from "./process/lease-watchdog.ts";
import { decideOutcome, type StopReason, setupFailure } from "./outcome.ts";
import type { SelectExecutor } from "./executors.ts";
import type { ServerClient } from "./leases/server-client.ts";

export interface RunContext {
  jobsRoot: string;
  client: Pick<ServerClient, "appendLog">;
  keeper: LeaseKeeper;
  report: (item: ReportItem) => Promise<ReportResult>;
  logger: Logger;
  killGraceMs: number;
  now: () => number;
  logIntervalMs?: number;
  selectExecutor: SelectExecutor;
  /** Each attempt's cgroup (or process groups only): reconcile stops what a discarded job left. */
  containment: Containment;
  /** The user jobs run as: it owns each job's directory. */
  jobUser?: JobUser;
  /** Kills a job at its lease's end should this daemon not be able to (lease-watchdog.ts). */
  watchdog?: LeaseWatchdog;
}

const SETTLE_BACKOFF = { initial_s: 0.2, max_s: 5, factor: 2 };

export class JobRun {
  readonly job: ClaimedJob;
  private readonly ctx: RunContext;
  private readonly log: Logger;
  private execution: Execution | undefined;
  private stopped: StopReason | undefined;
  /** The grace the first stop asked for: applied when the process exists, if it came before. */
  private stopGraceMs = 0;
  private lost: { reason: LossReason; expiresAt: number } | undefined;
  /** The job's process has ended; only its report is left. */
  private ended = false;
  private markProcessEnded: () => void = () => {};
  /**
   * Resolves when the job's process has ended (or never started): its slot is free from then
   * on, while the report is still on its way.
   */
  readonly processEnded = new Promise<void>((resolve) => {
    this.markProcessEnded = resolve;
  });

  constructor(job: ClaimedJob, ctx: RunContext) {
    this.job = job;
    this.ctx = ctx;
    this.log = ctx.logger.child({ job_id: job.id, attempt: job.attempt, lease_token: job.lease_token });
  }

  /** Runs a job this daemon just claimed; `sentAt` is when the claim was sent (on the keeper's clock). */
  async runClaimed(sentAt: number): Promise<void> {
    this.log.info({ event: "claimed", name: this.job.name }, "job claimed");
    this.keepLease(sentAt, this.job.lease_ms);
    let dir: JobDir | undefined;
    try {
      dir = new JobDir(this.ctx.jobsRoot, this.job.id);
      const executor = this.ctx.selectExecutor(this.job.spec);
      const startedAt = this.ctx.now();
      await dir.stage(this.job, startedAt, this.ctx.jobUser);
      this.stopIfPastKillPoint();
      // Stopped while it was being staged (cancel, lease lost, shutdown): it never starts.
      if (this.stopped)
        return await this.finish(dir, { exitCode: null, signal: null }, startedAt, this.stopped);
      this.attach(await executor.start(dir, this.job));
      dir.writeIdentity(this.execution!.pid);
      this.log.info({ event: "started", pid: this.execution!.pid, executor: executor.kind }, "job started");
      await this.follow(dir, startedAt, false);
    } catch (error) {
      await this.failSetup(dir, error);
    }
  }

  /**
   * Carries on with a job a previous daemon process started: re-adopt its executor if it still
   * runs, collect its result if it ended, or report it failed if it vanished.
   */
  async runAdopted(dir: JobDir, startedAt: number, askedAt: number): Promise<void> {
    if (this.job.lease_ms !== undefined) this.keepLease(askedAt, this.job.lease_ms);
    // A server that does not say what is left: assume half a lease, and heartbeat at once.
    else this.keepLease(this.ctx.keeper.clock() - (this.job.lease_s * 1000) / 2);
    // A lease at its kill point (or expired: the reaper has not run yet) is not re-adopted: its
    // process is stopped the moment it is attached below, and the job reported for a retry.
    this.stopIfPastKillPoint();
    const saved = await dir.readResult();
    if (saved && saved.lease_token === this.job.lease_token) {
      this.log.info(
        { event: "readopted", outcome: saved.kind },
        "reporting a result saved before the restart",
      );
      return this.settle(dir, saved);
    }
    // A pid that now names another process (a reboot, a long downtime) is treated as gone.
    const pid = await dir.readTrustedPid();
    const status = await dir.readExitStatus();
    if (pid === undefined && status === undefined) {
      return this.finish(dir, { exitCode: null, signal: null }, startedAt, { kind: "vanished" });
    }
    const executor = this.ctx.selectExecutor(this.job.spec);
    this.attach(executor.adopt?.(dir, pid ?? 0, this.job) ?? adoptExecution(dir, pid ?? 0));
    this.log.info({ event: "readopted", pid, exited: status !== undefined }, "job re-adopted");
    await this.follow(dir, startedAt, true);
  }

  /**
   * Stops the job's process group; the first reason given is the one reported. A lease that is
   * running out leaves less grace than usual: the job must be gone before the lease is.
   */
  stop(reason: StopReason, graceMs = this.ctx.killGraceMs): void {
    if (this.ended) return;
    if (this.stopped) {
      // A second, harder stop (shutdown at once): skip the rest of the grace period.
      if (graceMs === 0) {
        this.stopGraceMs = 0;
        void this.execution?.stop(0);
      }
      return;
    }
    this.stopped = reason;
    this.stopGraceMs =
      reason.kind === "lease" ? Math.min(graceMs, killMargin(this.job.lease_s * 1000) / 2) : graceMs;
    this.log.warn(
      { event: "stopping", reason: reason.kind, grace_ms: this.stopGraceMs, started: !!this.execution },
      "stopping the job",
    );
    // A job still starting is stopped the moment its process exists (attach), or never starts.
    void this.execution?.stop(this.stopGraceMs);
  }

  /** The job's process exists from now on: a stop that came while it was starting applies now. */
  private attach(execution: Execution): void {
    this.execution = execution;
    this.ctx.watchdog?.attach(this.job.id, execution.pid);
    if (this.stopped) void execution.stop(this.stopGraceMs);
  }

  /** About to start with the lease already at its kill point: the job must not run at all. */
  private stopIfPastKillPoint(): void {
    const expiresAt = this.ctx.keeper.expiresAt(this.job.id);
    if (expiresAt === undefined) return; // no longer kept: onLost has recorded the stop
    const left = expiresAt - this.ctx.keeper.clock();
    if (left > killMargin(this.job.lease_s * 1000)) return;
    this.stop({
      kind: "lease",
      detail: `the lease had ${Math.max(0, Math.round(left))} ms left when the job was to start`,
    });
  }

  private keepLease(sentAt: number, leftMs?: number): void {
    const handlers: LeaseHandlers = {
      onCancel: () => {
        this.log.info({ event: "canceled" }, "cancel requested by the server");
        this.stop({ kind: "cancel" });
      },
      onLost: (reason, detail, expiresAt) => {
        this.lost = { reason, expiresAt };
        // A heartbeat that crossed an accepted report in the same batch: nothing left to stop.
        if (this.ended) return;
        this.log.warn({ event: "lease_lost", reason, detail }, "lease lost: stopping the job");
        this.stop({ kind: "lease", detail });
      },
    };
    this.ctx.keeper.track(this.job.id, this.job.lease_token, this.job.lease_s, sentAt, handlers, leftMs);
  }

  /** Waits for the running executor while shipping its log and enforcing its timeout. */
  private async follow(dir: JobDir, startedAt: number, resume: boolean): Promise<void> {
    const execution = this.execution!;
    const shipper = new LogShipper(
      dir,
      (offset, data) => this.ctx.client.appendLog(this.job.id, this.job.lease_token, offset, data),
      {
        intervalMs: this.ctx.logIntervalMs,
        logger: this.log,
      },
    );
    await shipper.start(resume);
    this.followTasks(execution);
    const timer = this.job.timeout_s
      ? setTimeout(
          () => this.stop({ kind: "timeout" }),
          Math.max(0, startedAt + this.job.timeout_s * 1000 - this.ctx.now()),
        )
      : undefined;
    const exit = await execution.done;
    this.ctx.watchdog?.detach(this.job.id);
    clearTimeout(timer);
    await shipper.finish();
    await this.finish(dir, exit, startedAt, this.stopped);
  }

  /** Workflows: heartbeats carry the task states, and a change is sent without waiting for lease_s/2. */
  private followTasks(execution: Execution): void {
    if (!execution.report) return;
    const report = execution.report;
    this.ctx.keeper.attachTasks(this.job.id, () => report().tasks);
    execution.onTasksChanged?.(() => this.ctx.keeper.beatSoon(this.job.id));
  }

  private async finish(dir: JobDir, exit: ExitInfo, startedAt: number, stopped: StopReason | undefined) {
    this.ended = true;
    const decided = await decideOutcome(dir, this.job, exit, stopped, this.ctx.now() - startedAt);
    const item = withExecutionReport(decided, this.execution?.report?.(), stopped);
    await dir.writeResult(item);
    this.log.info(
      {
        event: "finished",
        outcome: item.kind,
        exit_code: exit.exitCode,
        signal: exit.signal,
        stopped: stopped?.kind,
      },
      "job finished",
    );
    await this.settle(dir, item);
  }

  private async failSetup(dir: JobDir | undefined, error: unknown): Promise<void> {
    const unrunnable = error instanceof UnrunnableJobError;
    const message = unrunnable ? error.message : `could not start the job: ${(error as Error).message}`;
    this.log.error({ event: "finished", outcome: "failed", err: message }, "job could not start");
    await this.settle(dir, setupFailure(this.job, message, unrunnable ? error.retryable : true));
  }

  /**
   * Reports the outcome until the server accepts it or the lease is gone. Heartbeats continue
   * meanwhile, so a slow report cannot lose the lease.
   */
  private async settle(dir: JobDir | undefined, item: ReportItem): Promise<void> {
    this.markProcessEnded();
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.ctx.report(item);
        if (result.ok) {
          this.log.info({ event: "reported", outcome: item.kind, state: result.state }, "outcome accepted");
        } else {
          const problem = result.error;
          this.log.warn(
            { event: "report_rejected", code: problem?.code, detail: problem?.detail },
            "outcome rejected",
          );
        }
        break;
      } catch (error) {
        if (!this.mayRetrySettle(error)) break;
        await sleep(retryDelayMs(attempt, SETTLE_BACKOFF));
      }
    }
    this.ctx.keeper.untrack(this.job.id);
    await dir?.remove();
  }

  /** A transport error: retry while the lease may still be ours on the server. */
  private mayRetrySettle(error: unknown): boolean {
    const text = isFlowyError(error) ? `${error.code}: ${error.message}` : String(error);
    const expiresAt = this.lost?.expiresAt ?? this.ctx.keeper.expiresAt(this.job.id);
    const retry =
      this.lost?.reason !== "lease-lost" && expiresAt !== undefined && this.ctx.keeper.clock() < expiresAt;
    this.log.warn({ event: "report_failed", err: text, retrying: retry }, "could not report the outcome");
    return retry;
  }
}

/** A workflow's final task states, and its own account of a failure (which task) over "exited with 1". */
function withExecutionReport(
  item: ReportItem,
  report: ExecutionReport | undefined,
  stopped: StopReason | undefined,
): ReportItem {
  if (!report) return item;
  const withTasks = { ...item, ...(report.tasks.length ? { tasks: report.tasks } : {}) };
  if (item.kind !== "failed" || stopped || !report.message) return withTasks;
  return {
    ...withTasks,
    message: report.message,
    ...(report.retryable === false ? { retryable: false } : {}),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
