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
import { JobDir } from "./process/job-dir.ts";
import { killMargin, type LeaseKeeper, type LossReason } from "./leases/lease-keeper.ts";
import { LogShipper } from "./leases/log-shipper.ts";
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
}

const SETTLE_BACKOFF = { initial_s: 0.2, max_s: 5, factor: 2 };

export class JobRun {
  readonly job: ClaimedJob;
  private readonly ctx: RunContext;
  private readonly log: Logger;
  private execution: Execution | undefined;
  private stopped: StopReason | undefined;
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

  /** Runs a job this daemon just claimed; `grantedAt` is when the claim answer arrived. */
  async runClaimed(grantedAt: number): Promise<void> {
    this.log.info({ event: "claimed", name: this.job.name }, "job claimed");
    this.keepLease(grantedAt);
    let dir: JobDir | undefined;
    try {
      dir = new JobDir(this.ctx.jobsRoot, this.job.id);
      const executor = this.ctx.selectExecutor(this.job.spec);
      const startedAt = this.ctx.now();
      await dir.stage(this.job, startedAt);
      this.execution = await executor.start(dir, this.job);
      this.log.info({ event: "started", pid: this.execution.pid, executor: executor.kind }, "job started");
      await this.follow(dir, startedAt, false);
    } catch (error) {
      await this.failSetup(dir, error);
    }
  }

  /**
   * Carries on with a job a previous daemon process started: re-adopt its executor if it still
   * runs, collect its result if it ended, or report it failed if it vanished.
   */
  async runAdopted(dir: JobDir, startedAt: number): Promise<void> {
    // Heartbeat at once: the lease may have little left after the restart.
    this.keepLease(this.ctx.now() - (this.job.lease_s * 1000) / 2);
    const saved = await dir.readResult();
    if (saved && saved.lease_token === this.job.lease_token) {
      this.log.info(
        { event: "readopted", outcome: saved.kind },
        "reporting a result saved before the restart",
      );
      return this.settle(dir, saved);
    }
    const pid = await dir.readPid();
    const status = await dir.readExitStatus();
    if (pid === undefined && status === undefined) {
      return this.finish(dir, { exitCode: null, signal: null }, startedAt, { kind: "vanished" });
    }
    const executor = this.ctx.selectExecutor(this.job.spec);
    this.execution = executor.adopt?.(dir, pid ?? 0) ?? adoptExecution(dir, pid ?? 0);
    this.log.info({ event: "readopted", pid, exited: status !== undefined }, "job re-adopted");
    await this.follow(dir, startedAt, true);
  }

  /**
   * Stops the job's process group; the first reason given is the one reported. A lease that is
   * running out leaves less grace than usual: the job must be gone before the lease is.
   */
  stop(reason: StopReason, graceMs = this.ctx.killGraceMs): void {
    if (!this.execution || this.ended) return;
    if (this.stopped) {
      // A second, harder stop (shutdown at once): skip the rest of the grace period.
      if (graceMs === 0) void this.execution.stop(0);
      return;
    }
    this.stopped = reason;
    const grace =
      reason.kind === "lease" ? Math.min(graceMs, killMargin(this.job.lease_s * 1000) / 2) : graceMs;
    this.log.warn({ event: "stopping", reason: reason.kind, grace_ms: grace }, "stopping the job");
    void this.execution.stop(grace);
  }

  private keepLease(grantedAt: number): void {
    this.ctx.keeper.track(this.job.id, this.job.lease_token, this.job.lease_s, grantedAt, {
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
    });
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
    const retry = this.lost?.reason !== "lease-lost" && expiresAt !== undefined && this.ctx.now() < expiresAt;
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
